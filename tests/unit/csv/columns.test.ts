import { describe, expect, it } from 'vitest';
import {
  dedupeKeys,
  editPlan,
  keyColumn,
  normalizeHeader,
  planColumns,
  validatePlan
} from '$lib/csv/columns';
import { sniffFixture } from './helpers';

const planFor = (name: string, kind: 'customers' | 'events') => {
  const s = sniffFixture(name);
  return planColumns(s.headers, s.sampleRows, kind, { decimalComma: s.decimalComma });
};
const col = (plan: ReturnType<typeof planFor>, header: string) =>
  plan.columns.find((c) => c.header === header);

describe('normalizeHeader', () => {
  it.each([
    ['Total Spent', 'total_spent'],
    ['  E-Mail  ', 'e_mail'],
    ['Customer ID', 'customer_id'],
    ['CustomerID', 'customer_id'],
    ['totalSpent', 'total_spent'],
    ['Prénom', 'prenom'],
    ['Größe (cm)', 'grosse_cm'],
    ['Country / Region', 'country_region'],
    ['__a--b__', 'a_b'],
    ['2nd Address', 'col_2nd_address'],
    ['!!!', 'column'],
    ['', 'column']
  ])('%j → %s', (header, key) => expect(normalizeHeader(header)).toBe(key));

  it('dedupes keys with _2, _3', () => {
    expect(dedupeKeys(['a', 'a', 'b', 'a'])).toEqual(['a', 'a_2', 'b', 'a_3']);
    expect(dedupeKeys(['email'], ['email'])).toEqual(['email_2']);
  });
});

describe('planColumns: customers', () => {
  it('recognises id, email and phone, infers types and keeps samples', () => {
    const plan = planFor('customers.csv', 'customers');
    expect(plan.columns.map((c) => [c.key, c.role, c.type])).toEqual([
      ['id', 'id', 'string'],
      ['email', 'email', 'string'],
      ['phone', 'phone', 'string'],
      ['name', 'attribute', 'string'],
      ['city', 'attribute', 'string'],
      ['signup_date', 'attribute', 'date'],
      ['total_spent', 'attribute', 'number'],
      ['total_orders', 'attribute', 'number'],
      ['vip', 'attribute', 'boolean']
    ]);
    expect(col(plan, 'name')?.samples).toEqual([
      'Ana Silva',
      'Ben Okafor',
      'Chloé Martin',
      'Dev Patel'
    ]);
    expect(validatePlan(plan)).toEqual([]);
    expect(keyColumn(plan)?.header).toBe('id');
  });

  it('uses the email as key when there is no id column (Shopify)', () => {
    const plan = planFor('shopify-customers.csv', 'customers');
    expect(keyColumn(plan)?.role).toBe('email');
    expect(col(plan, 'Accepts Marketing')).toMatchObject({
      key: 'accepts_marketing',
      type: 'boolean'
    });
    expect(col(plan, 'Total Spent')).toMatchObject({ key: 'total_spent', type: 'number' });
    expect(col(plan, 'Zip')?.type).toBe('string');
    expect(validatePlan(plan)).toEqual([]);
  });

  it('reads the current Shopify layout (Customer ID) and WooCommerce customers', () => {
    const shopify = planFor('shopify-customers-2024.csv', 'customers');
    expect(keyColumn(shopify)?.header).toBe('Customer ID');
    expect(col(shopify, 'Accepts Email Marketing')?.type).toBe('boolean');
    expect(col(shopify, 'Default Address Phone')?.type).toBe('string');
    const woo = planFor('woocommerce-customers.csv', 'customers');
    expect(keyColumn(woo)?.header).toBe('Email');
    expect(col(woo, 'Total Spend')?.type).toBe('number');
    expect(col(woo, 'Date Registered')?.type).toBe('date');
    expect(col(woo, 'Postal Code')?.type).toBe('string');
  });

  it('reads a ;-file with decimal commas', () => {
    const plan = planFor('semicolon.csv', 'customers');
    expect(plan.decimalComma).toBe(true);
    expect(col(plan, 'E-Mail')?.role).toBe('email');
    expect(col(plan, 'Umsatz')?.type).toBe('number');
  });
});

describe('planColumns: events', () => {
  it('recognises customer, event, timestamp and event_id; the rest are properties', () => {
    const plan = planFor('events.csv', 'events');
    expect(plan.columns.map((c) => [c.key, c.role, c.type])).toEqual([
      ['event_id', 'eventId', 'string'],
      ['customer_id', 'customer', 'string'],
      ['event', 'event', 'string'],
      ['timestamp', 'timestamp', 'date'],
      ['amount', 'property', 'number'],
      ['category', 'property', 'string']
    ]);
    expect(validatePlan(plan)).toEqual([]);
  });

  it('accepts name/time and email as key', () => {
    const plan = planColumns(
      ['email', 'name', 'created_at'],
      [['a@x.io', 'Login', '2026-01-01']],
      'events'
    );
    expect(plan.columns.map((c) => c.role)).toEqual(['email', 'event', 'timestamp']);
    expect(validatePlan(plan)).toEqual([]);
  });
});

describe('editing and validating a plan', () => {
  const base = planColumns(
    ['ref', 'mail', 'Total', 'total'],
    [['7', 'a@x.io', '1', '2']],
    'customers'
  );
  const codes = (plan: typeof base) => validatePlan(plan).map((i) => i.code);

  it('asks for an id column when none is recognised', () => {
    expect(codes(base)).toContain('no-id-column');
    const fixed = editPlan(base, { op: 'role', index: 0, role: 'id' });
    expect(keyColumn(fixed)?.header).toBe('ref');
    expect(codes(fixed)).toEqual([]);
    expect(JSON.parse(JSON.stringify(fixed))).toEqual(fixed);
  });

  it('moves a single-use role from one column to another', () => {
    const a = editPlan(base, { op: 'role', index: 0, role: 'id' });
    const b = editPlan(a, { op: 'role', index: 1, role: 'id' });
    expect(b.columns.filter((c) => c.role === 'id').map((c) => c.header)).toEqual(['mail']);
    expect(b.columns[0]).toMatchObject({ role: 'attribute', key: 'ref' });
  });

  it('reports duplicate, malformed and reserved keys and a skipped id', () => {
    const withId = editPlan(base, { op: 'role', index: 0, role: 'id' });
    expect(withId.columns.map((c) => c.key)).toEqual(['ref', 'mail', 'total', 'total_2']);
    const dup = editPlan(withId, { op: 'key', index: 3, key: 'total' });
    expect(codes(dup)).toEqual(['duplicate-key']);
    expect(codes(editPlan(dup, { op: 'skip', index: 3, skip: true }))).toEqual([]);
    expect(codes(editPlan(withId, { op: 'key', index: 1, key: 'Mail Box' }))).toEqual(['bad-key']);
    expect(codes(editPlan(withId, { op: 'key', index: 1, key: 'phone_e164' }))).toEqual([
      'reserved-key'
    ]);
    expect(codes(editPlan(withId, { op: 'skip', index: 0, skip: true }))).toEqual(['key-skipped']);
  });

  it('lets the user change a type', () => {
    const p = editPlan(base, { op: 'type', index: 2, type: 'string' });
    expect(p.columns[2].type).toBe('string');
    expect(base.columns[2].type).toBe('number');
  });

  it('requires event and timestamp columns for events', () => {
    const plan = planColumns(['customer_id', 'what'], [['1', 'x']], 'events');
    expect(validatePlan(plan).map((i) => i.code)).toEqual([
      'no-event-column',
      'no-timestamp-column'
    ]);
  });
});
