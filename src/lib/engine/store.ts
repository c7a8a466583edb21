// The in-memory columnar store the engine queries: customers as typed attribute columns keyed by a
// stable index (insertion order), and events as one EventTable per case-insensitive event name.
import { Column, normalizeText } from './column';
import { EventTable } from './event-table';
import { IdIndex } from './id-index';
import type { CustomerBatch, DataSchema, EventBatch, FieldDef, Value } from './schema';

export interface AttributeInfo {
  readonly def: FieldDef;
  readonly present: number;
}

export interface EventTypeInfo {
  readonly name: string;
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly properties: readonly FieldDef[];
}

export interface StoredEvent {
  readonly name: string;
  readonly timestamp: number;
  readonly properties: Readonly<Record<string, Value>>;
}

/** A typed column as imports store it: NaN, -1 and code -1 are missing (see storage's StoredColumn). */
export type EncodedColumn =
  | { readonly def: FieldDef; readonly kind: 'number'; readonly data: Float64Array }
  | { readonly def: FieldDef; readonly kind: 'boolean'; readonly data: Int8Array }
  | {
      readonly def: FieldDef;
      readonly kind: 'string';
      readonly dict: readonly string[];
      readonly codes: Int32Array;
    };

/** Customers or events with dictionary-encoded strings and typed columns (see `ingestEncoded`). */
export type EncodedBatch =
  | { readonly ids: readonly string[]; readonly columns: readonly EncodedColumn[] }
  | {
      readonly customerIds: { readonly dict: readonly string[]; readonly codes: Int32Array };
      readonly names: { readonly dict: readonly string[]; readonly codes: Int32Array };
      readonly timestamps: Float64Array;
      readonly properties: readonly EncodedColumn[];
    };

/** Event names match case-insensitively (and ignoring surrounding spaces). */
export const eventKey = (name: string): string => normalizeText(name);

export class ColumnarStore {
  private readonly idIndex = new IdIndex();
  private readonly ids: readonly string[] = this.idIndex.ids;
  /**
   * Per customer, the number of the last batch that touched it: dedupes a batch's touched list
   * without a Set (a Set lookup per row was a visible share of ingest).
   */
  private stamps = new Int32Array(1024);
  private stamp = 0;
  private scratchTable = new Int32Array(64);
  private scratchRow = new Int32Array(64);
  private readonly columns = new Map<string, Column>();
  private readonly tables = new Map<string, EventTable>();
  private eventTotal = 0;
  private capacity = 1024;
  /** Bumped on every change, so compiled caches can tell they are stale. */
  version = 0;

  get customerCount(): number {
    return this.ids.length;
  }

  get totalEvents(): number {
    return this.eventTotal;
  }

  indexOf(id: string): number {
    return this.idIndex.get(id);
  }

  idOf(i: number): string {
    return this.ids[i];
  }

  /** The index of a customer id, creating a minimal customer when unknown (then index = count - 1). */
  private resolve(id: string): number {
    const index = this.idIndex.getOrAdd(id);
    if (index >= this.capacity) {
      this.capacity *= 2;
      for (const col of this.columns.values()) col.ensureCapacity(this.capacity);
      const stamps = new Int32Array(this.capacity);
      stamps.set(this.stamps);
      this.stamps = stamps;
    }
    return index;
  }

  /** A fresh batch number for `stamps` (wrapping clears them, once every 2^31 batches). */
  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  upsertCustomers(batch: CustomerBatch): {
    inserted: number;
    updated: number;
    touched: readonly number[];
  } {
    const rows = batch.ids.length;
    const index = new Int32Array(rows);
    const stamp = this.nextStamp();
    const touched: number[] = [];
    let inserted = 0;
    let updated = 0;
    for (let r = 0; r < rows; r++) {
      const before = this.ids.length;
      const i = this.resolve(batch.ids[r]);
      const created = this.ids.length > before;
      index[r] = i;
      if (this.stamps[i] === stamp) continue;
      this.stamps[i] = stamp;
      touched.push(i);
      if (created) inserted++;
      else updated++;
    }
    for (const bc of batch.columns) this.column(bc.def).setMany(index, bc.values);
    this.version++;
    return { inserted, updated, touched };
  }

  /** The attribute column for `def.key`, created or re-typed as needed (keeps the newest label). */
  private column(def: FieldDef): Column {
    let col = this.columns.get(def.key);
    if (!col) {
      col = new Column(def, this.capacity);
      this.columns.set(def.key, col);
    } else if (col.def.type !== def.type) {
      col.retype(def, this.ids.length);
    } else if (col.def.label !== def.label) {
      col.def = def;
    }
    col.ensureCapacity(this.capacity);
    return col;
  }

  addEvents(batch: EventBatch): {
    added: number;
    createdCustomers: number;
    touched: readonly number[];
  } {
    const rows = batch.customerIds.length;
    const stamp = this.nextStamp();
    const touched: number[] = [];
    const before = this.ids.length;
    let added = 0;
    // Pass 1: rows go to their table; properties follow column by column in pass 2, which keeps the
    // per-cell work to one typed store.
    const tables: EventTable[] = [];
    // Scratch reused across calls: single live events should not allocate typed arrays.
    if (this.scratchTable.length < rows) {
      this.scratchTable = new Int32Array(rows);
      this.scratchRow = new Int32Array(rows);
    }
    const tableOf = this.scratchTable;
    const rowOf = this.scratchRow;
    rowOf.fill(-1, 0, rows);
    // The batch's distinct names and their table slots: a short scan beats hashing each fresh name
    // string; the map takes over when a batch has many names.
    const seenNames: string[] = [];
    const seenSlots: number[] = [];
    let localIndex: Map<string, number> | undefined;
    let lastName: string | undefined;
    let lastTable = -1;
    let lastId: string | undefined;
    let lastCustomer = -1;
    for (let r = 0; r < rows; r++) {
      const t = batch.timestamps[r];
      if (typeof t !== 'number' || !Number.isFinite(t)) continue;
      const id = batch.customerIds[r];
      // Events of one customer usually come together, and files sorted by customer follow the
      // store's order: try the same and the next customer before hashing.
      const c =
        id === lastId
          ? lastCustomer
          : this.ids[lastCustomer + 1] === id
            ? lastCustomer + 1
            : this.resolve(id);
      lastId = id;
      if (c !== lastCustomer) {
        lastCustomer = c;
        if (this.stamps[c] !== stamp) {
          this.stamps[c] = stamp;
          touched.push(c);
        }
      }
      const name = batch.names[r];
      if (name !== lastName) {
        lastName = name;
        let k = -1;
        if (seenNames.length <= 16) {
          for (let j = 0; j < seenNames.length; j++) {
            if (seenNames[j] === name) {
              k = seenSlots[j];
              break;
            }
          }
        } else k = localIndex?.get(name) ?? -1;
        if (k < 0) {
          const table = this.table(name);
          k = tables.indexOf(table);
          if (k < 0) k = tables.push(table) - 1;
          seenNames.push(name);
          seenSlots.push(k);
          if (seenNames.length > 16) {
            localIndex ??= new Map(seenNames.map((x, j) => [x, seenSlots[j]]));
            localIndex.set(name, k);
          }
        }
        lastTable = k;
      }
      tableOf[r] = lastTable;
      rowOf[r] = tables[lastTable].append(c, t);
      added++;
    }
    const props = batch.properties;
    if (props.length > 0 && added > 0 && tables.length === 1) {
      // One table (a single live event, or a batch of one name): rows go straight to its columns,
      // without grouping them by table first.
      for (const p of props) {
        const values = p.values;
        let any = false;
        for (let r = 0; r < rows && !any; r++)
          any = rowOf[r] >= 0 && values[r] !== null && values[r] !== undefined;
        if (any) tables[0].prop(p.def).setMany(rowOf, values, rows);
      }
    } else if (props.length > 0 && added > 0) {
      // Batch rows grouped by table (counting sort), so each property column is one pass per table.
      const starts = new Int32Array(tables.length + 1);
      for (let r = 0; r < rows; r++) if (rowOf[r] >= 0) starts[tableOf[r] + 1]++;
      for (let k = 0; k < tables.length; k++) starts[k + 1] += starts[k];
      const order = new Int32Array(added);
      const fill = starts.slice(0, tables.length);
      for (let r = 0; r < rows; r++) if (rowOf[r] >= 0) order[fill[tableOf[r]]++] = r;
      const sub = new Int32Array(added);
      const vals: (Value | null)[] = new Array<Value | null>(added);
      for (let k = 0; k < tables.length; k++) {
        for (const p of props) {
          let m = 0;
          const values = p.values;
          for (let j = starts[k]; j < starts[k + 1]; j++) {
            const r = order[j];
            const v = values[r];
            if (v === null || v === undefined) continue;
            sub[m] = rowOf[r];
            vals[m] = v;
            m++;
          }
          if (m > 0) tables[k].prop(p.def).setMany(sub, vals, m);
        }
      }
    }
    this.eventTotal += added;
    this.version++;
    return { added, createdCustomers: this.ids.length - before, touched };
  }

  private table(name: string): EventTable {
    const key = eventKey(name);
    let table = this.tables.get(key);
    if (!table) {
      table = new EventTable(key, name.trim());
      this.tables.set(key, table);
    }
    return table;
  }

  attributes(): readonly AttributeInfo[] {
    return [...this.columns.values()].map((c) => ({ def: c.def, present: c.presentCount }));
  }

  value(i: number, key: string): Value | null {
    const col = this.columns.get(key);
    if (!col || i < 0 || i >= this.ids.length) return null;
    return col.get(i);
  }

  eventTypes(): readonly EventTypeInfo[] {
    return [...this.tables.values()].map((t) => ({
      name: t.displayName,
      count: t.n,
      first: t.first,
      last: t.last,
      properties: t.properties()
    }));
  }

  /** The schema queries compile against. */
  schema(): DataSchema {
    return {
      attributes: [...this.columns.values()].map((c) => c.def),
      events: [...this.tables.values()].map((t) => ({
        name: t.displayName,
        properties: t.properties()
      }))
    };
  }

  eventCount(i: number): number {
    let total = 0;
    for (const t of this.tables.values()) {
      t.ensureIndex(this.ids.length);
      total += t.gLen[i] ?? 0;
    }
    return total;
  }

  /** Customer i's events, newest first (ties: latest arrival first). */
  events(i: number, offset: number, limit: number): readonly StoredEvent[] {
    const all: { table: EventTable; row: number; ts: number }[] = [];
    for (const t of this.tables.values()) {
      t.ensureIndex(this.ids.length);
      const s = t.gStart[i];
      const e = s + (t.gLen[i] ?? 0);
      for (let k = s; k < e; k++) all.push({ table: t, row: t.slots[k], ts: t.slotTs[k] });
    }
    all.sort((a, b) => b.ts - a.ts || b.row - a.row);
    return all.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, limit)).map((e) => ({
      name: e.table.displayName,
      timestamp: e.ts,
      properties: e.table.propertyValues(e.row)
    }));
  }

  /**
   * When customer i's earliest event of any name happened (events after `now` included: a start
   * after the window's start fails `for whole window` either way); Infinity when they have none.
   */
  firstEventAt(i: number): number {
    let first = Infinity;
    for (const t of this.tables.values()) {
      t.ensureIndex(this.ids.length);
      if (i < t.gLen.length && t.gLen[i] > 0) {
        const x = t.slotTs[t.gStart[i]];
        if (x < first) first = x;
      }
    }
    return first;
  }

  // Engine-internal access used by the evaluator.

  /** The attribute column for a key, if any customer ever had it. */
  attributeColumn(key: string): Column | undefined {
    return this.columns.get(key);
  }

  /** The indexed events of a name (case-insensitive), or undefined when none arrived yet. */
  eventTable(name: string): EventTable | undefined {
    return this.eventTableByKey(eventKey(name));
  }

  /** `eventTable` for a name already normalized by `eventKey` (compiled rules hold such keys). */
  eventTableByKey(key: string): EventTable | undefined {
    const t = this.tables.get(key);
    t?.ensureIndex(this.ids.length);
    return t;
  }

  /**
   * The table of an event key as it is, without bringing its index up to date (its per-customer
   * arrays may be shorter than the customer count): for reading ahead, not for answers.
   */
  peekEventTable(key: string): EventTable | undefined {
    return this.tables.get(key);
  }

  /**
   * `upsertCustomers` or `addEvents` for an encoded batch, with the same result as decoding it and
   * calling them, but without boxing a value per row: ids, names and strings are resolved once per
   * distinct value, numbers are read from their typed arrays.
   */
  ingestEncoded(batch: EncodedBatch): {
    inserted: number;
    updated: number;
    added: number;
    createdCustomers: number;
    touched: readonly number[];
  } {
    const stamp = this.nextStamp();
    const touched: number[] = [];
    const before = this.ids.length;
    /** Writes present value `r` of `enc` into row `i` of `col` (a column of the same type). */
    const put = (col: Column, enc: EncodedColumn, r: number, i: number, interned: Int32Array) => {
      if (enc.kind === 'number') col.nums[i] = enc.data[r];
      else if (enc.kind === 'boolean') col.bools[i] = enc.data[r] === 1 ? 2 : 1;
      else {
        const code = enc.codes[r];
        let c = interned[code];
        if (c < 0) c = interned[code] = col.intern(enc.dict[code]);
        col.codes[i] = c;
      }
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if ((col.presence[word] & bit) === 0) {
        col.presence[word] |= bit;
        col.presentCount++;
      }
    };
    const isMissing = (enc: EncodedColumn, r: number): boolean =>
      enc.kind === 'string'
        ? enc.codes[r] < 0
        : enc.kind === 'boolean'
          ? enc.data[r] < 0
          : Number.isNaN(enc.data[r]);
    const internTable = (enc: EncodedColumn) =>
      new Int32Array(enc.kind === 'string' ? enc.dict.length : 0).fill(-1);

    if ('ids' in batch) {
      const rows = batch.ids.length;
      const index = new Int32Array(rows);
      let inserted = 0;
      let updated = 0;
      for (let r = 0; r < rows; r++) {
        const count = this.ids.length;
        const i = this.resolve(batch.ids[r]);
        index[r] = i;
        if (this.stamps[i] === stamp) continue;
        this.stamps[i] = stamp;
        touched.push(i);
        if (this.ids.length > count) inserted++;
        else updated++;
      }
      for (const enc of batch.columns) {
        const col = this.column(enc.def);
        if (!writeAttribute(col, enc, index, rows)) {
          const interned = internTable(enc);
          for (let r = 0; r < rows; r++) {
            if (isMissing(enc, r)) col.set(index[r], null);
            else put(col, enc, r, index[r], interned);
          }
        }
      }
      this.version++;
      return { inserted, updated, added: 0, createdCustomers: 0, touched };
    }

    const rows = batch.timestamps.length;
    const customerOf = new Int32Array(batch.customerIds.dict.length).fill(-1);
    const tableOfName = new Int32Array(batch.names.dict.length).fill(-1);
    const tables: EventTable[] = [];
    const tableOf = new Int32Array(rows);
    const rowOf = new Int32Array(rows).fill(-1);
    let lastCustomer = -1;
    let added = 0;
    for (let r = 0; r < rows; r++) {
      const t = batch.timestamps[r];
      if (!Number.isFinite(t)) continue;
      const code = batch.customerIds.codes[r];
      let c = customerOf[code];
      if (c < 0) c = customerOf[code] = this.resolve(batch.customerIds.dict[code]);
      if (c !== lastCustomer) {
        lastCustomer = c;
        if (this.stamps[c] !== stamp) {
          this.stamps[c] = stamp;
          touched.push(c);
        }
      }
      const nameCode = batch.names.codes[r];
      let k = tableOfName[nameCode];
      if (k < 0) {
        const table = this.table(batch.names.dict[nameCode]);
        k = tables.indexOf(table);
        if (k < 0) k = tables.push(table) - 1;
        tableOfName[nameCode] = k;
      }
      tableOf[r] = k;
      rowOf[r] = tables[k].append(c, t);
      added++;
    }
    for (const enc of batch.properties) {
      if (writeProperty(tables, enc, rowOf, tableOf, rows)) continue;
      // Columns per table, made on the first value (a table without any keeps no such property).
      const columns: (Column | undefined)[] = new Array(tables.length);
      const interned: Int32Array[] = [];
      for (let r = 0; r < rows; r++) {
        const row = rowOf[r];
        if (row < 0 || isMissing(enc, r)) continue;
        const k = tableOf[r];
        let col = columns[k];
        if (col === undefined) {
          col = columns[k] = tables[k].prop(enc.def);
          interned[k] = internTable(enc);
        }
        put(col, enc, r, row, interned[k]);
      }
    }
    this.eventTotal += added;
    this.version++;
    return { inserted: 0, updated: 0, added, createdCustomers: this.ids.length - before, touched };
  }
}

// Typed writers for encoded columns, one loop per kind (no per-cell closure or type dispatch): they
// carry most of a start-up replay. Each returns false, writing nothing, when the column's type does
// not match the encoding (the generic per-cell path in ingestEncoded converts such values).

/** Writes an encoded attribute column into `col` at customer rows `index` (missing clears). */
function writeAttribute(col: Column, enc: EncodedColumn, index: Int32Array, rows: number): boolean {
  const pres = col.presence;
  let present = col.presentCount;
  if (enc.kind === 'number') {
    if (col.type !== 'number' && col.type !== 'date') return false;
    const data = enc.data;
    const nums = col.nums;
    for (let r = 0; r < rows; r++) {
      const i = index[r];
      const v = data[r];
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if (v !== v) {
        if ((pres[word] & bit) !== 0) {
          pres[word] &= ~bit;
          present--;
          nums[i] = NaN;
        }
        continue;
      }
      nums[i] = v;
      if ((pres[word] & bit) === 0) {
        pres[word] |= bit;
        present++;
      }
    }
  } else if (enc.kind === 'boolean') {
    if (col.type !== 'boolean') return false;
    const data = enc.data;
    const bools = col.bools;
    for (let r = 0; r < rows; r++) {
      const i = index[r];
      const v = data[r];
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if (v < 0) {
        if ((pres[word] & bit) !== 0) {
          pres[word] &= ~bit;
          present--;
          bools[i] = 0;
        }
        continue;
      }
      bools[i] = v === 1 ? 2 : 1;
      if ((pres[word] & bit) === 0) {
        pres[word] |= bit;
        present++;
      }
    }
  } else {
    if (col.type !== 'string') return false;
    const codes = enc.codes;
    const dict = enc.dict;
    const interned = new Int32Array(dict.length).fill(-1);
    const out = col.codes;
    for (let r = 0; r < rows; r++) {
      const i = index[r];
      const code = codes[r];
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if (code < 0) {
        if ((pres[word] & bit) !== 0) {
          pres[word] &= ~bit;
          present--;
          out[i] = 0;
        }
        continue;
      }
      let c = interned[code];
      if (c < 0) c = interned[code] = col.intern(dict[code]);
      out[i] = c;
      if ((pres[word] & bit) === 0) {
        pres[word] |= bit;
        present++;
      }
    }
  }
  col.presentCount = present;
  return true;
}

/**
 * Writes an encoded event property into the new rows `rowOf[r]` of `tables[tableOf[r]]` (rowOf -1:
 * row not added). A table's column is made on its first value, so a table that never has the
 * property does not list it. New rows hold no value yet, so every write sets a fresh presence bit.
 */
function writeProperty(
  tables: readonly EventTable[],
  enc: EncodedColumn,
  rowOf: Int32Array,
  tableOf: Int32Array,
  rows: number
): boolean {
  const type = enc.def.type;
  if (enc.kind === 'number' ? type !== 'number' && type !== 'date' : enc.kind !== type)
    return false;
  const columns: (Column | undefined)[] = new Array(tables.length);
  const interned: (Int32Array | undefined)[] = new Array(tables.length);
  let k = -1;
  let col: Column | undefined;
  let pres: Uint32Array = new Uint32Array(0);
  let map: Int32Array = new Int32Array(0);
  const open = (g: number): Column => {
    let c = columns[g];
    if (c === undefined) {
      c = columns[g] = tables[g].prop(enc.def);
      if (enc.kind === 'string') interned[g] = new Int32Array(enc.dict.length).fill(-1);
    }
    return c;
  };
  if (enc.kind === 'number') {
    const data = enc.data;
    let nums: Float64Array = new Float64Array(0);
    for (let r = 0; r < rows; r++) {
      const row = rowOf[r];
      const v = data[r];
      if (row < 0 || v !== v) continue;
      const g = tableOf[r];
      if (g !== k) {
        k = g;
        col = open(g);
        nums = col.nums;
        pres = col.presence;
      }
      nums[row] = v;
      pres[row >>> 5] |= 1 << (row & 31);
      col!.presentCount++;
    }
  } else if (enc.kind === 'boolean') {
    const data = enc.data;
    let bools: Uint8Array = new Uint8Array(0);
    for (let r = 0; r < rows; r++) {
      const row = rowOf[r];
      const v = data[r];
      if (row < 0 || v < 0) continue;
      const g = tableOf[r];
      if (g !== k) {
        k = g;
        col = open(g);
        bools = col.bools;
        pres = col.presence;
      }
      bools[row] = v === 1 ? 2 : 1;
      pres[row >>> 5] |= 1 << (row & 31);
      col!.presentCount++;
    }
  } else {
    const codes = enc.codes;
    const dict = enc.dict;
    let out: Int32Array = new Int32Array(0);
    for (let r = 0; r < rows; r++) {
      const row = rowOf[r];
      const code = codes[r];
      if (row < 0 || code < 0) continue;
      const g = tableOf[r];
      if (g !== k) {
        k = g;
        col = open(g);
        out = col.codes;
        pres = col.presence;
        map = interned[g]!;
      }
      let c = map[code];
      if (c < 0) c = map[code] = col!.intern(dict[code]);
      out[row] = c;
      pres[row >>> 5] |= 1 << (row & 31);
      col!.presentCount++;
    }
  }
  return true;
}
