// The events of one event name: rows in arrival order (customer, timestamp, property columns) plus an
// index grouping each customer's rows sorted by timestamp, with per-group prefix sums of numeric
// properties, so window predicates are binary searches instead of scans.
import { Column } from './column';
import type { FieldDef, Value } from './schema';

const INITIAL = 64;

export interface Prefix {
  /** Inclusive running sum of the property's present values within the group, per slot. */
  sum: Float64Array;
  /** Inclusive running count of slots where the property is present. */
  cnt: Int32Array;
}

export interface FilteredGroups {
  readonly gStart: Int32Array;
  readonly gLen: Int32Array;
  readonly slots: Int32Array;
  readonly slotTs: Float64Array;
  readonly version: number;
}

export class EventTable {
  readonly key: string;
  readonly displayName: string;
  /** Rows in arrival order. */
  n = 0;
  cust: Int32Array = new Int32Array(INITIAL);
  ts: Float64Array = new Float64Array(INITIAL);
  readonly props = new Map<string, Column>();
  first = Infinity;
  last = -Infinity;

  // The grouped index. Group c occupies slots [gStart[c], gStart[c] + gLen[c]) of a shared slot area,
  // with room for room(c); slots hold row numbers sorted by (timestamp, row). Spare room lets a single
  // late event be inserted without moving everyone; a full group moves to the end (leaving a hole).
  // A rebuild packs the groups into [0, packedEnd) with no room to spare; a group that had to move
  // lies past packedEnd with room for the power of two (at least 4) at or above its length, so its
  // room follows from where it is and how long it is (an array of rooms cost a cache miss per
  // insert at a million customers).
  private indexedRows = 0;
  private packedEnd = 0;
  gStart: Int32Array = new Int32Array(0);
  gLen: Int32Array = new Int32Array(0);
  slots: Int32Array = new Int32Array(0);
  slotTs: Float64Array = new Float64Array(0);
  private slotUsed = 0;
  private holes = 0;
  private readonly prefixes = new Map<string, Prefix>();
  /** The prefixes' columns and arrays as a list, for the per-insert refresh (no Map iteration). */
  private prefixList: { readonly col: Column | undefined; readonly p: Prefix }[] = [];
  /** Groups of only the events matching a where-filter, by filter key, with the version built at. */
  private readonly filters = new Map<string, FilteredGroups>();
  /** Bumped whenever rows, properties or index arrays change, so cached plans and groups know. */
  version = 0;

  constructor(key: string, displayName: string) {
    this.key = key;
    this.displayName = displayName;
  }

  /** Appends a row; properties are set by the caller through `prop(...)` on the returned row number. */
  append(customer: number, timestamp: number): number {
    if (this.n === this.cust.length) {
      const cap = this.n * 2;
      const cust = new Int32Array(cap);
      cust.set(this.cust);
      this.cust = cust;
      const ts = new Float64Array(cap);
      ts.set(this.ts);
      this.ts = ts;
    }
    const row = this.n++;
    this.version++;
    this.cust[row] = customer;
    this.ts[row] = timestamp;
    if (timestamp < this.first) this.first = timestamp;
    if (timestamp > this.last) this.last = timestamp;
    return row;
  }

  /** The property column for `def.key`, created or re-typed to `def.type` as needed. */
  prop(def: FieldDef): Column {
    this.version++;
    let col = this.props.get(def.key);
    if (!col) {
      col = new Column(def, this.cust.length, false);
      this.props.set(def.key, col);
    } else if (col.def.type !== def.type) {
      col.retype(def, this.n);
      this.prefixes.delete(def.key);
      this.prefixList = this.prefixList.filter((e) => e.col !== col);
    }
    col.ensureCapacity(this.cust.length);
    return col;
  }

  properties(): readonly FieldDef[] {
    return [...this.props.values()].map((c) => c.def);
  }

  propertyValues(row: number): Record<string, Value> {
    const out: Record<string, Value> = {};
    for (const [key, col] of this.props) {
      const v = col.get(row);
      if (v !== null) out[key] = v;
    }
    return out;
  }

  /** Brings the grouped index up to date with all rows; `customers` is the store's customer count. */
  ensureIndex(customers: number): void {
    if (this.gLen.length < customers) this.growGroups(customers);
    const pending = this.n - this.indexedRows;
    if (pending === 0) return;
    // Bulk loads (start-up replay, big imports) rebuild in O(n); trickles insert row by row.
    if (this.indexedRows === 0 || (pending > 1024 && pending * 4 > this.n) || this.holes > this.n) {
      this.rebuild();
    } else {
      for (let r = this.indexedRows; r < this.n; r++) this.insert(r);
      this.indexedRows = this.n;
    }
  }

  private growGroups(customers: number): void {
    this.version++;
    const cap = Math.max(customers, this.gLen.length * 2, INITIAL);
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.gStart = grow(this.gStart);
    this.gLen = grow(this.gLen);
  }

  private rebuild(): void {
    this.version++;
    const groups = this.gLen.length;
    const n = this.n;
    const cust = this.cust;
    const ts = this.ts;
    const len = new Int32Array(groups);
    // Files sorted by customer (and time) leave rows already in index order: then the index is a
    // straight copy, without the scatter and the per-group order checks.
    let grouped = true;
    let prev = -1;
    for (let r = 0; r < n; r++) {
      const c = cust[r];
      len[c]++;
      if (c < prev) grouped = false;
      prev = c;
    }
    const start = new Int32Array(groups);
    let acc = 0;
    for (let c = 0; c < groups; c++) {
      start[c] = acc;
      acc += len[c];
    }
    // Spare room past the rows: the first trickled events move their groups there instead of
    // doubling every slot array (and its prefix sums) at once. Untouched, it costs no memory pages.
    const slots = new Int32Array(n + Math.max(INITIAL, n >>> 3));
    let slotTs: Float64Array;
    if (grouped && inGroupOrder(ts, cust, n)) {
      for (let r = 0; r < n; r++) slots[r] = r;
      // Own timestamps, not shared with the rows: inserts move groups within this array.
      slotTs = new Float64Array(slots.length);
      slotTs.set(ts.subarray(0, n));
    } else {
      slotTs = new Float64Array(slots.length);
      // `start` serves as the fill cursor, then steps back by each group's length.
      for (let r = 0; r < n; r++) {
        const at = start[cust[r]]++;
        slots[at] = r;
        slotTs[at] = ts[r];
      }
      for (let c = 0; c < groups; c++) start[c] -= len[c];
      for (let c = 0; c < groups; c++) {
        const s = start[c];
        const e = s + len[c];
        for (let i = s + 1; i < e; i++) {
          if (slotTs[i] < slotTs[i - 1]) {
            sortGroup(slots, slotTs, s, e);
            break;
          }
        }
      }
    }
    this.gStart = start;
    this.gLen = len;
    this.packedEnd = n;
    this.slots = slots;
    this.slotTs = slotTs;
    this.slotUsed = n;
    this.holes = 0;
    this.indexedRows = n;
    this.prefixes.clear();
    this.prefixList = [];
  }

  private insert(row: number): void {
    this.version++;
    const c = this.cust[row];
    const t = this.ts[row];
    let start = this.gStart[c];
    const len = this.gLen[c];
    // (An empty group holds no slots, wherever its start points.)
    const room = len > 0 && start >= this.packedEnd ? movedRoom(len) : len;
    if (len === room) {
      const cap = movedRoom(len + 1);
      this.reserveSlots(this.slotUsed + cap);
      this.slots.copyWithin(this.slotUsed, start, start + len);
      this.slotTs.copyWithin(this.slotUsed, start, start + len);
      this.holes += room;
      start = this.slotUsed;
      this.gStart[c] = start;
      this.slotUsed += cap;
    }
    // Rows arrive in increasing row order, so equal timestamps stay ordered by row.
    let at = start + len;
    while (at > start && this.slotTs[at - 1] > t) at--;
    this.slots.copyWithin(at + 1, at, start + len);
    this.slotTs.copyWithin(at + 1, at, start + len);
    this.slots[at] = row;
    this.slotTs[at] = t;
    this.gLen[c] = len + 1;
    const list = this.prefixList;
    for (let k = 0; k < list.length; k++) this.fillPrefix(list[k].col, list[k].p, c);
  }

  private reserveSlots(n: number): void {
    if (n <= this.slots.length) return;
    const cap = Math.max(n, this.slots.length * 2);
    const slots = new Int32Array(cap);
    slots.set(this.slots);
    this.slots = slots;
    const slotTs = new Float64Array(cap);
    slotTs.set(this.slotTs);
    this.slotTs = slotTs;
    for (const p of this.prefixes.values()) {
      const sum = new Float64Array(cap);
      sum.set(p.sum);
      p.sum = sum;
      const cnt = new Int32Array(cap);
      cnt.set(p.cnt);
      p.cnt = cnt;
    }
  }

  /**
   * The groups restricted to events matching a filter (same layout as the main index), cached under
   * `key` until the table changes. Built in one pass; a live segment's full evaluations reuse it.
   */
  filtered(key: string, makeMatch: () => (row: number) => boolean): FilteredGroups {
    const cached = this.filters.get(key);
    if (cached && cached.version === this.version && cached.gLen.length >= this.gLen.length)
      return cached;
    const match = makeMatch();
    const groups = this.gLen.length;
    const gStart = new Int32Array(groups);
    const gLen = new Int32Array(groups);
    let total = 0;
    for (let c = 0; c < groups; c++) total += this.gLen[c];
    const slots = new Int32Array(Math.max(total, 1));
    const slotTs = new Float64Array(slots.length);
    let at = 0;
    for (let c = 0; c < groups; c++) {
      const s = this.gStart[c];
      const e = s + this.gLen[c];
      gStart[c] = at;
      for (let k = s; k < e; k++) {
        const row = this.slots[k];
        if (match(row)) {
          slots[at] = row;
          slotTs[at] = this.slotTs[k];
          at++;
        }
      }
      gLen[c] = at - gStart[c];
    }
    const built: FilteredGroups = { gStart, gLen, slots, slotTs, version: this.version };
    this.filters.set(key, built);
    return built;
  }

  /** Prefix sums of a numeric property, built on first use (the index must be up to date). */
  prefix(key: string): Prefix | undefined {
    const col = this.props.get(key);
    if (!col || col.type !== 'number') return undefined;
    let p = this.prefixes.get(key);
    if (!p) {
      p = { sum: new Float64Array(this.slots.length), cnt: new Int32Array(this.slots.length) };
      const groups = this.gLen.length;
      for (let c = 0; c < groups; c++) if (this.gLen[c] > 0) this.fillPrefix(col, p, c);
      this.prefixes.set(key, p);
      this.prefixList.push({ col, p });
    }
    return p;
  }

  private fillPrefix(col: Column | undefined, p: Prefix, c: number): void {
    const s = this.gStart[c];
    const e = s + this.gLen[c];
    let sum = 0;
    let cnt = 0;
    for (let i = s; i < e; i++) {
      const row = this.slots[i];
      if (col && col.has(row)) {
        sum += col.nums[row];
        cnt++;
      }
      p.sum[i] = sum;
      p.cnt[i] = cnt;
    }
  }
}

/** The room of a moved group of `len` events: the power of two at or above it, at least 4. */
function movedRoom(len: number): number {
  return len <= 4 ? 4 : 1 << (32 - Math.clz32(len - 1));
}

/** Whether rows [0, n), already grouped by customer, are in time order within each customer. */
function inGroupOrder(ts: Float64Array, cust: Int32Array, n: number): boolean {
  for (let r = 1; r < n; r++) if (ts[r] < ts[r - 1] && cust[r] === cust[r - 1]) return false;
  return true;
}

/** Sorts one group by (timestamp, row): insertion sort for small groups, else a comparator sort. */
function sortGroup(slots: Int32Array, slotTs: Float64Array, s: number, e: number): void {
  if (e - s <= 32) {
    for (let i = s + 1; i < e; i++) {
      const row = slots[i];
      const t = slotTs[i];
      let j = i - 1;
      while (j >= s && (slotTs[j] > t || (slotTs[j] === t && slots[j] > row))) {
        slots[j + 1] = slots[j];
        slotTs[j + 1] = slotTs[j];
        j--;
      }
      slots[j + 1] = row;
      slotTs[j + 1] = t;
    }
    return;
  }
  const pairs: [number, number][] = [];
  for (let i = s; i < e; i++) pairs.push([slotTs[i], slots[i]]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 0; i < pairs.length; i++) {
    slotTs[s + i] = pairs[i][0];
    slots[s + i] = pairs[i][1];
  }
}

/** First index in [lo, hi) whose value is >= x. */
export function lowerBound(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) whose value is > x. */
export function upperBound(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
