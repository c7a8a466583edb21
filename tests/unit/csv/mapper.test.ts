import { describe, expect, it } from 'vitest';
import { editPlan, planColumns, type ImportPlan } from '$lib/csv/columns';
import {
  createCustomerMapper,
  createEventMapper,
  eventFingerprint,
  hash53,
  toE164,
  type CustomerMapper,
  type EventMapper
} from '$lib/csv/mapper';
import { decode } from '$lib/csv/sniff';
import type { CustomerBatch } from '$lib/engine/schema';
import { fixtureBytes, parseAll, sniffFixture } from './helpers';

const customerMapper = (plan: ImportPlan, defaultCountry: 'IN' | 'US' = 'IN'): CustomerMapper => {
  const m = createCustomerMapper(plan, { defaultCountry });
  if (!m.ok) throw new Error(m.issues.map((i) => i.code).join());
  return m.value;
};
const eventMapper = (plan: ImportPlan): EventMapper => {
  const m = createEventMapper(plan);
  if (!m.ok) throw new Error(m.issues.map((i) => i.code).join());
  return m.value;
};
const column = (batch: CustomerBatch, key: string) =>
  batch.columns.find((c) => c.def.key === key)?.values;

const load = async (name: string, kind: 'customers' | 'events') => {
  const s = sniffFixture(name);
  const plan = planColumns(s.headers, s.sampleRows, kind, { decimalComma: s.decimalComma });
  const { rows } = await parseAll(decode(fixtureBytes(name), s.encoding), s);
  return { plan, rows };
};

describe('mapCustomerRows', () => {
  it('maps a clean file: ids as strings, typed attributes, E.164 phones, blanks missing', async () => {
    const { plan, rows } = await load('customers.csv', 'customers');
    const { batch, rejected } = customerMapper(plan).mapCustomerRows(rows, 2);
    expect(rejected).toEqual([]);
    expect(batch.ids).toEqual(['1001', '1002', '1003', '1004']);
    expect(column(batch, 'total_spent')).toEqual([1299.5, 0, 89.9, 4520]);
    expect(column(batch, 'vip')).toEqual([true, false, false, true]);
    expect(column(batch, 'signup_date')?.[3]).toBe(Date.UTC(2025, 5, 1, 9, 30));
    expect(column(batch, 'phone')).toEqual([
      '+919812345678',
      '+14155550123',
      null,
      '+447700900123'
    ]);
    expect(column(batch, 'phone_e164')).toEqual([
      '+919812345678',
      '+14155550123',
      null,
      '+447700900123'
    ]);
    expect(batch.columns.find((c) => c.def.key === 'total_spent')?.def.label).toBe('total_spent');
  });

  it('keys a Shopify export by lower-cased email and reads yes/no and money', async () => {
    const { plan, rows } = await load('shopify-customers.csv', 'customers');
    const { batch, rejected } = customerMapper(plan, 'US').mapCustomerRows(rows, 2);
    expect(rejected).toEqual([]);
    expect(batch.ids).toEqual(['ana.silva@example.com', 'ben@example.com', 'chloe@example.com']);
    expect(column(batch, 'email')?.[0]).toBe('Ana.Silva@Example.com');
    expect(column(batch, 'accepts_marketing')).toEqual([true, false, true]);
    expect(column(batch, 'total_spent')).toEqual([1299, 0, 89.9]);
    expect(column(batch, 'zip')).toEqual(["'01100", '94105', "'75008"]);
    expect(column(batch, 'phone_e164')).toEqual(['+351912345678', '+14155550123', null]);
    expect(column(batch, 'tags')?.[0]).toBe('vip, newsletter');
  });

  it('strips the spreadsheet guard from Shopify customer ids', async () => {
    const { plan, rows } = await load('shopify-customers-2024.csv', 'customers');
    const { batch } = customerMapper(plan).mapCustomerRows(rows, 2);
    expect(batch.ids).toEqual(['7412345678901', '7412345678902']);
  });

  it('reads decimal commas in a ;-file', async () => {
    const { plan, rows } = await load('semicolon.csv', 'customers');
    const fixed = editPlan(plan, { op: 'role', index: 0, role: 'id' });
    const { batch } = customerMapper(fixed).mapCustomerRows(rows, 2);
    expect(column(batch, 'umsatz')).toEqual([1299.5, 12, 0.5]);
  });

  it('rejects bad rows with row number, column and reason, and keeps the good ones', async () => {
    const { plan, rows } = await load('messy-customers.csv', 'customers');
    const typed = [
      { index: 3, type: 'number' },
      { index: 4, type: 'boolean' },
      { index: 5, type: 'date' },
      { index: 6, type: 'number' }
    ].reduce((p, e) => editPlan(p, { op: 'type', index: e.index, type: e.type as 'number' }), plan);
    expect(typed.columns.map((c) => c.type)).toEqual([
      'string',
      'string',
      'string',
      'number',
      'boolean',
      'date',
      'number',
      'string'
    ]);
    const { batch, rejected, rejectedRows } = customerMapper(typed).mapCustomerRows(rows, 2);
    expect(batch.ids).toEqual(['42', '43', '44']);
    expect(column(batch, 'email')).toEqual(['MIXED@Example.COM', 'b@example.com', 'c@example.com']);
    expect(column(batch, 'total_spent')).toEqual([1299, 1299, -3.5]);
    expect(column(batch, 'accepts_marketing')).toEqual([true, false, true]);
    expect(column(batch, 'signup_date')).toEqual([
      Date.UTC(2024, 0, 15),
      Date.UTC(2024, 0, 16, 10),
      Date.UTC(2024, 0, 17, 2, 30)
    ]);
    expect(column(batch, 'zip')).toEqual(['02134', '10001', null]);
    expect(column(batch, 'phone_e164')).toEqual(['+919812345678', '+919812345679', null]);
    expect(rejectedRows).toBe(4);
    expect(rejected).toEqual([
      { row: 5, column: 'Customer ID', value: '', reason: 'missing id' },
      { row: 6, column: 'Total Spent', value: 'lots', reason: 'not a number' },
      { row: 7, column: 'Accepts Marketing', value: 'maybe', reason: 'not a boolean' },
      { row: 7, column: 'Signup Date', value: 'yesterday', reason: 'not a date' },
      { row: 8, column: 'Signup Date', value: '2024-02-30', reason: 'not a date' },
      { row: 8, column: 'Orders', value: 'x', reason: 'not a number' }
    ]);
  });

  it('rejects ragged rows, tolerates blank extra fields, ignores blank lines', async () => {
    const { plan, rows } = await load('ragged.csv', 'customers');
    const result = customerMapper(plan).mapCustomerRows(rows, 2);
    expect(result.batch.ids).toEqual(['1', '4', '5']);
    expect(result.rejected).toEqual([
      { row: 3, column: 'city', value: '', reason: 'wrong number of fields: expected 3, found 2' },
      { row: 4, column: '', value: 'extra', reason: 'wrong number of fields: expected 3, found 4' }
    ]);
    const blank = await load('blank-lines.csv', 'customers');
    const mapped = customerMapper(blank.plan).mapCustomerRows(blank.rows, 2);
    expect(mapped.batch.ids).toEqual(['1', '2', '3']);
    expect(mapped.blankRows).toBe(6);
    expect(mapped.rejected).toEqual([]);
  });

  it('refuses an invalid plan', () => {
    const plan = planColumns(['a'], [['1']], 'customers');
    const m = createCustomerMapper(plan);
    expect(!m.ok && m.issues[0].code).toBe('no-id-column');
  });

  it('rejects a key email that is not an address', () => {
    const plan = planColumns(['email', 'name'], [['a@x.io', 'A']], 'customers');
    const { rejected } = customerMapper(plan).mapCustomerRows([['not-an-email', 'B']], 2);
    expect(rejected[0]).toMatchObject({ row: 2, column: 'email', reason: 'not an email address' });
  });
});

describe('mapEventRows', () => {
  it('maps events with ISO, zoned, epoch-second and epoch-ms timestamps', async () => {
    const { plan, rows } = await load('events.csv', 'events');
    const { batch, fingerprints, rejected } = eventMapper(plan).mapEventRows(rows, 2);
    expect(rejected).toEqual([]);
    expect(batch.customerIds).toEqual(['1001', '1001', '1002', '1003', '2000']);
    expect(batch.names[1]).toBe('Viewed Product');
    expect(Array.from(batch.timestamps)).toEqual([
      Date.UTC(2026, 3, 5, 21, 6, 21, 123),
      Date.UTC(2026, 3, 5, 20),
      1775423181000,
      1775423181000,
      Date.UTC(2026, 3, 6, 8)
    ]);
    expect(batch.properties.map((p) => p.def.key)).toEqual(['amount', 'category']);
    expect(batch.properties[0].values).toEqual([49.99, null, null, 12.5, null]);
    expect(new Set(fingerprints).size).toBe(5);
    expect(fingerprints[0]).toBe(
      eventFingerprint({ eventId: 'e1', customerId: 'x', name: 'y', timestamp: 0, properties: [] })
    );
  });

  it('rejects missing customer, missing or bad timestamps and bad property values', () => {
    const plan = planColumns(
      ['customer_id', 'event', 'timestamp', 'amount'],
      [['1', 'Purchased', '2026-01-01', '5']],
      'events'
    );
    const rows = [
      ['', 'Purchased', '2026-01-01', '1'],
      ['1', 'Purchased', 'last tuesday', '1'],
      ['1', 'Purchased', '', '1'],
      ['1', '', '2026-01-01', '1'],
      ['1', 'Purchased', '2026-01-01', 'ten'],
      ['1', 'Purchased', '2026-01-02', '10']
    ];
    const { batch, rejected, rejectedRows } = eventMapper(plan).mapEventRows(rows, 10);
    expect(batch.customerIds).toEqual(['1']);
    expect(rejectedRows).toBe(5);
    expect(rejected.map((r) => [r.row, r.column, r.reason])).toEqual([
      [10, 'customer_id', 'missing customer id or email'],
      [11, 'timestamp', 'unparseable timestamp'],
      [12, 'timestamp', 'missing timestamp'],
      [13, 'event', 'missing event name'],
      [14, 'amount', 'not a number']
    ]);
  });
});

describe('eventFingerprint', () => {
  const base = {
    customerId: '1',
    name: 'Purchased',
    timestamp: 1000,
    properties: [
      ['amount', 5],
      ['category', 'shoes']
    ] as const
  };
  it('is stable, order-insensitive for properties, case-insensitive for the name', () => {
    const a = eventFingerprint(base);
    expect(eventFingerprint({ ...base, name: 'purchased' })).toBe(a);
    expect(eventFingerprint({ ...base, properties: [...base.properties].reverse() })).toBe(a);
    expect(eventFingerprint({ ...base, properties: [...base.properties, ['note', null]] })).toBe(a);
    expect(eventFingerprint({ ...base, timestamp: 1001 })).not.toBe(a);
    expect(
      eventFingerprint({
        ...base,
        properties: [
          ['amount', '5'],
          ['category', 'shoes']
        ]
      })
    ).not.toBe(a);
    expect(Number.isSafeInteger(a)).toBe(true);
  });
  it('uses the event_id when there is one', () => {
    expect(eventFingerprint({ ...base, eventId: 'abc' })).toBe(
      eventFingerprint({ ...base, timestamp: 5, eventId: 'abc' })
    );
  });
  it('spreads over 53 bits without collisions on 100k inputs', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(hash53(`event-${i}`));
    expect(seen.size).toBe(100_000);
    expect(Math.max(...seen)).toBeGreaterThan(2 ** 52);
  });
});

describe('toE164', () => {
  it('normalises with a default country and refuses junk', () => {
    expect(toE164('98123 45678', 'IN')).toBe('+919812345678');
    expect(toE164('(415) 555-0123', 'US')).toBe('+14155550123');
    expect(toE164('+44 7700 900123')).toBe('+447700900123');
    expect(toE164('not a phone', 'US')).toBeNull();
    expect(toE164('12', 'US')).toBeNull();
  });
});
