// The mapper as it was before the fast paths (commit 2612243), kept as the reference the tests compare
// the optimised mapper with. Not used by the app.

// Running a (possibly user-edited) column plan over chunks of records: typed customer and event
// batches for storage, the rows that cannot be used (with row number, column and reason), the E.164
// phone, and a fingerprint per event for deduplication.

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { fail, ok, type Result } from '$lib/engine/result';
import {
  EMAIL_KEY,
  PHONE_E164_KEY,
  PHONE_KEY,
  type CustomerBatch,
  type EventBatch,
  type FieldDef,
  type Value
} from '$lib/engine/schema';
import { keyColumn, validatePlan, type ColumnPlan, type ImportPlan } from '$lib/csv/columns';
import { rejectReasons } from '$lib/csv/messages';
import type { RejectedRow } from '$lib/csv/report';
import {
  parseTimestamp,
  parseValue,
  stripSpreadsheetGuard,
  unguard,
  type ValueOptions
} from './reference-values';

export interface MapOptions {
  /** Country assumed for phones written without an international prefix. */
  readonly defaultCountry?: CountryCode;
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

export interface CustomerMapper {
  readonly attributes: readonly FieldDef[];
  mapCustomerRows(rows: readonly (readonly string[])[], firstRowNumber: number): MappedCustomers;
}

export interface EventMapper {
  readonly properties: readonly FieldDef[];
  mapEventRows(rows: readonly (readonly string[])[], firstRowNumber: number): MappedEvents;
}

/** E.164 (`+919812345678`) for a phone as written, or null when it cannot be a phone number. */
export const toE164 = (phone: string, defaultCountry?: CountryCode): string | null => {
  try {
    const parsed = parsePhoneNumberFromString(phone, defaultCountry ? { defaultCountry } : {});
    return parsed && parsed.isPossible() ? parsed.number : null;
  } catch {
    return null;
  }
};

/** A key email: trimmed and lower-cased; undefined when it is not an address. */
export const emailKey = (raw: string): string | undefined => {
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(email) ? email : undefined;
};

const isBlank = (row: readonly string[]): boolean => row.every((cell) => cell.trim() === '');

/** A shape problem of a record, or undefined. Extra fields that are all blank are tolerated. */
const shapeProblem = (
  row: readonly string[],
  rowNumber: number,
  plan: ImportPlan
): RejectedRow | undefined => {
  const expected = plan.fieldCount;
  if (row.length === expected) return undefined;
  if (row.length > expected && row.slice(expected).every((c) => c.trim() === '')) return undefined;
  const reason = rejectReasons.fieldCount(expected, row.length);
  if (row.length < expected)
    return { row: rowNumber, column: plan.columns[row.length]?.header ?? '', value: '', reason };
  return { row: rowNumber, column: '', value: row.slice(expected).join(' | '), reason };
};

/** Output column: where it comes from and how a cell becomes a value. */
interface Output {
  readonly def: FieldDef;
  readonly source: ColumnPlan;
  readonly convert: (raw: string) => Value | null | undefined;
}

const typedOutput = (column: ColumnPlan, options: ValueOptions): Output => ({
  def: { key: column.key, label: column.header, type: column.type },
  source: column,
  convert: (raw) => parseValue(raw, column.type, options)
});

const stringOutput = (column: ColumnPlan, key: string, label = column.header): Output => ({
  def: { key, label, type: 'string' },
  source: column,
  convert: (raw) => {
    const t = unguard(raw.trim());
    return t === '' ? null : t;
  }
});

const phoneOutputs = (column: ColumnPlan, defaultCountry?: CountryCode): Output[] => {
  const clean = (raw: string) => stripSpreadsheetGuard(raw.trim());
  return [
    {
      def: { key: PHONE_KEY, label: column.header, type: 'string' },
      source: column,
      convert: (raw) => clean(raw) || null
    },
    {
      def: { key: PHONE_E164_KEY, label: `${column.header} (E.164)`, type: 'string' },
      source: column,
      convert: (raw) => {
        const t = clean(raw);
        return t === '' ? null : toE164(t, defaultCountry);
      }
    }
  ];
};

/** Fills one row's outputs; returns the cells or pushes rejections and returns undefined. */
const convertRow = (
  row: readonly string[],
  rowNumber: number,
  outputs: readonly Output[],
  rejected: RejectedRow[],
  rejectedBefore: boolean
): (Value | null)[] | undefined => {
  const cells: (Value | null)[] = new Array(outputs.length);
  let bad = rejectedBefore;
  for (let k = 0; k < outputs.length; k++) {
    const out = outputs[k];
    const raw = row[out.source.index] ?? '';
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
  return bad ? undefined : cells;
};

const columnsOf = (outputs: readonly Output[], values: (Value | null)[][]) =>
  outputs.map((out, k) => ({ def: out.def, values: values[k] }));

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
    else if (column.role === 'phone') outputs.push(...phoneOutputs(column, options.defaultCountry));
    else if (column.role === 'attribute') outputs.push(typedOutput(column, valueOptions));
  }
  const byEmail = key.role === 'email';
  return ok({
    attributes: outputs.map((o) => o.def),
    mapCustomerRows(rows, firstRowNumber) {
      const ids: string[] = [];
      const values: (Value | null)[][] = outputs.map(() => []);
      const rejected: RejectedRow[] = [];
      let blankRows = 0;
      let rejectedRows = 0;
      rows.forEach((row, i) => {
        const rowNumber = firstRowNumber + i;
        if (isBlank(row)) {
          blankRows++;
          return;
        }
        const shape = shapeProblem(row, rowNumber, plan);
        if (shape) {
          rejected.push(shape);
          rejectedRows++;
          return;
        }
        const rawKey = row[key.index] ?? '';
        let id: string | undefined = byEmail
          ? emailKey(unguard(rawKey.trim()))
          : stripSpreadsheetGuard(rawKey.trim()) || undefined;
        if (id === undefined) {
          const reason =
            rawKey.trim() === '' ? rejectReasons.missingId() : rejectReasons.invalidEmail();
          rejected.push({ row: rowNumber, column: key.header, value: rawKey, reason });
        }
        const cells = convertRow(row, rowNumber, outputs, rejected, id === undefined);
        if (!cells || id === undefined) {
          rejectedRows++;
          id = undefined;
          return;
        }
        ids.push(id);
        for (let k = 0; k < cells.length; k++) values[k].push(cells[k]);
      });
      return {
        batch: { ids, columns: columnsOf(outputs, values) },
        rejected,
        rejectedRows,
        blankRows
      };
    }
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
  return ok({
    properties: outputs.map((o) => o.def),
    mapEventRows(rows, firstRowNumber) {
      const customerIds: string[] = [];
      const names: string[] = [];
      const timestamps: number[] = [];
      const fingerprints: number[] = [];
      const values: (Value | null)[][] = outputs.map(() => []);
      const rejected: RejectedRow[] = [];
      let blankRows = 0;
      let rejectedRows = 0;
      rows.forEach((row, i) => {
        const rowNumber = firstRowNumber + i;
        if (isBlank(row)) {
          blankRows++;
          return;
        }
        const shape = shapeProblem(row, rowNumber, plan);
        if (shape) {
          rejected.push(shape);
          rejectedRows++;
          return;
        }
        const before = rejected.length;
        const reject = (column: ColumnPlan, reason: string) =>
          rejected.push({
            row: rowNumber,
            column: column.header,
            value: row[column.index],
            reason
          });
        const rawKey = row[key.index];
        const customer = byEmail
          ? emailKey(unguard(rawKey.trim()))
          : stripSpreadsheetGuard(rawKey.trim()) || undefined;
        if (customer === undefined)
          reject(
            key,
            rawKey.trim() === '' ? rejectReasons.missingCustomer() : rejectReasons.invalidEmail()
          );
        const name = unguard(row[nameColumn.index].trim());
        if (name === '') reject(nameColumn, rejectReasons.missingEvent());
        const rawTime = unguard(row[timeColumn.index].trim());
        const timestamp = rawTime === '' ? undefined : parseTimestamp(rawTime);
        if (timestamp === undefined)
          reject(
            timeColumn,
            rawTime === '' ? rejectReasons.missingTimestamp() : rejectReasons.badTimestamp()
          );
        const cells = convertRow(row, rowNumber, outputs, rejected, rejected.length > before);
        if (!cells || customer === undefined || timestamp === undefined) {
          rejectedRows++;
          return;
        }
        const eventId = idColumn ? unguard(row[idColumn.index].trim()) : '';
        customerIds.push(customer);
        names.push(name);
        timestamps.push(timestamp);
        for (let k = 0; k < cells.length; k++) values[k].push(cells[k]);
        fingerprints.push(
          eventFingerprint({
            eventId: eventId === '' ? null : eventId,
            customerId: customer,
            name,
            timestamp,
            properties: outputs.map((o, k) => [o.def.key, cells[k]] as const)
          })
        );
      });
      return {
        batch: {
          customerIds,
          names,
          timestamps: Float64Array.from(timestamps),
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
