// Lets dynamic rules say `in segment "X"` when X is static (a fixed list of ids), without changing the
// engine: each static segment becomes a hidden boolean column ("listed in X", set for its members) that
// only the segment engine sees, through a view of the store, and a reference rule `<that column> is set`.
import { Column } from '$lib/engine/column';
import type { SegmentRef } from '$lib/engine/compile';
import type { DataSchema, FieldDef } from '$lib/engine/schema';
import type { ColumnarStore } from '$lib/engine/store';
import type { SegmentRecord } from '$lib/storage/db';

/** The hidden column's key: readable in explanations, and never a valid attribute key (spaces, quotes). */
export const listedKey = (name: string): string => `listed in “${name}”`;

/** One static segment's hidden column, and the ids on its list that are not (yet) customers here. */
interface ListColumn {
  readonly version: number;
  readonly key: string;
  readonly column: Column;
  unresolved: string[];
  /** The customer count when `unresolved` was last looked up. */
  resolvedAt: number;
}

export class StaticMembers {
  /** Segment id → its hidden column. */
  #lists = new Map<string, ListColumn>();
  /** Hidden columns by key. */
  #columns = new Map<string, Column>();
  #defs: FieldDef[] = [];
  #syncedStore: ColumnarStore | null = null;
  #viewOf: ColumnarStore | null = null;
  #view: ColumnarStore | null = null;

  /**
   * Brings the hidden columns up to date with the static records over the store's customers. A list is
   * rebuilt only when its record changed (a new version); otherwise only ids not found before are
   * looked up again, and only when customers were added since (an import may bring them).
   */
  sync(records: Iterable<SegmentRecord>, store: ColumnarStore): void {
    const fresh = store !== this.#syncedStore;
    const n = store.customerCount;
    const lists = new Map<string, ListColumn>();
    for (const r of records) {
      if (r.kind !== 'static') continue;
      let entry = fresh ? undefined : this.#lists.get(r.id);
      if (!entry || entry.version !== r.version) {
        const key = listedKey(r.name);
        const column = new Column({ key, label: key, type: 'boolean' }, n);
        entry = { version: r.version, key, column, unresolved: [], resolvedAt: n };
        for (const id of r.members ?? []) {
          const c = store.indexOf(id);
          if (c >= 0) column.set(c, true);
          else entry.unresolved.push(id);
        }
      } else if (n > entry.resolvedAt && entry.unresolved.length > 0) {
        entry.column.ensureCapacity(n);
        const still: string[] = [];
        for (const id of entry.unresolved) {
          const c = store.indexOf(id);
          if (c >= 0) entry.column.set(c, true);
          else still.push(id);
        }
        entry.unresolved = still;
        entry.resolvedAt = n;
      }
      lists.set(r.id, entry);
    }
    this.#lists = lists;
    this.#columns = new Map([...lists.values()].map((l) => [l.key, l.column]));
    this.#defs = [...lists.values()].map((l) => l.column.def);
    this.#syncedStore = store;
  }

  /**
   * Applies a change of members made here to the list's column in place (instead of a rebuild of the
   * whole list at its next sync): `record` is the segment after the change.
   */
  patch(
    record: SegmentRecord,
    added: readonly string[],
    removed: readonly string[],
    store: ColumnarStore
  ): void {
    const entry = this.#lists.get(record.id);
    if (!entry || store !== this.#syncedStore || entry.key !== listedKey(record.name)) return;
    const { column } = entry;
    column.ensureCapacity(store.customerCount);
    for (const id of removed) {
      const c = store.indexOf(id);
      if (c >= 0) column.set(c, null);
    }
    for (const id of added) {
      const c = store.indexOf(id);
      if (c >= 0) column.set(c, true);
      else entry.unresolved.push(id);
    }
    if (removed.length > 0 && entry.unresolved.length > 0) {
      const gone = new Set(removed);
      entry.unresolved = entry.unresolved.filter((id) => !gone.has(id));
    }
    this.#lists.set(record.id, { ...entry, version: record.version });
  }

  keyOf(segmentId: string): string | undefined {
    return this.#lists.get(segmentId)?.key;
  }

  /** References for compile: `in segment "X"` reads X's hidden column. */
  refs(records: Iterable<SegmentRecord>): SegmentRef[] {
    const refs: SegmentRef[] = [];
    for (const r of records) {
      if (r.kind !== 'static') continue;
      refs.push({
        name: r.name,
        rule: {
          v: 1,
          root: { type: 'condition', field: listedKey(r.name), op: 'is set', values: [] }
        }
      });
    }
    return refs;
  }

  /** The schema rules are compiled against: the data's, plus the hidden columns. */
  schema(base: DataSchema): DataSchema {
    return this.#defs.length === 0
      ? base
      : { attributes: [...base.attributes, ...this.#defs], events: base.events };
  }

  /**
   * The store as the segment engine sees it: the same object for the same store (the service compares
   * identities). It inherits from the store (reads go to the store's own fields through the prototype,
   * which the engine's hot loops handle as fast as the store itself; a Proxy was 5× slower on one-by-one
   * updates), answers the hidden columns itself, and sends the mutators to the store.
   */
  view(store: ColumnarStore): ColumnarStore {
    if (this.#viewOf === store && this.#view) return this.#view;
    const view = Object.create(store) as ColumnarStore;
    const columns = (): Map<string, Column> => this.#columns;
    Object.defineProperties(view, {
      attributeColumn: {
        value: (key: string): Column | undefined => columns().get(key) ?? store.attributeColumn(key)
      },
      value: {
        value: (i: number, key: string) => {
          const column = columns().get(key);
          return column ? column.get(i) : store.value(i, key);
        }
      },
      upsertCustomers: { value: store.upsertCustomers.bind(store) },
      addEvents: { value: store.addEvents.bind(store) }
    });
    this.#viewOf = store;
    this.#view = view;
    return view;
  }
}
