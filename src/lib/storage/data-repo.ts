// Persistence of imported data: import records, their chunks of columns, and the commit protocol that
// makes an import all-or-nothing (chunks only count once their import is committed).
import type { BatchColumn, CustomerBatch, EventBatch, FieldDef, Value } from '$lib/engine/schema';
import type {
  AttributeRecord,
  CustomerChunk,
  EventChunk,
  EventTypeRecord,
  ImportRecord,
  SegmentsDb,
  StoredColumn,
  StoredStrings
} from './db';

const SMALL_DICT = 8;
/** Values looked at before deciding whether a column is nearly all distinct (emails, phones, ids). */
const RAW_CHECK = 1024;

/**
 * Dictionary-encodes strings pushed one at a time (null → -1). A column whose values are nearly all
 * distinct gets a fresh entry per value without hashing (its dictionary may then repeat a string:
 * decoding is the same).
 */
export class StringEncoder {
  readonly dict: string[] = [];
  private readonly lookup = new Map<string, number>();
  private readonly codes: Int32Array;
  private count = 0;
  private raw = false;
  private present = 0;
  // Runs of one value are common (a customer's events, one event name): skip the map for them.
  private previous: unknown = undefined;
  private previousCode = -1;

  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
  }

  push(v: string | null | undefined | Value): void {
    if (v === this.previous) {
      this.codes[this.count++] = this.previousCode;
      return;
    }
    let code = -1;
    if (v !== null && v !== undefined) {
      const text = typeof v === 'string' ? v : String(v);
      const dict = this.dict;
      if (this.raw) code = dict.push(text) - 1;
      else {
        // Few distinct values (event names, categories): a scan beats hashing the string.
        if (dict.length <= SMALL_DICT) {
          for (let d = 0; d < dict.length; d++) {
            if (dict[d] === text) {
              code = d;
              break;
            }
          }
        } else code = this.lookup.get(text) ?? -1;
        if (code === -1) {
          code = dict.length;
          dict.push(text);
          this.lookup.set(text, code);
        }
        if (++this.present === RAW_CHECK && dict.length * 4 > this.present * 3) {
          this.raw = true;
          this.lookup.clear();
        }
      }
    }
    this.codes[this.count++] = code;
    this.previous = v;
    this.previousCode = code;
  }

  finish(): StoredStrings {
    const { codes, count } = this;
    return { dict: this.dict, codes: count === codes.length ? codes : codes.slice(0, count) };
  }
}

/**
 * Dictionary-encodes strings (null → -1), as `StringEncoder` does (kept as a loop over locals: the
 * events path encodes millions of values with it). A column whose values are nearly all distinct gets a fresh
 * entry per value without hashing (its dictionary may then repeat a string: decoding is the same).
 */
export function encodeStrings(values: ArrayLike<string | null | undefined | Value>): StoredStrings {
  const dict: string[] = [];
  const lookup = new Map<string, number>();
  const codes = new Int32Array(values.length);
  let raw = false;
  let present = 0;
  // Runs of one value are common (a customer's events, one event name): skip the map for them.
  let previous: unknown = undefined;
  let previousCode = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === previous) {
      codes[i] = previousCode;
      continue;
    }
    let code = -1;
    if (v !== null && v !== undefined) {
      const text = typeof v === 'string' ? v : String(v);
      if (raw) code = dict.push(text) - 1;
      else {
        // Few distinct values (event names, categories): a scan beats hashing the string.
        if (dict.length <= SMALL_DICT) {
          for (let d = 0; d < dict.length; d++) {
            if (dict[d] === text) {
              code = d;
              break;
            }
          }
        } else code = lookup.get(text) ?? -1;
        if (code === -1) {
          code = dict.length;
          dict.push(text);
          lookup.set(text, code);
        }
        if (++present === RAW_CHECK && dict.length * 4 > present * 3) {
          raw = true;
          lookup.clear();
        }
      }
    }
    codes[i] = code;
    previous = v;
    previousCode = code;
  }
  return { dict, codes };
}

/** Builds one stored column from values pushed one at a time (at most `capacity` of them). */
export interface ColumnEncoder {
  push(value: Value | null): void;
  finish(): StoredColumn;
}

/** `data` cut to its first `count` entries (the array itself when it is full). */
const filled = <A extends Float64Array | Int8Array>(data: A, count: number): A =>
  count === data.length ? data : (data.slice(0, count) as A);

/** The encoder of a column of `def`'s type: `encodeColumn`, one value at a time. */
export function columnEncoder(def: FieldDef, capacity: number): ColumnEncoder {
  let count = 0;
  if (def.type === 'number' || def.type === 'date') {
    const data = new Float64Array(capacity);
    return {
      push: (v) => void (data[count++] = typeof v === 'number' ? v : NaN),
      finish: () => ({ def, kind: 'number', data: filled(data, count) })
    };
  }
  if (def.type === 'boolean') {
    const data = new Int8Array(capacity);
    return {
      push: (v) => void (data[count++] = v === true ? 1 : v === false ? 0 : -1),
      finish: () => ({ def, kind: 'boolean', data: filled(data, count) })
    };
  }
  const strings = new StringEncoder(capacity);
  return {
    push: (v) => strings.push(v),
    finish: () => ({ def, kind: 'string', ...strings.finish() })
  };
}

export function decodeStrings({ dict, codes }: StoredStrings): (string | null)[] {
  const out = new Array<string | null>(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    out[i] = c < 0 ? null : dict[c];
  }
  return out;
}

const COMMIT_SEQ_KEY = 'importCommitSeq';

/** A stored customer chunk before it belongs to an import. */
export type CustomerColumns = Omit<CustomerChunk, 'id' | 'importId' | 'seq'>;
/** A stored event chunk before it belongs to an import. */
export type EventColumns = Omit<EventChunk, 'id' | 'importId' | 'seq'>;

const pickNumbers = (data: Float64Array, rows: Int32Array): Float64Array => {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = data[rows[i]];
  return out;
};

const pickCodes = <T extends Int32Array | Int8Array>(data: T, out: T, rows: Int32Array): T => {
  for (let i = 0; i < rows.length; i++) out[i] = data[rows[i]];
  return out;
};

function pickColumn(column: StoredColumn, rows: Int32Array): StoredColumn {
  if (column.kind === 'number') return { ...column, data: pickNumbers(column.data, rows) };
  if (column.kind === 'boolean')
    return { ...column, data: pickCodes(column.data, new Int8Array(rows.length), rows) };
  return { ...column, codes: pickCodes(column.codes, new Int32Array(rows.length), rows) };
}

/**
 * The rows `rows` (ascending indexes) of encoded events, with customer ids looked up in `customerDict`
 * (same codes; defaults to the chunk's own). Dictionaries are kept whole: codes stay valid.
 */
export function selectEventRows(
  events: EventColumns,
  rows: Int32Array | null,
  customerDict: string[] = events.customerIds.dict
): EventColumns {
  if (rows === null)
    return { ...events, customerIds: { ...events.customerIds, dict: customerDict } };
  const codes = (s: StoredStrings) => pickCodes(s.codes, new Int32Array(rows.length), rows);
  return {
    customerIds: { dict: customerDict, codes: codes(events.customerIds) },
    names: { dict: events.names.dict, codes: codes(events.names) },
    timestamps: pickNumbers(events.timestamps, rows),
    fingerprints: pickNumbers(events.fingerprints, rows),
    properties: events.properties.map((p) => pickColumn(p, rows))
  };
}

export function encodeColumn(column: BatchColumn): StoredColumn {
  const { def, values } = column;
  if (def.type === 'number' || def.type === 'date') {
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      data[i] = typeof v === 'number' ? v : NaN;
    }
    return { def, kind: 'number', data };
  }
  if (def.type === 'boolean') {
    const data = new Int8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      data[i] = v === true ? 1 : v === false ? 0 : -1;
    }
    return { def, kind: 'boolean', data };
  }
  return { def, kind: 'string', ...encodeStrings(values) };
}

export function decodeColumn(column: StoredColumn): BatchColumn {
  const values: (Value | null)[] = new Array(
    column.kind === 'string' ? column.codes.length : column.data.length
  );
  if (column.kind === 'number') {
    for (let i = 0; i < values.length; i++) {
      const v = column.data[i];
      values[i] = Number.isNaN(v) ? null : v;
    }
  } else if (column.kind === 'boolean') {
    for (let i = 0; i < values.length; i++) {
      const v = column.data[i];
      values[i] = v === 1 ? true : v === 0 ? false : null;
    }
  } else {
    return { def: column.def, values: decodeStrings(column) };
  }
  return { def: column.def, values };
}

export function encodeCustomerChunk(
  importId: string,
  seq: number,
  batch: CustomerBatch
): CustomerChunk {
  return { importId, seq, ids: [...batch.ids], columns: batch.columns.map(encodeColumn) };
}

export function decodeCustomerChunk(chunk: CustomerColumns): CustomerBatch {
  return { ids: chunk.ids, columns: chunk.columns.map(decodeColumn) };
}

export function encodeEventChunk(
  importId: string,
  seq: number,
  batch: EventBatch,
  fingerprints: Float64Array
): EventChunk {
  return {
    importId,
    seq,
    customerIds: encodeStrings(batch.customerIds),
    names: encodeStrings(batch.names),
    timestamps: Float64Array.from(batch.timestamps),
    fingerprints,
    properties: batch.properties.map(encodeColumn)
  };
}

export function decodeEventChunk(chunk: EventColumns): EventBatch {
  return {
    customerIds: decodeStrings(chunk.customerIds) as string[],
    names: decodeStrings(chunk.names) as string[],
    timestamps: chunk.timestamps,
    properties: chunk.properties.map(decodeColumn)
  };
}

/** A quota error, however the browser or Dexie wraps it. */
export function isQuotaError(error: unknown): boolean {
  for (let e = error; e && typeof e === 'object';) {
    const { name, inner } = e as { name?: string; inner?: unknown };
    if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
    e = inner;
  }
  return false;
}

export class DataRepo {
  constructor(readonly db: SegmentsDb) {}

  async beginImport(record: ImportRecord): Promise<void> {
    await this.db.imports.add(record);
  }

  async writeCustomerChunk(chunk: CustomerChunk): Promise<void> {
    await this.db.customerChunks.add(chunk);
  }

  async writeEventChunk(chunk: EventChunk): Promise<void> {
    await this.db.eventChunks.add(chunk);
  }

  /**
   * Makes an import's chunks count, in one transaction with its final record: before this point a
   * reload finds the import unfinished and discards its chunks; after it, the import is fully in.
   */
  async commitImport(record: ImportRecord): Promise<ImportRecord> {
    return this.db.transaction('rw', this.db.imports, this.db.meta, async () => {
      const last = (await this.db.meta.get(COMMIT_SEQ_KEY))?.value;
      const seq = (typeof last === 'number' ? last : 0) + 1;
      const committed: ImportRecord = {
        ...record,
        status: 'committed',
        seq,
        finishedAt: Date.now()
      };
      await this.db.meta.put({ key: COMMIT_SEQ_KEY, value: seq });
      await this.db.imports.put(committed);
      return committed;
    });
  }

  /** Records an import's final counts (known once its data is in memory). */
  async finishCommitted(
    record: ImportRecord,
    counts: ImportRecord['counts']
  ): Promise<ImportRecord> {
    const final: ImportRecord = { ...record, counts };
    await this.db.imports.put(final);
    return final;
  }

  /** Ends an import without its data: its chunks are deleted and the record says why. */
  async abandonImport(
    record: ImportRecord,
    status: 'failed' | 'cancelled' | 'interrupted',
    error?: string
  ): Promise<ImportRecord> {
    const ended: ImportRecord = { ...record, status, error, finishedAt: Date.now() };
    await this.db.transaction(
      'rw',
      this.db.imports,
      this.db.customerChunks,
      this.db.eventChunks,
      async () => {
        await this.db.customerChunks.where('importId').equals(record.id).delete();
        await this.db.eventChunks.where('importId').equals(record.id).delete();
        await this.db.imports.put(ended);
      }
    );
    return ended;
  }

  async runningImports(): Promise<ImportRecord[]> {
    return this.db.imports.where('status').equals('running').toArray();
  }

  /**
   * Discards an import left `running` by a tab that was closed or reloaded mid-import. Returns false
   * when it is no longer running (it finished meanwhile).
   */
  async discardInterrupted(id: string): Promise<boolean> {
    const record = await this.db.imports.get(id);
    if (!record || record.status !== 'running') return false;
    await this.abandonImport(
      record,
      'interrupted',
      'The import was interrupted (the tab was closed or reloaded); nothing from it was kept.'
    );
    return true;
  }

  /** Committed imports in commit order. */
  async committedImports(): Promise<ImportRecord[]> {
    return this.db.imports.where('seq').above(0).sortBy('seq');
  }

  /** Replays a committed import's customer chunks in write order. */
  async forEachCustomerChunk(
    record: ImportRecord,
    onCustomers: (chunk: CustomerChunk) => void
  ): Promise<void> {
    // Within one importId the index is ordered by primary key, i.e. write order; stream, don't load all.
    await this.db.customerChunks
      .where('importId')
      .equals(record.id)
      .each((chunk) => onCustomers(chunk));
  }

  /** Replays a committed import's event chunks in write order. */
  async forEachEventChunk(
    record: ImportRecord,
    onEvents: (chunk: EventChunk) => void
  ): Promise<void> {
    await this.db.eventChunks
      .where('importId')
      .equals(record.id)
      .each((chunk) => onEvents(chunk));
  }

  async listImports(): Promise<ImportRecord[]> {
    return this.db.imports.orderBy('startedAt').reverse().toArray();
  }

  async getImport(id: string): Promise<ImportRecord | undefined> {
    return this.db.imports.get(id);
  }

  async saveSchema(attributes: AttributeRecord[], eventTypes: EventTypeRecord[]): Promise<void> {
    await this.db.transaction('rw', this.db.attributes, this.db.eventTypes, async () => {
      await this.db.attributes.clear();
      await this.db.attributes.bulkPut(attributes);
      await this.db.eventTypes.clear();
      await this.db.eventTypes.bulkPut(eventTypes);
    });
  }

  /**
   * Removes the customer data ("Delete all data"): every import, its chunks, the schema and the
   * membership history built from it. Segment definitions, past exports and settings stay (they are the
   * user's work, not data), and so does the commit sequence, so other tabs never mistake a new import
   * for one they already hold.
   */
  async clearAll(): Promise<void> {
    const KEEP = new Set(['meta', 'segments', 'exports', 'exportFiles']);
    const tables = this.db.tables.filter((t) => !KEEP.has(t.name));
    await this.db.transaction('rw', tables, async () => {
      await Promise.all(tables.map((t) => t.clear()));
    });
  }
}
