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

export class StaticMembers {
  /** Hidden columns by key. */
  #columns = new Map<string, Column>();
  /** Segment id → key (a rename changes the key). */
  #keys = new Map<string, string>();
  #defs: FieldDef[] = [];
  #viewOf: ColumnarStore | null = null;
  #view: ColumnarStore | null = null;

  /** Rebuilds every hidden column from the static records, over the store's current customers. */
  sync(records: Iterable<SegmentRecord>, store: ColumnarStore): void {
    const columns = new Map<string, Column>();
    const keys = new Map<string, string>();
    const n = store.customerCount;
    for (const r of records) {
      if (r.kind !== 'static') continue;
      const key = listedKey(r.name);
      const column = new Column({ key, label: key, type: 'boolean' }, n);
      for (const id of r.members ?? []) {
        const c = store.indexOf(id);
        if (c >= 0) column.set(c, true);
      }
      columns.set(key, column);
      keys.set(r.id, key);
    }
    this.#columns = columns;
    this.#keys = keys;
    this.#defs = [...columns.values()].map((c) => c.def);
  }

  keyOf(segmentId: string): string | undefined {
    return this.#keys.get(segmentId);
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
   * identities), answering the hidden columns itself and passing everything else to the store.
   */
  view(store: ColumnarStore): ColumnarStore {
    if (this.#viewOf === store && this.#view) return this.#view;
    const attributeColumn = (key: string): Column | undefined =>
      this.#columns.get(key) ?? store.attributeColumn(key);
    const value: ColumnarStore['value'] = (i, key) => {
      const column = this.#columns.get(key);
      return column ? column.get(i) : store.value(i, key);
    };
    const bound = new Map<PropertyKey, unknown>();
    const view = new Proxy(store, {
      get: (target, prop) => {
        if (prop === 'attributeColumn') return attributeColumn;
        if (prop === 'value') return value;
        const found: unknown = Reflect.get(target, prop, target);
        if (typeof found !== 'function') return found;
        let fn = bound.get(prop);
        if (fn === undefined) {
          // Methods run on the store itself, so its internals never go through the proxy.
          fn = (found as (...args: unknown[]) => unknown).bind(target);
          bound.set(prop, fn);
        }
        return fn;
      }
    });
    this.#viewOf = store;
    this.#view = view;
    return view;
  }
}
