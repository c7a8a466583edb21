// Segments in the worker: hosts the engine's SegmentEngine over the workspace's store, keeps membership
// current after imports and as time passes (recording every enter/leave with its instant), and serves
// the editor (query checks, previews), the segments list, member pages and CSV exports.
import { compile, type CompiledSegment, type SegmentRef } from '$lib/engine/compile';
import { Evaluator } from '$lib/engine/evaluate';
import { SegmentEngine, type MembershipChange } from '$lib/engine/live';
import { renameSegmentRefs, stripSpans, type SegmentAst } from '$lib/engine/model';
import { parse } from '$lib/engine/parser';
import { print } from '$lib/engine/printer';
import { fail, issue, ok, type Issue, type Result } from '$lib/engine/result';
import type { DataSchema, FieldDef, Value } from '$lib/engine/schema';
import type { ColumnarStore } from '$lib/engine/store';
import { csvRows, type CsvValue } from '$lib/csv/report';
import type { ExportRecord, MembershipChangeRecord, SegmentRecord } from '$lib/storage/db';
import type { SegmentsRepo } from '$lib/storage/segments-repo';
import type {
  CustomerSegment,
  ExportFile,
  ExportOptions,
  ExportProgress,
  MemberCandidate,
  SegmentOverlap,
  StaticChange,
  StaticChangeMode,
  MemberOrder,
  MemberPage,
  MemberSample,
  QueryCheck,
  SegmentInput,
  SegmentPreview,
  SegmentSummary,
  SegmentTemplate
} from './api';
import { SEGMENT_TEMPLATES } from './segment-templates';
import {
  DAY_MS,
  MembershipHistory,
  type LogPage,
  type LogQuery,
  type SizeHistory
} from './history';
import { describeNextChange, NextChanges } from './next-change';
import type { AppliedChange, Workspace } from './workspace';
import { StaticMembers } from './static-members';
import { computeOverlap, MAX_OVERLAP_SETS } from './overlap';

export interface SegmentServiceOptions {
  /** The clock (tests pass a fixed one). */
  readonly now?: () => number;
  /** Whether to run a timer for time-driven flips (the worker does; Node tests call tick()). */
  readonly timers?: boolean;
  /** Whether this instance records time-driven flips (one tab does; see electLeader). */
  readonly isLeader?: () => boolean;
  /** The columns shown for members and exported, in order (the browser's display order). */
  readonly columns: () => readonly FieldDef[];
}

const NAME_KEYS = ['name', 'full_name'];
const MAX_NAME = 120;
const EXPORT_ID_HEADER = 'customer_id';
const EXPORT_SEGMENT_HEADER = 'segment';
/** When the member last entered, where recorded (members since the segment's creation: blank). */
const EXPORT_ENTERED_HEADER = 'entered_at';
/** How often the recording clock is saved when nothing changes (it is saved with every change). */
const CLOCK_SAVE_MS = 60_000;
/** Rows written between progress reports (and chances to cancel) during an export. */
const EXPORT_CHUNK = 5_000;
/** setTimeout's longest delay; a later due time is re-checked then. */
const MAX_DELAY = 2 ** 31 - 1;

const notFound = <T>(): Result<T> =>
  fail(issue('unknown-segment', 'That segment does not exist (it may have been deleted).'));

const schemaSignature = (schema: DataSchema): string =>
  JSON.stringify([
    schema.attributes.map((a) => `${a.key}:${a.type}`).sort(),
    schema.events.map((e) => e.name.toLowerCase()).sort()
  ]);

/** The segment's name with whitespace tidied; an issue when it is empty or too long. */
function checkName(name: string): Result<string> {
  const tidy = name.replace(/\s+/g, ' ').trim();
  if (tidy === '') return fail(issue('empty-name', 'Give the segment a name.'));
  if (tidy.length > MAX_NAME)
    return fail(issue('long-name', `Keep the name under ${MAX_NAME} characters.`));
  return ok(tidy);
}

export class SegmentService {
  readonly #now: () => number;
  #engine: SegmentEngine | null = null;
  /** The workspace version and schema the engine was last brought up to date with. */
  #builtVersion = -1;
  #schemaKey = '';
  /** Active records by id (with the version the engine holds), and their compile issues. */
  #records = new Map<string, SegmentRecord>();
  #issues = new Map<string, readonly Issue[]>();
  #writes: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #clockSavedAt = -Infinity;
  /** Static segments as hidden columns, so that rules can say `in segment "a static one"`. */
  readonly #lists = new StaticMembers();
  #exportAbort: AbortController | null = null;
  /** The compiled rule each live segment runs, for next-change instants. */
  #compiled = new Map<string, CompiledSegment>();
  readonly #history: MembershipHistory;
  readonly #nextChanges = new NextChanges();
  /** Pulled versions (`id@version`) whose membership is queued for the log. */
  readonly #pulledQueued = new Set<string>();

  constructor(
    private readonly repo: SegmentsRepo,
    private readonly workspace: Workspace,
    private readonly options: SegmentServiceOptions
  ) {
    this.#now = options.now ?? (() => Date.now());
    this.#history = new MembershipHistory(repo);
    workspace.onApplied = (change) => this.#afterImport(change);
  }

  /** Resolves once every recorded change is written (tests, and before reading the history). */
  idle(): Promise<void> {
    return this.#writes;
  }

  /** Brings the engine up to date with stored segments and the data, and applies due time flips. */
  async refresh(): Promise<SegmentEngine> {
    const records = await this.repo.active();
    const store = this.workspace.store;
    const schemaKey = schemaSignature(store.schema());
    const stale =
      !this.#engine ||
      this.#engine.store !== this.#lists.view(store) ||
      this.#builtVersion !== this.workspace.version ||
      this.#schemaKey !== schemaKey;
    const changed =
      records.length !== this.#records.size ||
      records.some((r) => this.#records.get(r.id)?.version !== r.version);
    if (stale || changed) {
      // A fresh engine starts where recording stopped (the app was closed, or another tab led), so
      // that the flips since then are recorded with their true instants by the tick below.
      const from = stale && this.#leader() ? await this.repo.clock() : undefined;
      // Data loaded from another tab, or segments edited there: that tab records those changes.
      this.#build(records, stale, from);
    }
    this.tick();
    if (this.#leader()) this.#recordPulled(records);
    return this.#engine as SegmentEngine;
  }

  /**
   * Segments pulled from another device (or its edits of them): their members now against those the
   * log has in, each difference recorded as entering or leaving now, so that the log, the chart and
   * the export's "entered at" continue from here. A rule that does not compile waits (no members).
   */
  #recordPulled(records: readonly SegmentRecord[]): void {
    const engine = this.#engine;
    if (!engine) return;
    const store = this.workspace.store;
    for (const r of records) {
      const key = `${r.id}@${r.version}`;
      if (!r.unrecorded || this.#pulledQueued.has(key)) continue;
      if (r.kind === 'dynamic' && !engine.has(r.id)) continue;
      this.#pulledQueued.add(key);
      const members = new Set(this.#memberIndices(engine, r.id).map((c) => store.idOf(c)));
      const at = this.#now();
      this.#writes = this.#writes
        .then(async () => {
          const logged = await this.repo.enteredAt(r.id);
          const rows: MembershipChangeRecord[] = [];
          for (const id of members) {
            if (!logged.has(id)) rows.push({ segmentId: r.id, customerId: id, kind: 'enter', at });
          }
          for (const id of logged.keys()) {
            if (!members.has(id)) rows.push({ segmentId: r.id, customerId: id, kind: 'leave', at });
          }
          if (rows.length > 0) await this.repo.addChanges(rows);
          await this.repo.markRecorded(r.id, r.version);
        })
        .catch((error: unknown) => console.error('Recording a pulled segment failed', error));
    }
  }

  /** Applies the time flips due by now (recorded by the leader only) and re-arms the timer. */
  tick(): void {
    const engine = this.#engine;
    if (!engine) return;
    const now = this.#now();
    const changes = engine.advanceTo(now);
    if (this.#leader()) {
      this.#record(changes, now);
      if (changes.length === 0 && now - this.#clockSavedAt > CLOCK_SAVE_MS) this.#saveClock(now);
    }
    this.#arm();
  }

  #leader(): boolean {
    return this.options.isLeader?.() ?? true;
  }

  async list(): Promise<SegmentSummary[]> {
    await this.refresh();
    return Promise.all([...this.#records.values()].map((r) => this.#summary(r)));
  }

  async get(id: string): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const record = this.#records.get(id);
    return record ? ok(await this.#summary(record)) : notFound();
  }

  async templates(): Promise<SegmentTemplate[]> {
    await this.refresh();
    return SEGMENT_TEMPLATES.map((t) => ({ ...t, issues: this.#check(t.query).issues }));
  }

  async create(input: SegmentInput): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const name = this.#freeName(input.name);
    if (!name.ok) return name;
    const rule = this.#validRule(input.query, name.value);
    if (!rule.ok) return rule;
    const now = this.#now();
    const record = await this.repo.create({
      id: crypto.randomUUID(),
      name: name.value,
      kind: 'dynamic',
      rule: rule.value,
      createdAt: now,
      updatedAt: now,
      version: 1
    });
    this.#records.set(record.id, record);
    this.#compileAll(true);
    return ok(await this.#summary(record));
  }

  async update(id: string, change: Partial<SegmentInput>): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const current = this.#records.get(id);
    if (!current) return notFound();
    let name = current.name;
    if (change.name !== undefined) {
      const checked = this.#freeName(change.name, id);
      if (!checked.ok) return checked;
      name = checked.value;
    }
    let rule = current.rule;
    if (change.query !== undefined) {
      const checked = this.#validRule(change.query, name, id);
      if (!checked.ok) return checked;
      rule = checked.value;
    }
    const now = this.#now();
    const next = await this.repo.update(id, { name, rule }, now);
    if (!next) return notFound();
    this.#records.set(id, next);
    if (name !== current.name) await this.#followRename(id, current.name, name, now);
    this.#compileAll(true);
    return ok(await this.#summary(next));
  }

  async duplicate(id: string): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const source = this.#records.get(id);
    if (!source) return notFound();
    const taken = new Set([...this.#records.values()].map((r) => r.name.toLowerCase()));
    let name = `${source.name} (copy)`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${source.name} (copy ${n})`;
    const now = this.#now();
    // A copy of a static segment starts with the same members, entering it now.
    if (source.kind === 'static') {
      return ok(await this.#summary(await this.#newStatic(name, source.members ?? [], now)));
    }
    const { deletedAt: _deleted, ...rest } = source;
    const record = await this.repo.create({
      ...rest,
      id: crypto.randomUUID(),
      name,
      createdAt: now,
      updatedAt: now,
      version: 1
    });
    this.#records.set(record.id, record);
    this.#compileAll(true);
    return ok(await this.#summary(record));
  }

  async freeze(id: string): Promise<Result<SegmentSummary>> {
    const engine = await this.refresh();
    const source = this.#records.get(id);
    if (!source) return notFound();
    if (source.kind !== 'dynamic' || !engine.has(id)) {
      return fail(
        issue('not-live', 'Only a dynamic segment whose rule fits the data can be frozen.')
      );
    }
    const store = this.workspace.store;
    const members = engine
      .members(id)
      .map((c) => store.idOf(c))
      .sort();
    const now = this.#now();
    const base = `${source.name} ${new Date(now).toISOString().slice(0, 10)}`;
    const taken = new Set([...this.#records.values()].map((r) => r.name.toLowerCase()));
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    return ok(await this.#summary(await this.#newStatic(name, members, now)));
  }

  /** A static segment of the given customers (ids not on this device are left out). */
  async createStatic(
    name: string,
    customerIds: readonly string[]
  ): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const checked = this.#freeName(name);
    if (!checked.ok) return checked;
    const store = this.workspace.store;
    const members = [...new Set(customerIds)].filter((id) => store.indexOf(id) >= 0).sort();
    return ok(await this.#summary(await this.#newStatic(checked.value, members, this.#now())));
  }

  /**
   * Stores a new static segment and records each member as entering it at `now`, the instant it was
   * made (its log and size chart start with them). Rules naming a segment of this name (one deleted
   * before) can work again.
   */
  async #newStatic(name: string, members: readonly string[], now: number): Promise<SegmentRecord> {
    const store = this.workspace.store;
    const record = await this.repo.create({
      id: crypto.randomUUID(),
      name,
      kind: 'static',
      members: [...members],
      createdAt: now,
      updatedAt: now,
      version: 1
    });
    this.#records.set(record.id, record);
    this.#compileAll(true);
    const entries: MembershipChange[] = [];
    for (const id of members) {
      const customer = store.indexOf(id);
      if (customer >= 0) entries.push({ segment: record.id, customer, id, kind: 'enter', at: now });
    }
    this.#record(entries, now);
    return record;
  }

  /**
   * Changes a static segment's members: add or remove the given customers, or replace the members with
   * them. Each entry and exit is recorded, and dynamic segments that name this one follow at once.
   */
  async changeStatic(
    id: string,
    mode: StaticChangeMode,
    customerIds: readonly string[]
  ): Promise<Result<StaticChange>> {
    const engine = await this.refresh();
    const current = this.#records.get(id);
    if (!current) return notFound();
    if (current.kind !== 'static') {
      return fail(
        issue(
          'not-static',
          'Only a static segment has members added or removed by hand: a dynamic one follows its rule.'
        )
      );
    }
    const store = this.workspace.store;
    const before = new Set(current.members ?? []);
    const given = new Set(customerIds.filter((c) => store.indexOf(c) >= 0 || before.has(c)));
    const next =
      mode === 'add'
        ? new Set([...before, ...given])
        : mode === 'remove'
          ? new Set([...before].filter((c) => !given.has(c)))
          : given;
    const added = [...next].filter((c) => !before.has(c));
    const removed = [...before].filter((c) => !next.has(c));
    if (added.length === 0 && removed.length === 0) {
      return ok({ segment: await this.#summary(current), added: 0, removed: 0 });
    }
    const now = this.#now();
    const record = await this.repo.update(id, { members: [...next].sort() }, now);
    if (!record) return notFound();
    this.#records.set(id, record);
    this.#lists.patch(record, added, removed, store);
    this.#lists.sync(this.#records.values(), store);
    const changes: MembershipChange[] = [];
    const touched: number[] = [];
    for (const [ids, kind] of [
      [added, 'enter'],
      [removed, 'leave']
    ] as const) {
      for (const customerId of ids) {
        const c = store.indexOf(customerId);
        if (c < 0) continue;
        touched.push(c);
        changes.push({ segment: id, customer: c, id: customerId, kind, at: now });
      }
    }
    touched.sort((a, b) => a - b);
    const key = this.#lists.keyOf(id);
    for (const change of engine.update(touched, now, { attributes: key ? [key] : [], events: [] }))
      changes.push(change);
    this.#record(changes, now);
    this.#arm();
    return ok({
      segment: await this.#summary(record),
      added: added.length,
      removed: removed.length
    });
  }

  /** Customers (by store index) with whether each is in the segment: for adding and removing by search. */
  async candidates(id: string, customers: readonly number[]): Promise<Result<MemberCandidate[]>> {
    const engine = await this.refresh();
    const record = this.#records.get(id);
    if (!record) return notFound();
    const store = this.workspace.store;
    const members = new Set(record.kind === 'static' ? (record.members ?? []) : []);
    return ok(
      customers.map((c) => ({
        ...this.#sample(store, c),
        member:
          record.kind === 'static' ? members.has(store.idOf(c)) : engine.isMember(record.id, c)
      }))
    );
  }

  /** How two or three segments overlap: every intersection's size. */
  async overlap(ids: readonly string[]): Promise<Result<SegmentOverlap>> {
    const engine = await this.refresh();
    if (new Set(ids).size !== ids.length || ids.length < 2 || ids.length > MAX_OVERLAP_SETS) {
      return fail(issue('overlap-count', 'Pick two or three different segments.'));
    }
    const records: SegmentRecord[] = [];
    for (const id of ids) {
      const record = this.#records.get(id);
      if (!record) return notFound();
      if (record.kind === 'dynamic' && !engine.has(id)) {
        return fail(
          issue(
            'not-live',
            `“${record.name}” needs fixing before it can be compared: its rule does not fit the data.`
          )
        );
      }
      records.push(record);
    }
    const store = this.workspace.store;
    const counts = computeOverlap(
      records.map((r) => this.#memberIndices(engine, r.id)),
      store.customerCount
    );
    return ok({
      segments: records.map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
      total: store.customerCount,
      ...counts
    });
  }

  async remove(id: string): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const current = this.#records.get(id);
    if (!current) return notFound();
    const summary = await this.#summary(current);
    const gone = await this.repo.remove(id, this.#now());
    if (!gone) return notFound();
    this.#records.delete(id);
    this.#engine?.remove(id);
    this.#issues.delete(id);
    this.#compileAll(true);
    return ok(summary);
  }

  async restore(id: string): Promise<Result<SegmentSummary>> {
    await this.refresh();
    const stored = await this.repo.get(id);
    if (!stored || stored.deletedAt === undefined) return notFound();
    const taken = [...this.#records.values()].some(
      (r) => r.name.toLowerCase() === stored.name.toLowerCase()
    );
    if (taken) {
      return fail(
        issue('name-taken', `Another segment is now called “${stored.name}”; rename it first.`)
      );
    }
    const record = await this.repo.restore(id, this.#now());
    if (!record) return notFound();
    this.#records.set(id, record);
    this.#compileAll(true);
    return ok(await this.#summary(record));
  }

  async checkQuery(text: string, segmentId?: string): Promise<QueryCheck> {
    await this.refresh();
    return this.#check(text, segmentId);
  }

  async preview(text: string, savedId?: string, sampleSize = 20): Promise<Result<SegmentPreview>> {
    const engine = await this.refresh();
    const compiled = this.#compileText(text, this.#self(savedId));
    if (!compiled.ok) return compiled;
    const store = this.workspace.store;
    const member = new Evaluator(compiled.value, this.#lists.view(store)).all(this.#now());
    const saved = savedId !== undefined && engine.has(savedId) ? savedId : undefined;
    const n = store.customerCount;
    let count = 0;
    let entering = 0;
    let leaving = 0;
    const sample: MemberSample[] = [];
    for (let c = 0; c < n; c++) {
      const now = member[c] === 1;
      const was = saved !== undefined && engine.isMember(saved, c);
      if (now) {
        count++;
        if (sample.length < sampleSize) sample.push(this.#sample(store, c));
      }
      if (saved !== undefined && now !== was) {
        if (now) entering++;
        else leaving++;
      }
    }
    return ok({
      count,
      total: n,
      entering,
      leaving,
      sample,
      warnings: compiled.value.warnings
    });
  }

  async members(
    id: string,
    offset: number,
    limit: number,
    order: MemberOrder = 'default'
  ): Promise<Result<MemberPage>> {
    const engine = await this.refresh();
    if (!this.#records.has(id)) return notFound();
    const members = this.#memberIndices(engine, id);
    const store = this.workspace.store;
    const columns = this.options.columns();
    const start = Math.max(0, Math.min(offset, members.length));
    const end = start + Math.min(500, Math.max(0, limit));
    const compiled = this.#compiled.get(id);
    const now = this.#now();
    const row = (c: number, next?: number) => {
      const values = columns.map((def) => store.value(c, def.key));
      if (next === undefined) return { id: store.idOf(c), values };
      return { id: store.idOf(c), values, nextChange: Number.isFinite(next) ? next : null };
    };
    let rows: MemberPage['rows'];
    if (!compiled || !engine.has(id)) {
      rows = members.slice(start, end).map((c) => row(c));
    } else if (order === 'next-change') {
      const sorted = this.#nextChanges.soonest(
        id,
        String(this.workspace.version),
        compiled,
        store,
        members,
        start,
        end,
        now,
        engine.nextDue()
      );
      // The list the instants were worked out for (the current one while they hold).
      rows = sorted.positions.map((p, i) => row(sorted.members[p], sorted.next[i]));
    } else {
      const slice = this.#nextChanges.slice(compiled, store, members, start, end, now);
      rows = slice.positions.map((p, i) => row(members[p], slice.next[i]));
    }
    return ok({ total: members.length, offset: start, columns, rows, order });
  }

  /** Entered, left and end-of-day size per UTC day over the last `days` days. */
  async history(id: string, days: number): Promise<Result<SizeHistory>> {
    const engine = await this.refresh();
    const record = this.#records.get(id);
    if (!record) return notFound();
    await this.#syncHistory();
    const now = this.#now();
    const span = Math.max(1, Math.min(3660, Math.floor(days)));
    const current = this.#currentSize(engine, record) ?? 0;
    return ok(this.#history.daily(id, current, now - (span - 1) * DAY_MS, now, record.createdAt));
  }

  /** The entered/left log, filtered, newest first, one page. */
  async log(id: string, query: LogQuery): Promise<Result<LogPage>> {
    await this.refresh();
    if (!this.#records.has(id)) return notFound();
    await this.#syncHistory();
    return ok(this.#history.log(id, query));
  }

  /** Applies the flips due at the clock's new now (a test build moved it) and waits for the writes. */
  async clockMoved(): Promise<number> {
    await this.refresh();
    await this.#writes;
    return this.#now();
  }

  async ofCustomer(customerId: string): Promise<Result<CustomerSegment[]>> {
    const engine = await this.refresh();
    const c = this.workspace.store.indexOf(customerId);
    if (c < 0) {
      return fail(
        issue(
          'unknown-customer',
          `There is no customer with the id “${customerId}” on this device.`
        )
      );
    }
    await this.#writes;
    const history = await this.repo.changesOfCustomer(customerId);
    const now = this.#now();
    return ok(
      [...this.#records.values()].map((r) => {
        const live = engine.has(r.id);
        const member =
          r.kind === 'static'
            ? (r.members ?? []).includes(customerId)
            : live
              ? engine.isMember(r.id, c)
              : null;
        const explanation = live ? (engine.explain(r.id, c, now) ?? null) : null;
        const compiled = this.#compiled.get(r.id);
        return {
          id: r.id,
          name: r.name,
          kind: r.kind,
          member,
          explanation,
          next: explanation && compiled ? describeNextChange(compiled.root, explanation) : null,
          history: history.filter((h) => h.segmentId === r.id)
        };
      })
    );
  }

  /**
   * Writes the members as CSV (the chosen attribute columns, by default all, after `customer_id`; then
   * the segment's name and when each member entered, unless left out), records the export and returns
   * its record. Reports progress every EXPORT_CHUNK rows and yields then, so cancelExport can stop it.
   */
  async exportMembers(
    id: string,
    options: ExportOptions = {},
    onProgress?: (progress: ExportProgress) => void
  ): Promise<Result<ExportRecord>> {
    const engine = await this.refresh();
    const record = this.#records.get(id);
    if (!record) return notFound();
    const store = this.workspace.store;
    const all = this.options.columns();
    let columns = all;
    if (options.columns) {
      const wanted = new Set(options.columns);
      const unknown = options.columns.filter((k) => !all.some((c) => c.key === k));
      if (unknown.length > 0) {
        return fail(
          issue(
            'unknown-column',
            `There is no attribute ${unknown.map((k) => `“${k}”`).join(', ')}.`
          )
        );
      }
      columns = all.filter((c) => wanted.has(c.key));
    }
    const withSegment = options.segment ?? true;
    const withEntered = options.enteredAt ?? true;
    const header = [
      EXPORT_ID_HEADER,
      ...columns.map((c) => c.key),
      ...(withSegment ? [EXPORT_SEGMENT_HEADER] : []),
      ...(withEntered ? [EXPORT_ENTERED_HEADER] : [])
    ];
    const parts = [csvRows([header])];
    let rows: CsvValue[][] = [];
    const members = this.#memberIndices(engine, id);
    await this.#writes;
    const entered = withEntered ? await this.repo.enteredAt(id) : new Map<string, number>();
    const controller = new AbortController();
    this.#exportAbort?.abort();
    this.#exportAbort = controller;
    try {
      onProgress?.({ rowsDone: 0, totalRows: members.length });
      for (let k = 0; k < members.length; k++) {
        if (k > 0 && k % EXPORT_CHUNK === 0) {
          parts.push(csvRows(rows));
          rows = [];
          onProgress?.({ rowsDone: k, totalRows: members.length });
          // Lets the cancel call (and anything else queued) in.
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (controller.signal.aborted) {
            return fail(issue('cancelled', 'The export was cancelled; no file was written.'));
          }
        }
        const c = members[k];
        const customerId = store.idOf(c);
        const cells: CsvValue[] = [customerId];
        for (const def of columns) cells.push(exportCell(def, store.value(c, def.key)));
        if (withSegment) cells.push(record.name);
        if (withEntered) {
          const at = entered.get(customerId);
          cells.push(at === undefined ? '' : new Date(at).toISOString());
        }
        rows.push(cells);
      }
      parts.push(csvRows(rows));
      if (controller.signal.aborted) {
        return fail(issue('cancelled', 'The export was cancelled; no file was written.'));
      }
      onProgress?.({ rowsDone: members.length, totalRows: members.length });
    } finally {
      if (this.#exportAbort === controller) this.#exportAbort = null;
    }
    const csv = parts.join('');
    const at = this.#now();
    const exported: ExportRecord = {
      id: crypto.randomUUID(),
      segmentId: id,
      segmentName: record.name,
      fileName: `${slug(record.name)}-${new Date(at).toISOString().slice(0, 10)}.csv`,
      at,
      rows: members.length,
      columns: header,
      bytes: new TextEncoder().encode(csv).length
    };
    await this.repo.addExport(exported, csv);
    return ok(exported);
  }

  /** Stops the export being written, if any (it then resolves with a `cancelled` issue). */
  cancelExport(): void {
    this.#exportAbort?.abort();
  }

  exports(): Promise<ExportRecord[]> {
    return this.repo.exports();
  }

  async exportFile(exportId: string): Promise<Result<ExportFile>> {
    const found = await this.repo.exportFile(exportId);
    if (!found) return fail(issue('unknown-export', 'That export is no longer stored.'));
    return ok({ fileName: found.record.fileName, csv: found.csv });
  }

  // ---------------------------------------------------------------------------------------------

  #build(records: readonly SegmentRecord[], fresh: boolean, from?: number): void {
    const store = this.workspace.store;
    const view = this.#lists.view(store);
    if (fresh || !this.#engine || this.#engine.store !== view) {
      this.#engine = new SegmentEngine(view);
    }
    this.#records = new Map(records.map((r) => [r.id, r]));
    this.#compileAll(false, from);
    this.#builtVersion = this.workspace.version;
    this.#schemaKey = schemaSignature(store.schema());
  }

  /**
   * Compiles every active segment (a change to one can change those naming it) and sets it live.
   * `record`: the membership differences are this worker's doing and go to the history.
   */
  #compileAll(record: boolean, from?: number): void {
    const engine = this.#engine;
    if (!engine) return;
    const now = this.#now();
    // Each segment starts at the later of `from` and its last edit (no flips from before it existed).
    const startAt = (r: SegmentRecord): number =>
      from === undefined || from >= now ? now : Math.min(now, Math.max(from, r.updatedAt));
    this.#lists.sync(this.#records.values(), this.workspace.store);
    const refs = this.#refs();
    const schema = this.#schema();
    const changes: MembershipChange[] = [];
    for (const r of this.#records.values()) {
      if (r.kind !== 'dynamic' || !r.rule) continue;
      const compiled = compile(r.rule, schema, { segments: refs, self: r.name });
      if (!compiled.ok) {
        this.#issues.set(r.id, compiled.issues);
        this.#compiled.delete(r.id);
        engine.remove(r.id);
        continue;
      }
      this.#issues.set(r.id, compiled.value.warnings);
      this.#compiled.set(r.id, compiled.value);
      const set = engine.set(r.id, compiled.value, startAt(r));
      for (const c of set.changes) changes.push(c);
    }
    for (const id of [...this.#issues.keys()]) if (!this.#records.has(id)) this.#issues.delete(id);
    for (const id of [...this.#compiled.keys()]) {
      if (!this.#records.has(id)) this.#compiled.delete(id);
    }
    if (record) this.#record(changes, now);
    this.#arm();
  }

  #afterImport(change: AppliedChange): void {
    const engine = this.#engine;
    if (!engine || engine.store !== this.#lists.view(this.workspace.store)) return;
    try {
      // New customers may be on a static list already (their ids were kept).
      this.#lists.sync(this.#records.values(), this.workspace.store);
      const schemaKey = schemaSignature(this.workspace.store.schema());
      if (schemaKey !== this.#schemaKey) {
        // New attributes or event types can make rules valid or change how they compile.
        this.#schemaKey = schemaKey;
        this.#compileAll(true);
      } else {
        const now = this.#now();
        this.#record(engine.update(change.touched, now, change.scope), now);
        this.#arm();
      }
      this.#builtVersion = this.workspace.version;
    } catch (error) {
      // The import itself is committed; membership is rebuilt on the next refresh.
      console.error('Updating segments after the import failed', error);
      this.#builtVersion = -1;
    }
  }

  /** Writes changes (in order), then moves the recording clock to `at`, the instant they are up to. */
  #record(changes: readonly MembershipChange[], at: number): void {
    if (changes.length === 0) return;
    const rows = changes.map((c) => ({
      segmentId: c.segment,
      customerId: c.id,
      kind: c.kind,
      at: c.at
    }));
    this.#writes = this.#writes
      .then(async () => {
        await this.repo.addChanges(rows);
        await this.repo.advanceClock(at);
      })
      .catch((error: unknown) => console.error('Recording membership changes failed', error));
    this.#clockSavedAt = at;
  }

  #saveClock(at: number): void {
    this.#clockSavedAt = at;
    this.#writes = this.#writes
      .then(() => this.repo.advanceClock(at))
      .catch((error: unknown) => console.error('Saving the segments clock failed', error));
  }

  #arm(): void {
    if (!this.options.timers || !this.#engine) return;
    clearTimeout(this.#timer);
    const due = this.#engine.nextDue();
    if (!Number.isFinite(due)) return;
    const delay = Math.min(MAX_DELAY, Math.max(0, due - this.#now()));
    this.#timer = setTimeout(() => this.tick(), delay);
  }

  #refs(except?: string): SegmentRef[] {
    const refs: SegmentRef[] = [];
    for (const r of this.#records.values()) {
      if (r.id !== except && r.kind === 'dynamic' && r.rule)
        refs.push({ name: r.name, rule: r.rule });
    }
    for (const ref of this.#lists.refs(this.#records.values())) refs.push(ref);
    return refs;
  }

  /** The schema rules compile against: the data's, plus the static segments' hidden columns. */
  #schema(): DataSchema {
    return this.#lists.schema(this.workspace.store.schema());
  }

  /** Compiles query text; `self` is the segment being edited (its saved rule is not a reference). */
  #compileText(text: string, self?: { id?: string; name: string }): Result<CompiledSegment> {
    const ast = parse(text);
    if (!ast.ok) return ast;
    return compile(ast.value, this.#schema(), {
      segments: this.#refs(self?.id),
      self: self?.name
    });
  }

  #self(segmentId: string | undefined): { id: string; name: string } | undefined {
    const record = segmentId ? this.#records.get(segmentId) : undefined;
    return record && { id: record.id, name: record.name };
  }

  #check(text: string, segmentId?: string): QueryCheck {
    const compiled = this.#compileText(text, this.#self(segmentId));
    if (!compiled.ok) return { issues: compiled.issues, canonical: null };
    return { issues: compiled.value.warnings, canonical: print(compiled.value.ast) };
  }

  #validRule(text: string, name: string, id?: string): Result<SegmentAst> {
    const compiled = this.#compileText(text, { id, name });
    if (!compiled.ok) return compiled;
    return ok(stripSpans(compiled.value.ast));
  }

  #freeName(name: string, except?: string): Result<string> {
    const checked = checkName(name);
    if (!checked.ok) return checked;
    const lower = checked.value.toLowerCase();
    const taken = [...this.#records.values()].some(
      (r) => r.id !== except && r.name.toLowerCase() === lower
    );
    return taken
      ? fail(issue('name-taken', `There is already a segment called “${checked.value}”.`))
      : checked;
  }

  async #followRename(id: string, from: string, to: string, now: number): Promise<void> {
    for (const r of [...this.#records.values()]) {
      if (r.id === id || !r.rule) continue;
      const root = renameSegmentRefs(r.rule.root, from, to);
      if (root === r.rule.root) continue;
      const next = await this.repo.update(r.id, { rule: { v: 1, root } }, now);
      if (next) this.#records.set(r.id, next);
    }
  }

  #memberIndices(engine: SegmentEngine, id: string): number[] {
    const record = this.#records.get(id);
    if (record?.kind === 'static') {
      const store = this.workspace.store;
      return (record.members ?? [])
        .map((m) => store.indexOf(m))
        .filter((c) => c >= 0)
        .sort((a, b) => a - b);
    }
    return engine.members(id);
  }

  /** The history as stored, with this worker's pending writes in it. */
  async #syncHistory(): Promise<void> {
    await this.#writes;
    await this.#history.sync();
  }

  #currentSize(engine: SegmentEngine | null, record: SegmentRecord): number | null {
    if (record.kind === 'static') return engine ? this.#memberIndices(engine, record.id).length : 0;
    return engine?.has(record.id) ? engine.count(record.id) : null;
  }

  async #summary(record: SegmentRecord): Promise<SegmentSummary> {
    const engine = this.#engine;
    const issues = this.#issues.get(record.id) ?? [];
    const members = this.#currentSize(engine, record);
    await this.#syncHistory();
    return {
      id: record.id,
      name: record.name,
      kind: record.kind,
      query: record.rule ? print(record.rule) : '',
      members,
      issues,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      lastChangeAt: this.#history.lastChangeAt(record.id),
      trend:
        members === null
          ? null
          : this.#history.trend(record.id, members, this.#now(), record.createdAt)
    };
  }

  #sample(store: ColumnarStore, c: number): MemberSample {
    let label = '';
    for (const key of NAME_KEYS) {
      const v = store.value(c, key);
      if (typeof v === 'string' && v !== '') {
        label = v;
        break;
      }
    }
    if (!label) {
      const first = store.value(c, 'first_name');
      const last = store.value(c, 'last_name');
      label = [first, last].filter((v) => typeof v === 'string' && v !== '').join(' ');
    }
    if (!label) {
      const email = store.value(c, 'email');
      if (typeof email === 'string') label = email;
    }
    return { id: store.idOf(c), label };
  }
}

/** One exported cell (csvRows guards text against formulas); dates as ISO, as the importer reads. */
function exportCell(def: FieldDef, value: Value | null | undefined): CsvValue {
  if (value === null || value === undefined) return '';
  if (def.type === 'date' && typeof value === 'number') {
    const iso = new Date(value).toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return value;
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'segment';
