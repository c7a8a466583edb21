// Running a (possibly user-edited) column plan over chunks of records: typed customer and event
// batches for storage, the rows that cannot be used (with row number, column and reason), the E.164
// phone, and a fingerprint per event for deduplication.

import type { CountryCode } from 'libphonenumber-js';
import { fail, ok, type Result } from '$lib/engine/result';
import {
  EMAIL_KEY,
  PHONE_E164_KEY,
  PHONE_KEY,
  type CustomerBatch,
  type EventBatch,
  type FieldDef,
  type Value,
  type ValueType
} from '$lib/engine/schema';
import { keyColumn, validatePlan, type ColumnPlan, type ImportPlan } from './columns';
import { rejectReasons } from './messages';
import { toE164 } from './phone';
import type { RejectedRow } from './report';
import {
  parseBoolean,
  parseDate,
  parseNumber,
  parseTimestamp,
  stripSpreadsheetGuard,
  unguard,
  type ValueOptions
} from './values';

export interface MapOptions {
  /** Country assumed for phones written without an international prefix. */
  readonly defaultCountry?: CountryCode;
  /**
   * Leave out the E.164 column (customers): the caller derives it from the phone column with
   * `e164Column`, e.g. on another thread.
   */
  readonly withoutE164?: boolean;
}

export interface MappedCustomers {
  readonly batch: CustomerBatch;
  readonly rejected: RejectedRow[];
  /** Distinct rows not imported (a row is listed in `rejected` once per bad cell). */
  readonly rejectedRows: number;
  readonly blankRows: number;
}

export interface MappedEvents {
  readonly batch: EventBatch;
  /** `fingerprints[i]` identifies event i for deduplication (see `eventFingerprint`). */
  readonly fingerprints: number[];
  readonly rejected: RejectedRow[];
  readonly rejectedRows: number;
  readonly blankRows: number;
}

/** Where one output column's values go, one per kept row (an array, or an encoder). */
export interface ValueSink {
  push(value: Value | null): unknown;
}

export interface CustomerMapper {
  readonly attributes: readonly FieldDef[];
  mapCustomerRows(rows: readonly (readonly string[])[], firstRowNumber: number): MappedCustomers;
  /**
   * `mapCustomerRows` with each attribute's values pushed to `sinks[k]` (`attributes[k]`) instead of
   * collected in arrays: the import encodes them as they come.
   */
  mapCustomerRowsInto(
    rows: readonly (readonly string[])[],
    firstRowNumber: number,
    sinks: readonly ValueSink[]
  ): Omit<MappedCustomers, 'batch'> & { readonly ids: string[] };
}

export interface EventMapper {
  readonly properties: readonly FieldDef[];
  mapEventRows(rows: readonly (readonly string[])[], firstRowNumber: number): MappedEvents;
}

export { toE164 };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A key email: trimmed and lower-cased; undefined when it is not an address. */
export const emailKey = (raw: string): string | undefined => {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
};

/** `cell.trim() === ''`, answered from the first character when it is visible ASCII. */
const isBlankCell = (cell: string): boolean => {
  if (cell.length === 0) return true;
  const c = cell.charCodeAt(0);
  if (c > 32 && c < 127) return false;
  return cell.trim() === '';
};

const isBlank = (row: readonly string[]): boolean => {
  for (let i = 0; i < row.length; i++) if (!isBlankCell(row[i])) return false;
  return true;
};

/** A shape problem of a record, or undefined. Extra fields that are all blank are tolerated. */
const shapeProblem = (
  row: readonly string[],
  rowNumber: number,
  plan: ImportPlan
): RejectedRow | undefined => {
  const expected = plan.fieldCount;
  if (row.length === expected) return undefined;
  if (row.length > expected && row.slice(expected).every(isBlankCell)) return undefined;
  const reason = rejectReasons.fieldCount(expected, row.length);
  if (row.length < expected)
    return { row: rowNumber, column: plan.columns[row.length]?.header ?? '', value: '', reason };
  return { row: rowNumber, column: '', value: row.slice(expected).join(' | '), reason };
};

const USABLE = 0;
const BLANK = 1;
const MISSHAPEN = 2;

/**
 * Screens a record before its cells are read: a blank line, or a record with the wrong number of
 * fields (listed in `rejected`), or usable. The common case is answered without scanning the row.
 */
const screenShape = (
  row: readonly string[],
  rowNumber: number,
  plan: ImportPlan,
  fieldCount: number,
  rejected: RejectedRow[]
): typeof USABLE | typeof BLANK | typeof MISSHAPEN => {
  if (row.length === fieldCount && !isBlankCell(row[0])) return USABLE;
  if (isBlank(row)) return BLANK;
  const problem = shapeProblem(row, rowNumber, plan);
  if (!problem) return USABLE;
  rejected.push(problem);
  return MISSHAPEN;
};

/** Output column: where it comes from and how a cell becomes a value. */
interface Output {
  readonly def: FieldDef;
  readonly source: ColumnPlan;
  /** `source.index`, hoisted for the row loop. */
  readonly index: number;
  readonly convert: (raw: string) => Value | null | undefined;
}

const output = (
  def: FieldDef,
  source: ColumnPlan,
  convert: (raw: string) => Value | null | undefined
): Output => ({ def, source, index: source.index, convert });

/** A cell trimmed and without its formula guard (values.ts); '' when blank. */
const cleanCell = (raw: string): string => {
  const t = raw.trim();
  return t.charCodeAt(0) === 39 ? unguard(t) : t;
};

const trimmedOrNull = (raw: string): string | null => {
  const t = cleanCell(raw);
  return t === '' ? null : t;
};

/** `parseValue(raw, type, options)`, specialised by type once per column. */
const converter = (
  type: ValueType,
  options: ValueOptions
): ((raw: string) => Value | null | undefined) => {
  switch (type) {
    case 'string':
      return trimmedOrNull;
    case 'number':
      return (raw) => {
        const t = cleanCell(raw);
        return t === '' ? null : parseNumber(t, options);
      };
    case 'boolean':
      return (raw) => {
        const t = cleanCell(raw);
        return t === '' ? null : parseBoolean(t, true);
      };
    case 'date':
      return (raw) => {
        const t = cleanCell(raw);
        return t === '' ? null : parseDate(t);
      };
  }
};

const typedOutput = (column: ColumnPlan, options: ValueOptions): Output =>
  output(
    { key: column.key, label: column.header, type: column.type },
    column,
    converter(column.type, options)
  );

const stringOutput = (column: ColumnPlan, key: string, label = column.header): Output =>
  output({ key, label, type: 'string' }, column, trimmedOrNull);

/** The E.164 column's definition for a phone column. */
export const e164Def = (header: string): FieldDef => ({
  key: PHONE_E164_KEY,
  label: `${header} (E.164)`,
  type: 'string'
});

const phoneOutputs = (
  column: ColumnPlan,
  defaultCountry: CountryCode | undefined,
  withoutE164: boolean
): Output[] => {
  const clean = (raw: string) => stripSpreadsheetGuard(raw.trim());
  return [
    output(
      { key: PHONE_KEY, label: column.header, type: 'string' },
      column,
      (raw) => clean(raw) || null
    ),
    ...(withoutE164
      ? []
      : [
          output(e164Def(column.header), column, (raw) => {
            const t = clean(raw);
            return t === '' ? null : toE164(t, defaultCountry);
          })
        ])
  ];
};

/**
 * Fills `cells` with one row's outputs; returns whether the row is usable (not rejected before and
 * every cell converted), pushing a rejection per bad cell.
 */
const convertRow = (
  row: readonly string[],
  rowNumber: number,
  outputs: readonly Output[],
  cells: (Value | null)[],
  rejected: RejectedRow[],
  rejectedBefore: boolean
): boolean => {
  let bad = rejectedBefore;
  for (let k = 0; k < outputs.length; k++) {
    const out = outputs[k];
    const raw = row[out.index] ?? '';
    const value = out.convert(raw);
    if (value === undefined) {
      bad = true;
      rejected.push({
        row: rowNumber,
        column: out.source.header,
        value: raw,
        reason: rejectReasons.badValue(out.def.type)
      });
    } else cells[k] = value;
  }
  return !bad;
};

const columnsOf = (outputs: readonly Output[], values: (Value | null)[][]) =>
  outputs.map((out, k) => ({ def: out.def, values: values[k] }));

const emptyColumns = (n: number): (Value | null)[][] => {
  const values: (Value | null)[][] = new Array(n);
  for (let k = 0; k < n; k++) values[k] = [];
  return values;
};

/** The customer key of a row: the lower-cased email, or the external id as written. */
const rowKey = (rawKey: string, byEmail: boolean): string | undefined =>
  byEmail ? emailKey(cleanCell(rawKey)) : stripSpreadsheetGuard(rawKey.trim()) || undefined;

/** A customer mapper for a valid plan of kind `customers`; the plan's issues otherwise. */
export const createCustomerMapper = (
  plan: ImportPlan,
  options: MapOptions = {}
): Result<CustomerMapper> => {
  const issues = validatePlan(plan);
  const key = keyColumn(plan);
  if (issues.length > 0 || !key || plan.kind !== 'customers') return fail(...issues);
  const valueOptions = { decimalComma: plan.decimalComma };
  const outputs: Output[] = [];
  for (const column of plan.columns) {
    if (column.skip || column === (key.role === 'id' ? key : undefined)) continue;
    if (column.role === 'email') outputs.push(stringOutput(column, EMAIL_KEY));
    else if (column.role === 'phone')
      outputs.push(...phoneOutputs(column, options.defaultCountry, options.withoutE164 ?? false));
    else if (column.role === 'attribute') outputs.push(typedOutput(column, valueOptions));
  }
  const byEmail = key.role === 'email';
  const keyIndex = key.index;
  const fieldCount = plan.fieldCount;
  const width = outputs.length;
  const cells: (Value | null)[] = new Array(width).fill(null);
  const mapInto = (
    rows: readonly (readonly string[])[],
    firstRowNumber: number,
    sinks: readonly ValueSink[]
  ) => {
    const ids: string[] = [];
    const rejected: RejectedRow[] = [];
    let blankRows = 0;
    let rejectedRows = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const rowNumber = firstRowNumber + i;
      const shape = screenShape(row, rowNumber, plan, fieldCount, rejected);
      if (shape !== USABLE) {
        if (shape === BLANK) blankRows++;
        else rejectedRows++;
        continue;
      }
      const rawKey = row[keyIndex] ?? '';
      const id = rowKey(rawKey, byEmail);
      if (id === undefined) {
        const reason =
          rawKey.trim() === '' ? rejectReasons.missingId() : rejectReasons.invalidEmail();
        rejected.push({ row: rowNumber, column: key.header, value: rawKey, reason });
      }
      const usable = convertRow(row, rowNumber, outputs, cells, rejected, id === undefined);
      if (!usable || id === undefined) {
        rejectedRows++;
        continue;
      }
      ids.push(id);
      for (let k = 0; k < width; k++) sinks[k].push(cells[k]);
    }
    return { ids, rejected, rejectedRows, blankRows };
  };
  return ok({
    attributes: outputs.map((o) => o.def),
    mapCustomerRows(rows, firstRowNumber) {
      const values = emptyColumns(width);
      const { ids, ...rest } = mapInto(rows, firstRowNumber, values);
      return { batch: { ids, columns: columnsOf(outputs, values) }, ...rest };
    },
    mapCustomerRowsInto: mapInto
  });
};

/** An event mapper for a valid plan of kind `events`; the plan's issues otherwise. */
export const createEventMapper = (
  plan: ImportPlan,
  _options: MapOptions = {}
): Result<EventMapper> => {
  const issues = validatePlan(plan);
  const key = keyColumn(plan);
  const nameColumn = plan.columns.find((c) => c.role === 'event' && !c.skip);
  const timeColumn = plan.columns.find((c) => c.role === 'timestamp' && !c.skip);
  const idColumn = plan.columns.find((c) => c.role === 'eventId' && !c.skip);
  if (issues.length > 0 || !key || !nameColumn || !timeColumn || plan.kind !== 'events')
    return fail(...issues);
  const valueOptions = { decimalComma: plan.decimalComma };
  const outputs: Output[] = [];
  for (const column of plan.columns) {
    if (column.skip || column === key) continue;
    if (column.role === 'property') outputs.push(typedOutput(column, valueOptions));
    else if (column.role === 'email') outputs.push(stringOutput(column, EMAIL_KEY));
  }
  const byEmail = key.role === 'email';
  const keyIndex = key.index;
  const nameIndex = nameColumn.index;
  const timeIndex = timeColumn.index;
  const idIndex = idColumn ? idColumn.index : -1;
  const fieldCount = plan.fieldCount;
  const width = outputs.length;
  const cells: (Value | null)[] = new Array(width).fill(null);
  const fingerprint = fingerprinter(outputs.map((o) => o.def));
  const reject = (
    rejected: RejectedRow[],
    row: readonly string[],
    rowNumber: number,
    column: ColumnPlan,
    reason: string
  ) => {
    rejected.push({ row: rowNumber, column: column.header, value: row[column.index], reason });
  };
  return ok({
    properties: outputs.map((o) => o.def),
    mapEventRows(rows, firstRowNumber) {
      const customerIds: string[] = [];
      const names: string[] = [];
      const timestamps = new Float64Array(rows.length);
      let count = 0;
      const fingerprints: number[] = [];
      const values = emptyColumns(width);
      const rejected: RejectedRow[] = [];
      let blankRows = 0;
      let rejectedRows = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const rowNumber = firstRowNumber + i;
        const shape = screenShape(row, rowNumber, plan, fieldCount, rejected);
        if (shape !== USABLE) {
          if (shape === BLANK) blankRows++;
          else rejectedRows++;
          continue;
        }
        const before = rejected.length;
        const rawKey = row[keyIndex];
        const customer = rowKey(rawKey, byEmail);
        if (customer === undefined)
          reject(
            rejected,
            row,
            rowNumber,
            key,
            rawKey.trim() === '' ? rejectReasons.missingCustomer() : rejectReasons.invalidEmail()
          );
        const name = cleanCell(row[nameIndex]);
        if (name === '') reject(rejected, row, rowNumber, nameColumn, rejectReasons.missingEvent());
        const rawTime = cleanCell(row[timeIndex]);
        const timestamp = rawTime === '' ? undefined : parseTimestamp(rawTime);
        if (timestamp === undefined)
          reject(
            rejected,
            row,
            rowNumber,
            timeColumn,
            rawTime === '' ? rejectReasons.missingTimestamp() : rejectReasons.badTimestamp()
          );
        const usable = convertRow(
          row,
          rowNumber,
          outputs,
          cells,
          rejected,
          rejected.length > before
        );
        if (!usable || customer === undefined || timestamp === undefined) {
          rejectedRows++;
          continue;
        }
        const eventId = idIndex >= 0 ? cleanCell(row[idIndex]) : '';
        customerIds.push(customer);
        names.push(name);
        timestamps[count++] = timestamp;
        for (let k = 0; k < width; k++) values[k].push(cells[k]);
        fingerprints.push(fingerprint(eventId, customer, name, timestamp, cells));
      }
      return {
        batch: {
          customerIds,
          names,
          timestamps: count === rows.length ? timestamps : timestamps.slice(0, count),
          properties: columnsOf(outputs, values)
        },
        fingerprints,
        rejected,
        rejectedRows,
        blankRows
      };
    }
  });
};

export interface FingerprintInput {
  /** When present, the event's identity: re-importing the same `event_id` is idempotent. */
  readonly eventId?: string | null;
  readonly customerId: string;
  readonly name: string;
  readonly timestamp: number;
  readonly properties: readonly (readonly [string, Value | null])[];
}

/** FNV-1a, 32 bits. */
const fnv1a = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
};

/** A multiply-rotate hash independent of FNV (Murmur-style mixing), 32 bits. */
const murmurish = (text: string): number => {
  let h = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** Two independent 32-bit hashes of `text` as one safe integer (53 bits). */
export const hash53 = (text: string): number =>
  (murmurish(text) & 0x1fffff) * 0x100000000 + fnv1a(text);

const SEPARATOR = 0x1f;

/**
 * `hash53` of a text given in pieces, without building it: the text is `pieces[0..count)` joined,
 * with U+001F before piece `i` when `separated[i]` is 1. Both hashes run in one pass.
 */
const hash53Pieces = (pieces: readonly string[], separated: Uint8Array, count: number): number => {
  let length = 0;
  for (let p = 0; p < count; p++) length += pieces[p].length + separated[p];
  let f = 0x811c9dc5;
  let h = 0x9747b28c ^ length;
  for (let p = 0; p < count; p++) {
    if (separated[p] === 1) {
      f = Math.imul(f ^ SEPARATOR, 0x01000193);
      let k = Math.imul(SEPARATOR, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    }
    const text = pieces[p];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      f = Math.imul(f ^ c, 0x01000193);
      let k = Math.imul(c, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) & 0x1fffff) * 0x100000000 + (f >>> 0);
};

/**
 * The identity of an event for deduplication: its `event_id` when present, else customer, lower-cased
 * name, timestamp and the non-missing properties sorted by key.
 */
export const eventFingerprint = (event: FingerprintInput): number => {
  if (event.eventId) return hash53(`id\u001f${event.eventId}`);
  const props = event.properties
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${typeof v}:${String(v)}`)
    .sort();
  return hash53(
    [event.customerId, event.name.toLowerCase(), String(event.timestamp), ...props].join('\u001f')
  );
};

type Fingerprinter = (
  eventId: string,
  customerId: string,
  name: string,
  timestamp: number,
  cells: readonly (Value | null)[]
) => number;

/**
 * `eventFingerprint` for rows of a plan with these property columns (`cells[k]` is `defs[k]`'s
 * value; an empty `eventId` is none), computed without per-row arrays, sorting or joined strings.
 * The sort order of the properties is fixed once: with distinct keys free of `=`, sorting
 * `key=type:value` strings sorts by `key=`. Other plans use `eventFingerprint` itself.
 */
const fingerprinter = (defs: readonly FieldDef[]): Fingerprinter => {
  const keys = defs.map((d) => d.key);
  if (new Set(keys).size !== keys.length || keys.some((k) => k.includes('=')))
    return (eventId, customerId, name, timestamp, cells) =>
      eventFingerprint({
        eventId: eventId === '' ? null : eventId,
        customerId,
        name,
        timestamp,
        properties: defs.map((d, k) => [d.key, cells[k]] as const)
      });
  const order = keys
    .map((key, k) => ({ sortKey: `${key}=`, k }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((o) => o.k);
  const prefixes = keys.map((key) => ({
    string: `${key}=string:`,
    number: `${key}=number:`,
    boolean: `${key}=boolean:`
  }));
  const width = 3 + 2 * keys.length;
  const pieces: string[] = new Array(width).fill('');
  const separated = new Uint8Array(width);
  const idPieces = ['id', ''];
  const idSeparated = Uint8Array.of(0, 1);
  return (eventId, customerId, name, timestamp, cells) => {
    if (eventId !== '') {
      idPieces[1] = eventId;
      return hash53Pieces(idPieces, idSeparated, 2);
    }
    pieces[0] = customerId;
    separated[0] = 0;
    pieces[1] = name.toLowerCase();
    separated[1] = 1;
    pieces[2] = String(timestamp);
    separated[2] = 1;
    let count = 3;
    for (let o = 0; o < order.length; o++) {
      const k = order[o];
      const v = cells[k];
      if (v === null) continue;
      const prefix = prefixes[k];
      pieces[count] =
        typeof v === 'string'
          ? prefix.string
          : typeof v === 'number'
            ? prefix.number
            : prefix.boolean;
      separated[count++] = 1;
      pieces[count] = typeof v === 'string' ? v : String(v);
      separated[count++] = 0;
    }
    return hash53Pieces(pieces, separated, count);
  };
};
