// The fast paths (hand-written parsers, the mapper's streaming fingerprint) must agree with the
// general paths they short-cut, on valid and invalid inputs alike.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseDate,
  parseDateSlow,
  parseNumber,
  parseNumberSlow,
  parseTimestamp,
  parseTimestampSlow
} from '$lib/csv/values';
import { planColumns } from '$lib/csv/columns';
import { createCustomerMapper, createEventMapper, eventFingerprint } from '$lib/csv/mapper';
import {
  createCustomerMapper as createReferenceCustomerMapper,
  createEventMapper as createReferenceEventMapper
} from './reference-mapper';
import { columnEncoder, decodeColumn, encodeColumn } from '$lib/storage/data-repo';

/** The fingerprint the reference implementation gives the row in the fingerprint test. */
const FINGERPRINT_OF_ROW = 71977226578698;

const RUNS = 3000;

const digits = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max })
    .map((d) => d.join(''));

/** ISO-like text: mostly well-formed, often slightly wrong (a separator, a width, a range). */
const isoLike = fc
  .tuple(
    fc.oneof(digits(4, 4), digits(1, 5)),
    fc.constantFrom('-', '/', '.', ''),
    fc.oneof(
      fc.integer({ min: 0, max: 13 }).map((n) => String(n).padStart(2, '0')),
      digits(1, 3)
    ),
    fc.constantFrom('-', '/', 'x'),
    fc.oneof(
      fc.integer({ min: 0, max: 32 }).map((n) => String(n).padStart(2, '0')),
      digits(1, 3)
    ),
    fc.option(
      fc.tuple(
        fc.constantFrom('T', 't', ' ', '  ', 'X'),
        fc.integer({ min: 0, max: 25 }).map((n) => String(n).padStart(2, '0')),
        fc.constantFrom(':', ''),
        fc.integer({ min: 0, max: 61 }).map((n) => String(n).padStart(2, '0')),
        fc.option(
          fc.tuple(
            fc.constantFrom(':', ':', '.'),
            fc.integer({ min: 0, max: 61 }).map((n) => String(n).padStart(2, '0')),
            fc.option(fc.tuple(fc.constantFrom('.', ',', ':'), digits(0, 10)))
          )
        )
      )
    ),
    fc.option(
      fc.tuple(
        fc.constantFrom('', ' ', '  ', '\t'),
        fc.oneof(
          fc.constantFrom('Z', 'z', 'UTC', 'gmt', 'Zx', '+', '-'),
          fc
            .tuple(
              fc.constantFrom('+', '-'),
              digits(1, 2),
              fc.constantFrom('', ':', '::'),
              digits(0, 3)
            )
            .map((p) => p.join(''))
        )
      )
    ),
    fc.constantFrom('', ' ', '\n')
  )
  .map(([y, s1, m, s2, d, time, zone, pad]) => {
    let text = `${pad}${y}${s1}${m}${s2}${d}`;
    if (time) {
      const [t, h, colon, mi, sec] = time;
      text += `${t}${h}${colon}${mi}`;
      if (sec) {
        text += `${sec[0]}${sec[1]}`;
        if (sec[2]) text += `${sec[2][0]}${sec[2][1]}`;
      }
    }
    if (zone) text += `${zone[0]}${zone[1]}`;
    return text + pad;
  });

/** Valid date-times, written the way exports write them. */
const validIso = fc
  .record({
    ms: fc.integer({ min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31) }),
    form: fc.constantFrom('date', 'minute', 'second', 'frac1', 'frac2', 'frac3', 'iso'),
    t: fc.constantFrom('T', ' '),
    zone: fc.constantFrom('', 'Z', ' +0400', '-05:30', '+01', ' UTC')
  })
  .map(({ ms, form, t, zone }) => {
    const iso = new Date(ms).toISOString();
    const date = iso.slice(0, 10);
    if (form === 'date') return date;
    if (form === 'iso') return iso;
    const time = iso.slice(11, 23);
    const cut = { minute: 5, second: 8, frac1: 10, frac2: 11, frac3: 12 }[form];
    return `${date}${t}${time.slice(0, cut)}${zone}`;
  });

const epochLike = fc.oneof(
  digits(7, 15),
  fc.tuple(digits(8, 14), fc.constantFrom('.', ','), digits(0, 4)).map((p) => p.join('')),
  fc.integer({ min: 0, max: 2 ** 42 }).map(String)
);

describe('parseDate fast path', () => {
  it('agrees with the regex path on valid dates', () => {
    fc.assert(
      fc.property(validIso, (text) => {
        const fast = parseDate(text);
        expect(fast).toBe(parseDateSlow(text));
        expect(fast).not.toBeUndefined();
      }),
      { numRuns: RUNS }
    );
  });

  it('agrees with the regex path on near-dates and noise', () => {
    fc.assert(
      fc.property(fc.oneof(isoLike, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        expect(parseDate(text)).toBe(parseDateSlow(text));
      }),
      { numRuns: RUNS * 3 }
    );
  });

  it.each([
    '2024-02-29',
    '2023-02-29',
    '2100-02-29',
    '2000-02-29',
    '2026-04-31',
    '0099-01-01',
    '0100-01-01T00:00:00Z',
    '2026-04-05T17:06:21.5Z',
    '2026-04-05T17:06:21,25Z',
    '2026-04-05T17:06:21.123456789Z',
    '2026-04-05T17:06:21.291Z',
    '2026-04-05 21:06:21 +0400',
    '2026-04-05T21:06:21+99:99',
    '2026-04-05T24:00:00Z',
    '2026-04-05T23:60Z',
    '2026-04-05Z',
    '2026-04-05 Z',
    '2026-04-05T12',
    '2026-04-05T12:00:',
    '2026-04-05T12:00:00.',
    '2026/04/05'
  ])('agrees on %s', (text) => expect(parseDate(text)).toBe(parseDateSlow(text)));
});

describe('parseTimestamp fast path', () => {
  it('agrees with the regex path', () => {
    fc.assert(
      fc.property(fc.oneof(validIso, isoLike, epochLike, fc.string()), (text) => {
        expect(parseTimestamp(text)).toBe(parseTimestampSlow(text));
      }),
      { numRuns: RUNS * 3 }
    );
  });
});

describe('parseNumber fast path', () => {
  const numberLike = fc.oneof(
    fc.double({ noNaN: true }).map(String),
    fc.integer().map(String),
    fc
      .tuple(
        fc.constantFrom('', '-', '+', '--', ' ', '(', '$'),
        digits(0, 25),
        fc.constantFrom('', '.', ',', 'e', '.5', ' '),
        digits(0, 6),
        fc.constantFrom('', ')', ' ', '%', 'e3')
      )
      .map((p) => p.join('')),
    digits(300, 400),
    fc.string()
  );

  it('agrees with the general path, with and without decimal commas', () => {
    fc.assert(
      fc.property(numberLike, fc.boolean(), (text, decimalComma) => {
        expect(parseNumber(text, { decimalComma })).toBe(parseNumberSlow(text, { decimalComma }));
      }),
      { numRuns: RUNS * 3 }
    );
  });

  it.each(['-0', '+0', '007', '5.', '.5', '-.5', '1.', '12345678901234567890123', '-0.0'])(
    'agrees on %s',
    (text) => expect(parseNumber(text)).toBe(parseNumberSlow(text))
  );
});

/** Cells as exports write them, and as they go wrong. */
const cellArb = fc.oneof(
  fc.constantFrom('', ' ', '\u00a0', 'x', ' Mixed Case ', 'a=b', "'0123", '=1+1'),
  fc.constantFrom('true', 'FALSE', 'yes', 'n', '1', '0', 'maybe'),
  fc.constantFrom('1,299.00', '$5', '(12.50)', '1.299,50', '-0', '7', '3.25', '1e3', '12%'),
  validIso,
  isoLike,
  epochLike,
  fc.constantFrom('a@b.co', ' A@B.CO ', 'not-an-email', '+919812345678', '09872839974', '12'),
  fc.string({ maxLength: 6 })
);

const rowsArb = (width: number) =>
  fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.array(cellArb, { minLength: width, maxLength: width }) },
      { weight: 1, arbitrary: fc.array(cellArb, { minLength: 0, maxLength: width + 2 }) },
      { weight: 1, arbitrary: fc.constant([] as string[]) }
    ),
    { maxLength: 30 }
  );

describe('mappers against the reference (pre-fast-path) mappers', () => {
  const eventPlans = [
    planColumns(
      ['event_id', 'customer_id', 'event', 'timestamp', 'amount', 'category', 'paid', 'when'],
      [['e1', '1', 'Purchased', '2026-01-01', '5', 'Books', 'yes', '2026-01-02']],
      'events'
    ),
    planColumns(
      ['email', 'event', 'time', 'amount', 'a', 'a0', 'A_1', 'vip', 'seen'],
      [['a@b.co', 'Viewed', '2026-01-01T10:00:00Z', '5', 'x', '1', 'y', 'true', '2026-01-02']],
      'events',
      { decimalComma: false }
    )
  ];
  const customerPlans = [
    planColumns(
      ['customer_id', 'name', 'email', 'phone', 'signup_date', 'total_spent', 'vip', 'orders'],
      [['C1', 'Asha', 'a@b.co', '+919812345678', '2026-01-01', '12.50', 'true', '3']],
      'customers'
    ),
    planColumns(
      ['Email', 'City', 'Total', 'Last seen'],
      [['a@b.co', 'Pune', '1.299,50', '2026-01-01 10:00']],
      'customers',
      { decimalComma: true }
    )
  ];

  it.each(eventPlans.map((plan, i) => [i, plan] as const))(
    'maps event rows identically (plan %i), fingerprints included',
    (_i, plan) => {
      const fast = createEventMapper(plan);
      const slow = createReferenceEventMapper(plan);
      if (!fast.ok || !slow.ok) throw new Error('plan');
      fc.assert(
        fc.property(rowsArb(plan.fieldCount), fc.integer({ min: 2, max: 1e6 }), (rows, first) => {
          expect(fast.value.mapEventRows(rows, first)).toEqual(
            slow.value.mapEventRows(rows, first)
          );
        }),
        { numRuns: 400 }
      );
    }
  );

  it.each(customerPlans.map((plan, i) => [i, plan] as const))(
    'maps customer rows identically (plan %i)',
    (_i, plan) => {
      const fast = createCustomerMapper(plan, { defaultCountry: 'IN' });
      const slow = createReferenceCustomerMapper(plan, { defaultCountry: 'IN' });
      if (!fast.ok || !slow.ok) throw new Error('plan');
      fc.assert(
        fc.property(rowsArb(plan.fieldCount), fc.integer({ min: 2, max: 1e6 }), (rows, first) => {
          expect(fast.value.mapCustomerRows(rows, first)).toEqual(
            slow.value.mapCustomerRows(rows, first)
          );
        }),
        { numRuns: 300 }
      );
    }
  );

  it.each(customerPlans.map((plan, i) => [i, plan] as const))(
    'maps customer rows straight into stored columns with the reference values (plan %i)',
    (_i, plan) => {
      const fast = createCustomerMapper(plan, { defaultCountry: 'IN' });
      const slow = createReferenceCustomerMapper(plan, { defaultCountry: 'IN' });
      if (!fast.ok || !slow.ok) throw new Error('plan');
      fc.assert(
        fc.property(rowsArb(plan.fieldCount), fc.integer({ min: 2, max: 1e6 }), (rows, first) => {
          const encoders = fast.value.attributes.map((def) => columnEncoder(def, rows.length));
          const { ids, ...rest } = fast.value.mapCustomerRowsInto(rows, first, encoders);
          const reference = slow.value.mapCustomerRows(rows, first);
          const { batch, ...referenceRest } = reference;
          expect(rest).toEqual(referenceRest);
          expect(ids).toEqual(batch.ids);
          const columns = encoders.map((e) => e.finish());
          expect(columns.map(decodeColumn)).toEqual(batch.columns);
          expect(columns).toEqual(batch.columns.map(encodeColumn));
        }),
        { numRuns: 300 }
      );
    }
  );

  it('gives the fingerprints eventFingerprint gives, without event ids', () => {
    const plan = eventPlans[1];
    const mapper = createEventMapper(plan);
    if (!mapper.ok) throw new Error('plan');
    const row = ['A@B.co', 'Viewed', '2026-01-01T10:00:00Z', '5', 'x', '1', '', 'true', ''];
    const { batch, fingerprints } = mapper.value.mapEventRows([row], 2);
    expect(fingerprints[0]).toBe(
      eventFingerprint({
        customerId: 'a@b.co',
        name: 'Viewed',
        timestamp: batch.timestamps[0],
        properties: batch.properties.map((p) => [p.def.key, p.values[0]] as const)
      })
    );
    // Stable across runs and releases: re-imports must dedupe against stored fingerprints.
    expect(fingerprints[0]).toBe(FINGERPRINT_OF_ROW);
  });
});
