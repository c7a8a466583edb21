import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../src/lib/engine/compile';
import { Evaluator } from '../../../src/lib/engine/evaluate';
import { addEvents, buildStore, DAY, HOUR, run, utc } from './build';

const NOW = utc('2026-06-15T12:00:00Z');

describe('attribute predicates', () => {
  const store = buildStore(
    { city: 'string', total_spent: 'number', vip: 'boolean', signup: 'date' },
    [
      { id: 'a', city: 'Pune', total_spent: 20000, vip: true, signup: utc('2026-06-10') },
      { id: 'b', city: '  pune ', total_spent: 10000, vip: false, signup: utc('2025-01-31') },
      { id: 'c', city: 'Delhi', total_spent: 500, signup: utc('2026-03-15T12:00:00Z') },
      { id: 'd' }
    ]
  );
  const q = (query: string): string[] => run(store, query, NOW);

  it('compares strings case-insensitively, ignoring surrounding spaces', () => {
    expect(q('city = "PUNE"')).toEqual(['a', 'b']);
    expect(q("city = ' pune'")).toEqual(['a', 'b']);
    expect(q('city in ("delhi", "Mumbai")')).toEqual(['c']);
    expect(q('city contains "UN"')).toEqual(['a', 'b']);
    expect(q('city starts with "de"')).toEqual(['c']);
    expect(q('city ends with "HI"')).toEqual(['c']);
  });

  it('treats a missing value as satisfying no comparison', () => {
    expect(q('city != "Pune"')).toEqual(['c']);
    expect(q('city not in ("Pune")')).toEqual(['c']);
    expect(q('NOT (city = "Pune")')).toEqual(['c', 'd']);
    expect(q('total_spent < 1000000')).toEqual(['a', 'b', 'c']);
    expect(q('city is set')).toEqual(['a', 'b', 'c']);
    expect(q('city is not set')).toEqual(['d']);
  });

  it('compares numbers, including between (inclusive) and in', () => {
    expect(q('total_spent > 10000')).toEqual(['a']);
    expect(q('total_spent >= 10000')).toEqual(['a', 'b']);
    expect(q('total_spent <= 500')).toEqual(['c']);
    expect(q('total_spent = 10_000')).toEqual(['b']);
    expect(q('total_spent != 500')).toEqual(['a', 'b']);
    expect(q('total_spent between 500 and 10000')).toEqual(['b', 'c']);
    expect(q('total_spent in (500, 20000)')).toEqual(['a', 'c']);
  });

  it('compares booleans', () => {
    expect(q('vip = true')).toEqual(['a']);
    expect(q('vip != true')).toEqual(['b']);
  });

  it('compares dates: a date literal is midnight UTC, except as the upper bound of between', () => {
    expect(q('signup = 2026-06-10')).toEqual(['a']);
    expect(q('signup before 2026-03-15')).toEqual(['b']);
    expect(q('signup after 2026-03-15')).toEqual(['a', 'c']);
    expect(q('signup between 2026-03-01 and 2026-03-15')).toEqual(['c']);
    expect(q('signup between 2026-03-01 and 2026-03-14')).toEqual([]);
    expect(q('signup > 2026-03-15T12:00:00Z')).toEqual(['a']);
    expect(q('signup >= 2026-03-15T12:00:00Z')).toEqual(['a', 'c']);
  });

  it('handles within last and relative dates, with calendar months', () => {
    expect(q('signup within last 7 days')).toEqual(['a']);
    expect(q('signup within last 3 months')).toEqual(['a']); // c is exactly 3 months back: excluded
    expect(q('signup >= 3 months ago')).toEqual(['a', 'c']);
    expect(q('signup < 1 week ago')).toEqual(['b', 'c']);
  });
});

describe('event predicates', () => {
  const props = { amount: 'number' as const, sku: 'string' as const };
  const store = buildStore(
    { total_spent: 'number' },
    [
      { id: 'a', total_spent: 20000 },
      { id: 'b', total_spent: 15000 },
      { id: 'c', total_spent: 100 },
      { id: 'd' }
    ],
    [
      { id: 'a', name: 'Purchased', at: NOW - 10 * DAY, props: { amount: 100, sku: 'X1' } },
      { id: 'a', name: 'Purchased', at: NOW - 20 * DAY, props: { amount: 40 } },
      { id: 'a', name: 'purchased', at: NOW - 25 * DAY, props: { amount: 60 } },
      { id: 'b', name: 'Purchased', at: NOW - 200 * DAY, props: { amount: 999 } },
      { id: 'b', name: 'Added to Cart', at: NOW - HOUR },
      { id: 'c', name: 'Purchased', at: NOW + DAY, props: { amount: 5 } },
      { id: 'c', name: 'Purchased', at: NOW - 30 * DAY, props: { amount: 7 } }
    ],
    props
  );
  const q = (query: string, now = NOW): string[] => run(store, query, now);

  it('runs the seed example', () => {
    expect(q('total_spent > 10000 AND NOT performed Purchased in last 3 months')).toEqual(['b']);
  });

  it('matches event names case-insensitively, bare or quoted', () => {
    expect(q('performed PURCHASED')).toEqual(['a', 'b', 'c']);
    expect(q('performed "added to cart"')).toEqual(['b']);
  });

  it('ignores events after now', () => {
    expect(q('performed Purchased at least 2 times')).toEqual(['a']);
    expect(q('performed Purchased at least 2 times', NOW + DAY)).toEqual(['a', 'c']);
  });

  it('counts with at least / at most / exactly, where at most and exactly 0 include no events', () => {
    expect(q('performed Purchased at least 3 times')).toEqual(['a']);
    expect(q('performed Purchased exactly 1 time')).toEqual(['b', 'c']);
    expect(q('performed Purchased at most 1 time')).toEqual(['b', 'c', 'd']);
    expect(q('performed Purchased exactly 0 times')).toEqual(['d']);
    expect(q('not performed Purchased')).toEqual(['d']);
  });

  it('keeps windows exact at their edges', () => {
    // c's purchase is exactly 30 days old: (now − 30 days, now] excludes it.
    expect(q('performed Purchased in last 30 days')).toEqual(['a']);
    expect(q('performed Purchased in last 30 days', NOW - 1)).toEqual(['a', 'c']);
    expect(q('performed Purchased since 30 days ago')).toEqual(['a', 'c']);
    expect(q(`performed Purchased before 2026-05-16T12:00:00Z`)).toEqual(['b']);
    expect(q(`performed Purchased between 2026-05-16 and 2026-05-16`)).toEqual(['c']);
    expect(q(`performed Purchased between 2026-05-17 and 2026-06-15`)).toEqual(['a']);
    expect(q('performed Purchased in last 24 hours')).toEqual([]);
    expect(q('performed "Added to Cart" in last 1 hour')).toEqual([]);
    expect(q('performed "Added to Cart" in last 2 hours')).toEqual(['b']);
  });

  it('filters with where, a single condition or a parenthesised expression', () => {
    expect(q('performed Purchased where amount > 50')).toEqual(['a', 'b']);
    expect(q('performed Purchased where amount > 50 at least 2 times')).toEqual(['a']);
    expect(q('performed Purchased where (amount > 50 and sku is not set)')).toEqual(['a', 'b']);
    expect(q('performed Purchased where (sku = "x1" or amount = 7)')).toEqual(['a', 'c']);
    // A bare `and` after a one-condition where continues the outer expression.
    expect(q('performed Purchased where amount > 50 and total_spent > 16000')).toEqual(['a']);
  });

  it('aggregates: the sum of nothing is 0, avg/min/max of nothing are false', () => {
    expect(q('performed Purchased with sum(amount) >= 200')).toEqual(['a', 'b']);
    expect(q('performed Purchased with avg(amount) > 60')).toEqual(['a', 'b']);
    expect(q('performed Purchased with min(amount) < 50')).toEqual(['a', 'c']);
    expect(q('performed Purchased with max(amount) = 999')).toEqual(['b']);
    expect(q('performed Purchased in last 15 days with sum(amount) = 100')).toEqual(['a']);
    expect(q('performed Purchased at most 0 times in last 1 day with sum(amount) = 0')).toEqual([
      'a',
      'b',
      'c',
      'd'
    ]);
    expect(q('performed Purchased at most 0 times in last 1 day with avg(amount) = 0')).toEqual([]);
    expect(
      q('performed Purchased where amount > 10000 at most 5 times with max(amount) > 0')
    ).toEqual([]);
  });

  it('sums over a window exactly at its edge (the prefix-sum path, no future events)', () => {
    const s = buildStore(
      {},
      [{ id: 'x' }, { id: 'y' }, { id: 'z' }],
      [
        { id: 'x', name: 'Purchased', at: NOW - 10 * DAY, props: { amount: 50 } },
        { id: 'x', name: 'Purchased', at: NOW - DAY, props: { amount: 60 } },
        { id: 'y', name: 'Purchased', at: NOW - 5 * DAY, props: { amount: 200 } },
        { id: 'z', name: 'Purchased', at: NOW - 2 * DAY }
      ],
      { amount: 'number' }
    );
    expect(run(s, 'performed Purchased in last 10 days with sum(amount) > 100', NOW)).toEqual([
      'y'
    ]);
    expect(run(s, 'performed Purchased in last 10 days with sum(amount) >= 60', NOW)).toEqual([
      'x',
      'y'
    ]);
    expect(run(s, 'performed Purchased with sum(amount) = 110', NOW)).toEqual(['x']);
    expect(run(s, 'performed Purchased in last 10 days with sum(amount) < 1', NOW)).toEqual(['z']);
    expect(run(s, 'performed Purchased at least 2 times with sum(amount) > 0', NOW)).toEqual(['x']);
  });

  it('subtracts calendar months, clamped to the end of the month', () => {
    const s = buildStore(
      {},
      [{ id: 'x' }, { id: 'y' }],
      [
        { id: 'x', name: 'E', at: utc('2026-02-28T10:00:00Z') },
        { id: 'y', name: 'E', at: utc('2026-02-28T10:00:01Z') }
      ]
    );
    // 31 March 10:00 minus one month is 28 February 10:00: x sits exactly on the excluded edge.
    expect(run(s, 'performed E in last 1 month', utc('2026-03-31T10:00:00Z'))).toEqual(['y']);
    expect(run(s, 'performed E in last 1 month', utc('2026-03-28T10:00:00Z'))).toEqual(['y']);
    expect(run(s, 'performed E in last 1 month', utc('2026-03-28T09:59:59Z'))).toEqual(['x', 'y']);
  });

  it('treats a not-yet-seen event as never performed, with a warning', () => {
    const c = compileQuery('performed Refunded', store.schema());
    expect(c.ok && c.value.warnings.map((w) => w.code)).toEqual(['unknown-event']);
    expect(q('not performed Refunded')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sees events appended later, out of order', () => {
    const s = buildStore({}, [{ id: 'x' }]);
    addEvents(s, [{ id: 'x', name: 'E', at: NOW - DAY }]);
    expect(run(s, 'performed E at least 2 times in last 3 days', NOW)).toEqual([]);
    addEvents(s, [
      { id: 'x', name: 'e', at: NOW - 2 * DAY },
      { id: 'y', name: 'E', at: NOW - 5 * DAY }
    ]);
    expect(run(s, 'performed E at least 2 times in last 3 days', NOW)).toEqual(['x']);
    expect(run(s, 'performed E in last 3 days', NOW)).toEqual(['x']);
  });
});

describe('segments', () => {
  const store = buildStore({ n: 'number' }, [
    { id: 'a', n: 1 },
    { id: 'b', n: 2 },
    { id: 'c', n: 3 }
  ]);
  const segments = [
    { name: 'Small', rule: 'n < 3' },
    { name: 'Tiny', rule: 'in segment "small" AND n = 1' },
    { name: 'Loop A', rule: 'in segment "Loop B"' },
    { name: 'Loop B', rule: 'n = 1 OR in segment "Loop A"' }
  ];

  it('uses other segments, case-insensitively', () => {
    expect(run(store, 'in segment "Small"', NOW, segments)).toEqual(['a', 'b']);
    expect(run(store, 'not in segment "Tiny"', NOW, segments)).toEqual(['b', 'c']);
  });

  it('reports unknown segments and cycles as issues', () => {
    const unknown = compileQuery('in segment "Smal"', store.schema(), { segments });
    expect(!unknown.ok && unknown.issues.map((i) => [i.code, i.hint, i.span])).toEqual([
      ['unknown-segment', 'did you mean `Small`?', { start: 0, end: 17 }]
    ]);
    const cycle = compileQuery('in segment "Loop A"', store.schema(), { segments });
    expect(!cycle.ok && cycle.issues[0].code).toBe('segment-cycle');
    const self = compileQuery('in segment "Me"', store.schema(), { segments, self: 'Me' });
    expect(!self.ok && self.issues[0].code).toBe('segment-cycle');
  });
});

describe('evaluation per customer agrees with evaluation of everyone', () => {
  it('for a mixed rule', () => {
    const store = buildStore(
      { n: 'number' },
      [{ id: 'a', n: 1 }, { id: 'b', n: 5 }, { id: 'c' }],
      [
        { id: 'a', name: 'E', at: NOW - DAY },
        { id: 'c', name: 'E', at: NOW - 40 * DAY }
      ]
    );
    const c = compileQuery('(n < 3 OR performed E in last 60 days) AND NOT n = 5', store.schema());
    if (!c.ok) throw new Error('compile');
    const ev = new Evaluator(c.value, store);
    const all = ev.all(NOW);
    expect([0, 1, 2].map((i) => ev.one(i, NOW))).toEqual([...all].map((x) => x === 1));
    expect([...all]).toEqual([1, 0, 1]);
  });
});

describe('fused AND of attribute conditions', () => {
  // Over several blocks of customers, with values on every comparison's edge (the fused pass turns
  // `>` and `<` into inclusive bounds one double away) and missing values.
  const edges = [
    -Infinity,
    -1,
    -Number.MIN_VALUE,
    -0,
    0,
    Number.MIN_VALUE,
    1,
    1 + 2 ** -52,
    2,
    Infinity
  ];
  const cities = ['Pune', ' pune', 'Delhi', 'x'];
  const customers = Array.from({ length: 2600 }, (_, i) => ({
    id: `c${i}`,
    n: i % 11 === 10 ? null : edges[i % 10],
    s: i % 7 === 6 ? null : cities[i % 4],
    b: i % 5 === 4 ? null : i % 3 === 0,
    d: i % 13 === 12 ? null : NOW - (i % 40) * DAY
  }));
  const store = buildStore({ n: 'number', s: 'string', b: 'boolean', d: 'date' }, customers);
  const queries = [
    'n > 0 AND s = "pune"',
    'n >= 0 AND n < 1 AND b = true',
    'n < 0 AND s != "Delhi"',
    'n > -1 AND n <= 1 AND b != true',
    'n between -1 and 1 AND s in ("x", "delhi") AND d within last 10 days',
    'n = 0 AND d is set AND s is not set',
    'n > 1 AND n < 2 AND d > 5 days ago',
    'n != 1 AND s starts with "p" AND b is set',
    'n in (1, 2) AND d is not set AND s ends with "e"',
    'n > 2 AND n < 1'
  ];

  it.each(queries)('%s: counts, vectors and per-customer answers agree', (query) => {
    const c = compileQuery(query, store.schema());
    if (!c.ok) throw new Error(JSON.stringify(c.issues));
    const ev = new Evaluator(c.value, store);
    const all = ev.all(NOW);
    const one = customers.map((_, i) => (ev.one(i, NOW) ? 1 : 0));
    expect([...all]).toEqual(one);
    expect(ev.count(NOW)).toBe(one.reduce((s: number, x) => s + x, 0));
  });
});
