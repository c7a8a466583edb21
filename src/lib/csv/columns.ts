// Planning how a file's columns become data: header → snake_case key, the role of each column (id,
// email, phone, event name, timestamp …), its inferred type, and validation of a plan the user edited.
// A plan is a plain serialisable object: the UI edits it, `validatePlan` checks it, the mappers run it.

import { issue, type Issue } from '$lib/engine/result';
import { EMAIL_KEY, PHONE_E164_KEY, PHONE_KEY, type ValueType } from '$lib/engine/schema';
import { csvMessages } from './messages';
import { inferType, unguard, type ValueOptions } from './values';

export type ImportKind = 'customers' | 'events';

/**
 * What a column is for. Customers: `id` (the external id), `email`, `phone`, `attribute`.
 * Events: `customer` (customer id), `email` (the key when there is no customer id), `event` (name),
 * `timestamp`, `eventId`, `property`.
 */
export type ColumnRole =
  | 'id'
  | 'email'
  | 'phone'
  | 'attribute'
  | 'customer'
  | 'event'
  | 'timestamp'
  | 'eventId'
  | 'property';

export interface ColumnPlan {
  /** Position of the column in each record. */
  readonly index: number;
  /** The original header, kept as the label. */
  readonly header: string;
  readonly key: string;
  readonly type: ValueType;
  readonly role: ColumnRole;
  /** A few distinct non-blank values, to show the user. */
  readonly samples: readonly string[];
  readonly skip: boolean;
}

export interface ImportPlan {
  readonly kind: ImportKind;
  /** Number of fields every record should have. */
  readonly fieldCount: number;
  readonly columns: readonly ColumnPlan[];
  readonly decimalComma: boolean;
}

/** A user's change to a plan. */
export type PlanEdit =
  | { readonly op: 'type'; readonly index: number; readonly type: ValueType }
  | { readonly op: 'key'; readonly index: number; readonly key: string }
  | { readonly op: 'skip'; readonly index: number; readonly skip: boolean }
  | { readonly op: 'role'; readonly index: number; readonly role: ColumnRole };

/** Letters that do not decompose into a base letter and an accent. */
const FOLD: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  Æ: 'Ae',
  Œ: 'Oe',
  Ø: 'O',
  Ł: 'L',
  Đ: 'D'
};

/** `Total Spent` → `total_spent`; accents stripped, punctuation → `_`, leading digit prefixed. */
export const normalizeHeader = (header: string): string => {
  const key = header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæœøłđÆŒØŁĐ]/g, (c) => FOLD[c] ?? c)
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (key === '') return 'column';
  return /^\d/.test(key) ? `col_${key}` : key;
};

/** Makes keys unique in order: the second `name` becomes `name_2`, and so on. */
export const dedupeKeys = (keys: readonly string[], reserved: readonly string[] = []): string[] => {
  const used = new Set(reserved);
  return keys.map((key) => {
    let candidate = key;
    for (let n = 2; used.has(candidate); n++) candidate = `${key}_${n}`;
    used.add(candidate);
    return candidate;
  });
};

const ID_KEYS = [
  'id',
  'customer_id',
  'customerid',
  'client_id',
  'user_id',
  'contact_id',
  'external_id'
];
const EMAIL_KEYS = [
  'email',
  'e_mail',
  'email_address',
  'customer_email',
  'user_email',
  'billing_email'
];
const PHONE_KEYS = ['phone', 'phone_number', 'mobile', 'mobile_phone', 'telephone', 'tel', 'cell'];
const EVENT_CUSTOMER_KEYS = [
  'customer_id',
  'customerid',
  'customer',
  'user_id',
  'client_id',
  'contact_id'
];
const EVENT_NAME_KEYS = ['event', 'name', 'event_name', 'event_type', 'type', 'action'];
const TIMESTAMP_KEYS = [
  'timestamp',
  'time',
  'created_at',
  'occurred_at',
  'event_time',
  'datetime',
  'date',
  'ts',
  'sent_at'
];
const EVENT_ID_KEYS = ['event_id', 'eventid', 'message_id', 'id', 'uuid'];
/** Columns whose digits are not quantities: always strings. */
const STRING_LIKE = /(^|_)(phone|mobile|tel|zip|postal|postcode|postal_code|id)(_|$)/;

const ROLE_KEY: Partial<Record<ColumnRole, string>> = { email: EMAIL_KEY, phone: PHONE_KEY };

const findRole = (keys: readonly string[], wanted: readonly string[], taken: Set<number>) => {
  for (const w of wanted) {
    const i = keys.indexOf(w);
    if (i >= 0 && !taken.has(i)) {
      taken.add(i);
      return i;
    }
  }
  return -1;
};

const samplesOf = (cells: readonly string[]): string[] => {
  const out: string[] = [];
  for (const cell of cells) {
    const t = unguard(cell.trim());
    if (t !== '' && !out.includes(t)) out.push(t);
    if (out.length === 5) break;
  }
  return out;
};

/**
 * A plan for `headers`, with types inferred from `sampleRows` (blank cells ignored) and roles
 * recognised by header name. The user may then edit it (`editPlan`); check it with `validatePlan`.
 */
export const planColumns = (
  headers: readonly string[],
  sampleRows: readonly (readonly string[])[],
  kind: ImportKind,
  options: ValueOptions = {}
): ImportPlan => {
  const normalized = headers.map(normalizeHeader);
  const roles = new Map<number, ColumnRole>();
  const taken = new Set<number>();
  const assign = (role: ColumnRole, wanted: readonly string[]) => {
    const i = findRole(normalized, wanted, taken);
    if (i >= 0) roles.set(i, role);
  };
  if (kind === 'customers') {
    assign('id', ID_KEYS);
    assign('email', EMAIL_KEYS);
    assign('phone', PHONE_KEYS);
  } else {
    assign('customer', EVENT_CUSTOMER_KEYS);
    assign('email', EMAIL_KEYS);
    assign('event', EVENT_NAME_KEYS);
    assign('timestamp', TIMESTAMP_KEYS);
    assign('eventId', EVENT_ID_KEYS);
  }
  const other: ColumnRole = kind === 'customers' ? 'attribute' : 'property';
  const reserved = kind === 'customers' ? [EMAIL_KEY, PHONE_KEY, PHONE_E164_KEY] : [];
  const free = normalized.map((key, i) => (roles.has(i) ? '' : key));
  const keys = dedupeKeys(
    free.filter((k) => k !== ''),
    reserved
  );
  let next = 0;
  const columns = headers.map((header, index): ColumnPlan => {
    const role = roles.get(index) ?? other;
    const cells = sampleRows.map((row) => row[index] ?? '');
    const key = roles.has(index) ? (ROLE_KEY[role] ?? normalized[index]) : keys[next++];
    return {
      index,
      header,
      key,
      type: typeForRole(role, key, cells, options),
      role,
      samples: samplesOf(cells),
      skip: false
    };
  });
  return { kind, fieldCount: headers.length, columns, decimalComma: options.decimalComma ?? false };
};

const typeForRole = (
  role: ColumnRole,
  key: string,
  cells: readonly string[],
  options: ValueOptions
): ValueType => {
  if (role === 'timestamp') return 'date';
  if (role !== 'attribute' && role !== 'property') return 'string';
  if (STRING_LIKE.test(key)) return 'string';
  return inferType(cells, options);
};

const SINGLE_ROLES: readonly ColumnRole[] = [
  'id',
  'email',
  'phone',
  'customer',
  'event',
  'timestamp',
  'eventId'
];

/**
 * Applies one edit and returns a new plan. Giving a column a single-use role (`id`, `email`, …) takes
 * that role from the column that had it. The result may be invalid: run `validatePlan`.
 */
export const editPlan = (plan: ImportPlan, edit: PlanEdit): ImportPlan => {
  const other: ColumnRole = plan.kind === 'customers' ? 'attribute' : 'property';
  const columns = plan.columns.map((column): ColumnPlan => {
    if (column.index !== edit.index) {
      if (edit.op === 'role' && SINGLE_ROLES.includes(edit.role) && column.role === edit.role)
        return { ...column, role: other, key: normalizeHeader(column.header) };
      return column;
    }
    switch (edit.op) {
      case 'type':
        return { ...column, type: edit.type };
      case 'key':
        return { ...column, key: edit.key.trim() };
      case 'skip':
        return { ...column, skip: edit.skip };
      case 'role': {
        const key = ROLE_KEY[edit.role] ?? normalizeHeader(column.header);
        const type: ValueType =
          edit.role === 'timestamp'
            ? 'date'
            : edit.role === 'attribute' || edit.role === 'property'
              ? column.type
              : 'string';
        return { ...column, role: edit.role, key, type, skip: false };
      }
    }
  });
  return { ...plan, columns };
};

/** The column whose value identifies the customer: the id (customer id for events), else the email. */
export const keyColumn = (plan: ImportPlan): ColumnPlan | undefined => {
  const idRole: ColumnRole = plan.kind === 'customers' ? 'id' : 'customer';
  return (
    plan.columns.find((c) => c.role === idRole && !c.skip) ??
    plan.columns.find((c) => c.role === 'email' && !c.skip)
  );
};

const KEY_FORMAT = /^[a-z_][a-z0-9_]*$/;

/** Everything that stops a plan from being run: no id column, duplicate or malformed keys, … */
export const validatePlan = (plan: ImportPlan): Issue[] => {
  const issues: Issue[] = [];
  if (!keyColumn(plan)) {
    const skipped = plan.columns.some(
      (c) => c.skip && (c.role === 'id' || c.role === 'customer' || c.role === 'email')
    );
    issues.push(
      skipped
        ? issue('key-skipped', csvMessages.keySkipped())
        : issue('no-id-column', csvMessages.noIdColumn(plan.kind))
    );
  }
  if (plan.kind === 'events') {
    if (!plan.columns.some((c) => c.role === 'event' && !c.skip))
      issues.push(issue('no-event-column', csvMessages.noEventColumn()));
    if (!plan.columns.some((c) => c.role === 'timestamp' && !c.skip))
      issues.push(issue('no-timestamp-column', csvMessages.noTimestampColumn()));
  }
  const stored = plan.columns.filter(
    (c) => !c.skip && (c.role === 'attribute' || c.role === 'property')
  );
  const reserved = new Set(plan.kind === 'customers' ? [EMAIL_KEY, PHONE_KEY, PHONE_E164_KEY] : []);
  const seen = new Set<string>();
  for (const column of stored) {
    if (!KEY_FORMAT.test(column.key)) issues.push(issue('bad-key', csvMessages.badKey(column.key)));
    else if (reserved.has(column.key))
      issues.push(issue('reserved-key', csvMessages.reservedKey(column.key)));
    else if (seen.has(column.key))
      issues.push(issue('duplicate-key', csvMessages.duplicateKey(column.key)));
    seen.add(column.key);
  }
  plan.columns.forEach((c, i) => {
    if (c.index !== i || c.index >= plan.fieldCount)
      issues.push(issue('bad-column-index', csvMessages.badColumnIndex(c.index)));
  });
  return issues;
};
