// The segment editor's state: the query text, its issues and the live preview, recomputed in the worker
// as the user types. Every request carries a sequence number; an answer older than the newest request
// is dropped, so a slow stale answer never overwrites a newer one.
import type { Issue } from '$lib/engine/result';
import type { SegmentPreview } from '$lib/worker/api';
import { dataWorker } from '$lib/worker/client';
import { handleError } from './app.svelte';
import { latestOnly } from './latest';

/** Long enough to skip work between fast keystrokes, short enough to feel immediate. */
const DEBOUNCE_MS = 40;

export class SegmentEditor {
  text = $state('');
  issues = $state<readonly Issue[]>([]);
  preview = $state<SegmentPreview | null>(null);
  /** The canonical text of the current rule, when valid. */
  canonical = $state<string | null>(null);
  checking = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #ask = latestOnly((text: string, savedId: string | undefined) =>
    Promise.all([
      dataWorker().checkQuery(text, savedId),
      dataWorker().previewSegment(text, savedId, 10)
    ])
  );

  /** `savedId`: the stored segment the preview compares with (none while creating). */
  constructor(private readonly savedId: () => string | undefined) {}

  get errors(): readonly Issue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }

  /** Sets the text and schedules a check and a preview. */
  edit(text: string): void {
    this.text = text;
    clearTimeout(this.#timer);
    this.checking = true;
    this.#timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  async refresh(): Promise<void> {
    try {
      const answer = await this.#ask(this.text, this.savedId());
      if (answer.stale) return;
      const [check, preview] = answer.value;
      this.issues = check.issues;
      this.canonical = check.canonical;
      this.preview = preview.ok ? preview.value : null;
      this.checking = false;
    } catch (error) {
      this.checking = false;
      handleError(error, 'Could not check the rule');
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#ask.cancel();
  }
}
