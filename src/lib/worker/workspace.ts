// The worker's live data: the columnar store rebuilt from IndexedDB, the dedupe keys of stored events,
// and the lookups imports need (customer by email). Imports stage their batches and apply them here only
// after their commit, so memory never holds a half-import either.
import { ColumnarStore } from '$lib/engine/store';
import type { ChangeScope } from '$lib/engine/live';
import { EMAIL_KEY } from '$lib/engine/schema';
import type { AttributeRecord, EventTypeRecord, ImportRecord } from '$lib/storage/db';
import type { CustomerColumns, DataRepo, EventColumns } from '$lib/storage/data-repo';
import { FingerprintSet } from './fingerprint-set';

export interface ApplyCounts {
  inserted: number;
  updated: number;
  events: number;
  createdCustomers: number;
}

/** How long the last start-up load took, for the overview and the benchmark. */
export interface LoadTimings {
  readonly imports: number;
  readonly chunks: number;
  /** Wall time of the whole load. */
  readonly totalMs: number;
  /** Of which: applying batches to the in-memory store (the rest is reading and decoding chunks). */
  readonly applyMs: number;
}

/** What a committed import changed in memory: the customers it touched, and which data it wrote. */
export interface AppliedChange {
  readonly touched: readonly number[];
  readonly scope: ChangeScope;
}

export class Workspace {
  store = new ColumnarStore();
  /** Told after each committed import is applied (live segments follow it); set by the data service. */
  onApplied: ((change: AppliedChange) => void) | null = null;
  /** Fingerprints of every stored event (see csv dedupe): a re-import adds nothing twice. */
  fingerprints = new FingerprintSet();
  /** Bumped on every change, so caches (sort orders, search text) know when to rebuild. */
  version = 0;
  lastLoad: LoadTimings | null = null;
  /** Imports already in memory (or being applied by this worker): a sync must not replay them. */
  readonly #applied = new Set<string>();
  /** Imports whose data is in memory (a subset of #applied: claimed imports may not be committed yet). */
  readonly #loaded = new Set<string>();
  #loading: Promise<number> = Promise.resolve(0);
  #emails: Map<string, string> | null = null;

  constructor(private readonly repo: DataRepo) {}

  /**
   * Replays every committed import not yet in memory; calls are serialised. Customers come first (all
   * imports in commit order), then events, so the customer list can be shown before the activity is in:
   * `onCustomersLoaded` is called in between. (Events only add customers, never change attributes, so
   * the result equals replaying import by import.)
   */
  loadCommitted(onCustomersLoaded?: () => void): Promise<number> {
    this.#loading = this.#loading.catch(() => 0).then(() => this.#load(onCustomersLoaded));
    return this.#loading;
  }

  /** An import of this worker is about to commit: a concurrent sync must leave it to `apply`. */
  claim(importId: string): void {
    this.#applied.add(importId);
  }

  release(importId: string): void {
    this.#applied.delete(importId);
  }

  async #load(onCustomersLoaded?: () => void): Promise<number> {
    const all = await this.repo.committedImports();
    // Another tab deleted the data this worker holds: start again from what is stored now.
    const stored = new Set(all.map((r) => r.id));
    if ([...this.#loaded].some((id) => !stored.has(id))) this.reset();
    const imports = all.filter((r) => !this.#applied.has(r.id));
    for (const record of imports) {
      this.#applied.add(record.id);
      this.#loaded.add(record.id);
    }
    const started = performance.now();
    let applyMs = 0;
    let chunks = 0;
    for (const record of imports) {
      await this.repo.forEachCustomerChunk(record, (chunk) => {
        const t = performance.now();
        this.store.ingestEncoded(chunk);
        applyMs += performance.now() - t;
        chunks++;
      });
    }
    if (imports.length > 0) this.#changed();
    onCustomersLoaded?.();
    for (const record of imports) {
      await this.repo.forEachEventChunk(record, (chunk) => {
        const t = performance.now();
        this.store.ingestEncoded(chunk);
        const fingerprints = chunk.fingerprints;
        this.fingerprints.reserve(fingerprints.length);
        for (let i = 0; i < fingerprints.length; i++) this.fingerprints.add(fingerprints[i]);
        applyMs += performance.now() - t;
        chunks++;
      });
    }
    this.lastLoad = {
      imports: imports.length,
      chunks,
      totalMs: performance.now() - started,
      applyMs
    };
    if (imports.length > 0) this.#changed();
    return imports.length;
  }

  /** Applies a committed import's staged chunks to memory (it may keep `fingerprints` as its own). */
  apply(
    record: ImportRecord,
    customers: readonly CustomerColumns[],
    events: readonly EventColumns[],
    fingerprints: FingerprintSet
  ): ApplyCounts {
    const counts: ApplyCounts = { inserted: 0, updated: 0, events: 0, createdCustomers: 0 };
    const touched: number[] = [];
    const attributes = new Set<string>();
    const eventNames = new Set<string>();
    for (const chunk of customers) {
      const r = this.store.ingestEncoded(chunk);
      counts.inserted += r.inserted;
      counts.updated += r.updated;
      for (const c of r.touched) touched.push(c);
      for (const column of chunk.columns) attributes.add(column.def.key);
    }
    for (const chunk of events) {
      const r = this.store.ingestEncoded(chunk);
      counts.events += r.added;
      counts.createdCustomers += r.createdCustomers;
      for (const c of r.touched) touched.push(c);
      // Names that some kept row uses (the dictionary may hold names of dropped duplicates).
      const { dict, codes } = chunk.names;
      const used = new Uint8Array(dict.length);
      for (let i = 0; i < codes.length; i++) used[codes[i]] = 1;
      for (let d = 0; d < dict.length; d++) if (used[d] === 1) eventNames.add(dict[d]);
    }
    // Merge the smaller set into the larger (the first import of a store adopts its set whole).
    if (fingerprints.size > this.fingerprints.size) {
      fingerprints.addAll(this.fingerprints);
      this.fingerprints = fingerprints;
    } else this.fingerprints.addAll(fingerprints);
    this.#loaded.add(record.id);
    this.#changed();
    this.onApplied?.({
      touched: uniqueSorted(touched),
      scope: { attributes: [...attributes], events: [...eventNames] }
    });
    return counts;
  }

  /** The id of the customer with this (normalised) email, if any. */
  customerIdByEmail(email: string): string | undefined {
    if (!this.#emails) {
      const map = new Map<string, string>();
      for (let i = 0; i < this.store.customerCount; i++) {
        const v = this.store.value(i, EMAIL_KEY);
        if (typeof v === 'string' && v !== '') {
          const key = v.trim().toLowerCase();
          if (!map.has(key)) map.set(key, this.store.idOf(i));
        }
      }
      this.#emails = map;
    }
    return this.#emails.get(email);
  }

  schemaRecords(): { attributes: AttributeRecord[]; eventTypes: EventTypeRecord[] } {
    return {
      attributes: this.store
        .attributes()
        .map(({ def, present }) => ({ key: def.key, label: def.label, type: def.type, present })),
      eventTypes: this.store.eventTypes().map((t) => ({ ...t, properties: [...t.properties] }))
    };
  }

  reset(): void {
    this.store = new ColumnarStore();
    this.fingerprints = new FingerprintSet();
    this.#applied.clear();
    this.#loaded.clear();
    this.#changed();
  }

  #changed(): void {
    this.version++;
    this.#emails = null;
  }
}

function uniqueSorted(xs: readonly number[]): number[] {
  const sorted = Int32Array.from(xs).sort();
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
  return out;
}
