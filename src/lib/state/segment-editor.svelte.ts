// The segment editor's state: one rule seen as query text and as the visual builder's tree, kept in
// step (an edit in either shows at once in the other; while the text has an error the builder keeps
// the last valid rule), the data's names for pickers and autocomplete, and the live preview computed
// in the worker. At most one preview request is in flight: edits made meanwhile are coalesced into one
// request for the newest text, sent when the answer comes (no fixed delay: `npm run bench -- --only
// preview` measures the last keystroke to the count). An answer older than the newest request is
// dropped, so a slow stale answer never overwrites a newer one.
import { emptyTree, treeFromAst, treeToAst, type Problem, type RuleGroup } from '$lib/builder/tree';
import type { FieldRef } from '$lib/builder/values';
import type { SegmentAst } from '$lib/engine/model';
import { parse } from '$lib/engine/parser';
import { print } from '$lib/engine/printer';
import type { Issue } from '$lib/engine/result';
import type { DataSchema } from '$lib/engine/schema';
import type { SegmentPreview } from '$lib/worker/api';
import { dataWorker } from '$lib/worker/client';
import { handleError } from './app.svelte';
import { latestOnly } from './latest';

export class SegmentEditor {
  text = $state('');
  issues = $state<readonly Issue[]>([]);
  preview = $state<SegmentPreview | null>(null);
  /** The canonical text of the current rule, when valid. */
  canonical = $state<string | null>(null);
  checking = $state(false);
  /** The builder's view of the rule: the last valid one while the text has an error. */
  tree = $state.raw<RuleGroup>(emptyTree());
  /** Inputs of the builder that keep its rule from being complete (the text keeps the last one). */
  treeProblems = $state.raw<readonly Problem[]>([]);
  /** The text does not read as a rule (the builder shows the last one that did). */
  textBroken = $state(false);
  /** The last rule the text or the builder produced. */
  ast = $state.raw<SegmentAst | null>(null);
  /** The data's attributes and events (with properties), for pickers and autocomplete. */
  schema = $state.raw<DataSchema>({ attributes: [], events: [] });
  /** The names above have been asked of the worker once (answered, or failed with a message). */
  namesLoaded = $state(false);
  /** Names of the other segments, for `in segment`. */
  segmentNames = $state.raw<readonly string[]>([]);
  /** A request is on its way to the worker; `#again`: the text changed since it was sent. */
  #inFlight = false;
  #again = false;
  #disposed = false;
  readonly #ask = latestOnly((text: string, savedId: string | undefined) =>
    Promise.all([
      dataWorker().checkQuery(text, savedId),
      dataWorker().previewSegment(text, savedId, 10)
    ])
  );
  readonly #loadNames = latestOnly(() =>
    Promise.all([dataWorker().attributes(), dataWorker().eventTypes(), dataWorker().segments()])
  );

  /** `savedId`: the stored segment the preview compares with (none while creating). */
  constructor(private readonly savedId: () => string | undefined) {}

  get errors(): readonly Issue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }

  /** Sets the text (typed, or loaded) and schedules a check and a preview; the builder follows. */
  edit(text: string): void {
    // The same text again (a reload of the page's data) leaves the builder as the user left it.
    const changed = text !== this.text;
    this.text = text;
    if (changed || this.textBroken) this.#syncTree();
    this.#schedule();
  }

  /** A change made in the builder: the text follows when the builder's rule is complete. */
  editTree(tree: RuleGroup): void {
    this.tree = tree;
    const result = treeToAst(tree);
    if (!result.ok) {
      this.treeProblems = result.problems;
      return;
    }
    this.treeProblems = [];
    this.ast = result.ast;
    this.textBroken = false;
    this.text = print(result.ast);
    this.#schedule();
  }

  /** Replaces the whole rule (e.g. a template mapped onto this data). */
  replace(ast: SegmentAst): void {
    this.edit(print(ast));
  }

  /** Loads the data's names (again, after an import) and re-types the builder's tree by them. */
  async loadNames(): Promise<void> {
    try {
      const answer = await this.#loadNames();
      if (answer.stale) return;
      const [attributes, events, segments] = answer.value;
      const self = this.savedId();
      const schema: DataSchema = {
        attributes: attributes.map((a) => a.def),
        events: events.map((e) => ({ name: e.name, properties: e.properties }))
      };
      // Unchanged names leave the builder alone (rebuilding it would move the keyboard focus).
      const same = JSON.stringify(schema) === JSON.stringify(this.schema);
      this.schema = schema;
      this.segmentNames = segments
        .filter((s) => s.id !== self)
        .map((s) => s.name)
        .sort((a, b) => a.localeCompare(b));
      if (!same && this.treeProblems.length === 0) this.#syncTree();
      this.namesLoaded = true;
    } catch (error) {
      this.namesLoaded = true;
      handleError(error, 'Could not load the attributes and events');
    }
  }

  /** Values of a text field seen in the data, most common first. */
  async suggestions(field: FieldRef, typed: string): Promise<readonly string[]> {
    try {
      return await dataWorker().fieldValues(field, typed, 20);
    } catch {
      // Suggestions are a convenience: without them the input still works.
      return [];
    }
  }

  #syncTree(): void {
    if (this.text.trim() === '') {
      this.ast = null;
      this.tree = emptyTree();
      this.treeProblems = [];
      this.textBroken = false;
      return;
    }
    const parsed = parse(this.text);
    if (!parsed.ok) {
      this.textBroken = true;
      return;
    }
    this.ast = parsed.value;
    this.tree = treeFromAst(parsed.value, this.schema);
    this.treeProblems = [];
    this.textBroken = false;
  }

  #schedule(): void {
    this.checking = true;
    if (this.#disposed) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = true;
    void this.refresh().finally(() => {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        this.#schedule();
      }
    });
  }

  async refresh(): Promise<void> {
    try {
      const text = this.text;
      const answer = await this.#ask(text, this.savedId());
      if (answer.stale) return;
      const [check, preview] = answer.value;
      this.issues = check.issues;
      this.canonical = check.canonical;
      this.preview = preview.ok ? preview.value : null;
      // Edited meanwhile: the answer for the newest text is still to come.
      this.checking = text !== this.text;
    } catch (error) {
      this.checking = false;
      handleError(error, 'Could not check the rule');
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#again = false;
    this.#ask.cancel();
    this.#loadNames.cancel();
  }
}
