// Browsing the in-memory store: sorted, searched pages of customers for the virtualised table, one
// customer's attributes and timeline. Sort orders are cached per data version so scrolling is cheap.
import type { ColumnarStore } from '$lib/engine/store';
import type { FieldDef, Value } from '$lib/engine/schema';

export interface CustomerQuery {
  readonly search?: string;
  /** An attribute key, or `id`. */
  readonly sort?: string;
  readonly direction?: 'asc' | 'desc';
  readonly offset: number;
  readonly limit: number;
}

export interface CustomerRow {
  readonly id: string;
  readonly values: readonly (Value | null)[];
}

export interface CustomerPage {
  /** All customers in the store. */
  readonly total: number;
  /** Customers matching the search. */
  readonly matched: number;
  readonly offset: number;
  readonly columns: readonly FieldDef[];
  readonly rows: readonly CustomerRow[];
}

const NAME_KEYS = ['name', 'full_name', 'first_name', 'last_name'];
const SEARCH_KEYS = ['email', 'phone', 'phone_e164', ...NAME_KEYS];
const LEADING_KEYS = ['first_name', 'last_name', 'name', 'full_name', 'email', 'phone'];

export class Browser {
  #version = -1;
  #haystack: string[] | null = null;
  #orderKey = '';
  #order: Int32Array | null = null;

  /** `source.version` changes whenever the data does; caches are dropped then. */
  constructor(
    private readonly source: { readonly store: ColumnarStore; readonly version: number }
  ) {}

  private get store(): ColumnarStore {
    if (this.source.version !== this.#version) {
      this.#version = this.source.version;
      this.#haystack = null;
      this.#order = null;
      this.#orderKey = '';
    }
    return this.source.store;
  }

  /** Columns in display order: names and contact first, then the schema's order. */
  columns(): FieldDef[] {
    const defs = this.store.attributes().map((a) => a.def);
    const rank = (key: string) => {
      const i = LEADING_KEYS.indexOf(key);
      return i === -1 ? LEADING_KEYS.length : i;
    };
    return defs
      .map((def, i) => ({ def, i }))
      .sort((a, b) => rank(a.def.key) - rank(b.def.key) || a.i - b.i)
      .map((x) => x.def);
  }

  page(query: CustomerQuery): CustomerPage {
    const columns = this.columns();
    const order = this.#orderFor(query);
    const offset = Math.max(0, Math.min(query.offset, order.length));
    const end = Math.min(order.length, offset + Math.max(0, Math.min(query.limit, 1000)));
    const rows: CustomerRow[] = [];
    for (let k = offset; k < end; k++) {
      const i = order[k];
      rows.push({ id: this.store.idOf(i), values: columns.map((c) => this.store.value(i, c.key)) });
    }
    return { total: this.store.customerCount, matched: order.length, offset, columns, rows };
  }

  #orderFor(query: CustomerQuery): Int32Array {
    const search = (query.search ?? '').trim().toLowerCase();
    const sort = query.sort ?? '';
    const direction = query.direction ?? 'asc';
    const key = `${search}\u0000${sort}\u0000${direction}`;
    if (this.#order && this.#orderKey === key) return this.#order;
    const n = this.store.customerCount;
    let indexes: number[] = [];
    if (search) {
      const haystack = this.#searchText();
      const digits = search.replace(/[^0-9]/g, '');
      const phoneLike = digits.length >= 4 && /^[+\d\s().-]+$/.test(search);
      for (let i = 0; i < n; i++) {
        const text = haystack[i];
        if (text.includes(search) || (phoneLike && text.includes(digits))) indexes.push(i);
      }
    } else {
      indexes = Array.from({ length: n }, (_, i) => i);
    }
    if (sort) indexes = this.#sorted(indexes, sort, direction);
    this.#order = Int32Array.from(indexes);
    this.#orderKey = key;
    return this.#order;
  }

  #sorted(indexes: number[], sort: string, direction: 'asc' | 'desc'): number[] {
    const sign = direction === 'asc' ? 1 : -1;
    // Read each value once, then sort positions: a comparator calling the store would be far slower.
    const keys = indexes.map((i) => {
      const v = sort === 'id' ? this.store.idOf(i) : this.store.value(i, sort);
      return typeof v === 'string' ? v.toLowerCase() : typeof v === 'boolean' ? Number(v) : v;
    });
    const positions = indexes.map((_, p) => p);
    positions.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      // Missing values go last whatever the direction.
      if (x === null) return y === null ? indexes[a] - indexes[b] : 1;
      if (y === null) return -1;
      if (x < y) return -sign;
      if (x > y) return sign;
      return indexes[a] - indexes[b];
    });
    return positions.map((p) => indexes[p]);
  }

  #searchText(): string[] {
    if (this.#haystack) return this.#haystack;
    const n = this.store.customerCount;
    const present = new Set(this.store.attributes().map((a) => a.def.key));
    const keys = SEARCH_KEYS.filter((k) => present.has(k));
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let text = this.store.idOf(i).toLowerCase();
      for (const k of keys) {
        const v = this.store.value(i, k);
        if (v === null) continue;
        const s = String(v).toLowerCase();
        text += '\u0001' + s;
        if (k === 'phone' || k === 'phone_e164') text += '\u0001' + s.replace(/[^0-9]/g, '');
      }
      // First and last name together, so "Asha Rao" finds Asha Rao.
      const first = this.store.value(i, 'first_name');
      const last = this.store.value(i, 'last_name');
      if (first !== null && last !== null) text += `\u0001${first} ${last}`.toLowerCase();
      out[i] = text;
    }
    this.#haystack = out;
    return out;
  }
}
