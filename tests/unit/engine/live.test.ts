import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../src/lib/engine/compile';
import { Evaluator } from '../../../src/lib/engine/evaluate';
import { explain, explainText } from '../../../src/lib/engine/explain';
import { SegmentEngine } from '../../../src/lib/engine/live';
import type { ColumnarStore } from '../../../src/lib/engine/store';
import { addEvents, buildStore, DAY, run, utc } from './build';

const NOW = utc('2026-06-15T12:00:00Z');

const compiled = (store: ColumnarStore, q: string) => {
  const c = compileQuery(q, store.schema());
  if (!c.ok) throw new Error(JSON.stringify(c.issues));
  return c.value;
};

describe('live segments', () => {
  it('leaves "purchased in last 30 days" at the exact millisecond the purchase turns 30 days old', () => {
    const bought = NOW - 10 * DAY + 1234;
    const store = buildStore(
      {},
      [{ id: 'a' }, { id: 'b' }],
      [{ id: 'a', name: 'Purchased', at: bought }]
    );
    const engine = new SegmentEngine(store);
    expect(
      engine.set('recent', compiled(store, 'performed Purchased in last 30 days'), NOW)
    ).toEqual({
      members: 1,
      changes: []
    });
    expect(engine.nextDue()).toBe(bought + 30 * DAY);
    expect(engine.advanceTo(bought + 30 * DAY - 1)).toEqual([]);
    expect(engine.advanceTo(NOW + 60 * DAY)).toEqual([
      { segment: 'recent', customer: 0, id: 'a', kind: 'leave', at: bought + 30 * DAY }
    ]);
    expect(engine.members('recent')).toEqual([]);
    expect(engine.explain('recent', 0, NOW + 60 * DAY)?.result).toBe(false);
    expect(engine.explain('nope', 0, NOW)).toBeUndefined();
  });

  it('follows calendar-month windows through month-end clamping, where older events come back', () => {
    // 30 March 23:00 − 1 month = 28 February 23:00 (clamped), but 31 March 00:00 − 1 month =
    // 28 February 00:00: the window's start steps back at midnight and the event re-enters.
    const store = buildStore(
      {},
      [{ id: 'a' }],
      [{ id: 'a', name: 'E', at: utc('2026-02-28T12:00:00Z') }]
    );
    const engine = new SegmentEngine(store);
    engine.set(
      'month',
      compiled(store, 'performed E in last 1 month'),
      utc('2026-03-30T23:00:00Z')
    );
    expect(engine.members('month')).toEqual([]);
    expect(engine.advanceTo(utc('2026-04-02T00:00:00Z')).map((c) => [c.kind, c.at])).toEqual([
      ['enter', utc('2026-03-31T00:00:00Z')],
      ['leave', utc('2026-03-31T12:00:00Z')]
    ]);
  });

  it('follows a month upper bound (`before 1 month ago`) as it steps back at clamped midnights', () => {
    // From 29 to 31 March 2026 the bound is 28 February at the same time of day: the event at noon
    // drops out at each midnight and comes back just after each noon; from 1 April it stays in.
    const store = buildStore(
      {},
      [{ id: 'a' }],
      [{ id: 'a', name: 'E', at: utc('2026-02-28T12:00:00Z') }]
    );
    const engine = new SegmentEngine(store);
    engine.set(
      'old',
      compiled(store, 'performed E before 1 month ago'),
      utc('2026-03-28T13:00:00Z')
    );
    expect(engine.members('old')).toEqual([0]);
    expect(engine.advanceTo(utc('2026-04-03T00:00:00Z')).map((c) => [c.kind, c.at])).toEqual([
      ['leave', utc('2026-03-29T00:00:00Z')],
      ['enter', utc('2026-03-29T12:00:00Z') + 1],
      ['leave', utc('2026-03-30T00:00:00Z')],
      ['enter', utc('2026-03-30T12:00:00Z') + 1],
      ['leave', utc('2026-03-31T00:00:00Z')],
      ['enter', utc('2026-03-31T12:00:00Z') + 1]
    ]);
    expect(engine.nextDue()).toBe(Infinity);
  });

  it('sets no timer where passing time cannot change the answer (no wake-ups at month ends)', () => {
    // a: last purchase long out of the 3-month window; b: in it, leaving on 2 July exactly.
    const store = buildStore(
      {},
      [{ id: 'a' }, { id: 'b' }],
      [
        { id: 'a', name: 'Purchased', at: utc('2025-01-31T10:00:00Z') },
        { id: 'b', name: 'Purchased', at: utc('2026-04-02T10:00:00Z') }
      ]
    );
    const engine = new SegmentEngine(store);
    engine.set(
      'lapsed',
      compiled(store, 'NOT performed Purchased in last 3 months'),
      utc('2026-05-28T00:00:00Z')
    );
    expect(engine.members('lapsed')).toEqual([0]);
    expect(engine.nextDue()).toBe(utc('2026-07-02T10:00:00Z'));
    expect(engine.advanceTo(utc('2026-07-02T10:00:00Z')).map((c) => [c.id, c.kind, c.at])).toEqual([
      ['b', 'enter', utc('2026-07-02T10:00:00Z')]
    ]);
    expect(engine.nextDue()).toBe(Infinity);
  });

  it('re-evaluates touched customers when events and customers arrive', () => {
    const store = buildStore({ vip: 'boolean' }, [{ id: 'a', vip: true }]);
    const engine = new SegmentEngine(store);
    engine.set(
      'vip buyers',
      compiled(store, 'vip = true AND performed Purchased in last 7 days'),
      NOW
    );
    const r = addEvents(store, [
      { id: 'a', name: 'purchased', at: NOW - DAY },
      { id: 'z', name: 'Purchased', at: NOW - DAY }
    ]);
    expect(engine.update(r.touched, NOW, { events: ['purchased'] })).toEqual([
      { segment: 'vip buyers', customer: 0, id: 'a', kind: 'enter', at: NOW }
    ]);
    const u = store.upsertCustomers({
      ids: ['z'],
      columns: [{ def: { key: 'vip', label: 'vip', type: 'boolean' }, values: [true] }]
    });
    expect(engine.update(u.touched, NOW + 1, { attributes: ['vip'] })).toEqual([
      { segment: 'vip buyers', customer: 1, id: 'z', kind: 'enter', at: NOW + 1 }
    ]);
    expect(engine.count('vip buyers')).toBe(2);
    // Six days later both purchases turn 7 days old at the same instant.
    const flips = engine.advanceTo(NOW + 7 * DAY);
    expect(flips.map((f) => [f.id, f.kind, f.at])).toEqual([
      ['a', 'leave', NOW + 6 * DAY],
      ['z', 'leave', NOW + 6 * DAY]
    ]);
  });

  it('evaluates customers created by events even for segments that do not read those events', () => {
    const store = buildStore({ city: 'string' }, [{ id: 'a', city: 'Pune' }]);
    const engine = new SegmentEngine(store);
    engine.set('no city', compiled(store, 'city is not set'), NOW);
    const r = addEvents(store, [{ id: 'new', name: 'Viewed', at: NOW }]);
    expect(engine.update(r.touched, NOW, { events: ['Viewed'] })).toEqual([
      { segment: 'no city', customer: 1, id: 'new', kind: 'enter', at: NOW }
    ]);
  });

  it('reports the difference when a segment rule is replaced', () => {
    const store = buildStore({ n: 'number' }, [
      { id: 'a', n: 1 },
      { id: 'b', n: 5 }
    ]);
    const engine = new SegmentEngine(store);
    engine.set('s', compiled(store, 'n > 3'), NOW);
    expect(
      engine.set('s', compiled(store, 'n < 3'), NOW).changes.map((c) => [c.id, c.kind])
    ).toEqual([
      ['a', 'enter'],
      ['b', 'leave']
    ]);
  });

  it("gives a removed segment's place to the next one without its members or timers", () => {
    const store = buildStore(
      { n: 'number' },
      [
        { id: 'a', n: 1 },
        { id: 'b', n: 5 },
        { id: 'c', n: 9 }
      ],
      [
        { id: 'a', name: 'Purchased', at: NOW - 5 * DAY },
        { id: 'b', name: 'Purchased', at: NOW - 2 * DAY }
      ]
    );
    const engine = new SegmentEngine(store);
    engine.set('old', compiled(store, 'performed Purchased in last 7 days'), NOW);
    engine.set('keep', compiled(store, 'n > 3'), NOW);
    expect(engine.members('old')).toEqual([0, 1]);
    engine.remove('old');
    expect(engine.has('old')).toBe(false);
    // The new segment takes the freed place: it starts from its own answers, and the removed one's
    // timers (a leaves at NOW + 2 days, b at NOW + 5 days) flip nothing of it.
    engine.set('new', compiled(store, 'performed Purchased in last 3 days'), NOW);
    expect(engine.members('new')).toEqual([1]);
    expect(engine.isMember('new', 0)).toBe(false);
    expect(engine.members('keep')).toEqual([1, 2]);
    expect(engine.advanceTo(NOW + 10 * DAY).map((c) => [c.segment, c.id, c.kind, c.at])).toEqual([
      ['new', 'b', 'leave', NOW + DAY]
    ]);
    expect(engine.count('new')).toBe(0);
    // Replacing a timed rule: the old rule's timers do not carry over, the new one's do.
    engine.set('new', compiled(store, 'performed Purchased in last 20 days'), NOW + 10 * DAY);
    expect(engine.members('new')).toEqual([0, 1]);
    expect(engine.advanceTo(NOW + 20 * DAY).map((c) => [c.segment, c.id, c.kind, c.at])).toEqual([
      ['new', 'a', 'leave', NOW + 15 * DAY],
      ['new', 'b', 'leave', NOW + 18 * DAY]
    ]);
    // Many segments at once: the per-customer records grow and keep every answer.
    for (let k = 0; k < 12; k++) engine.set(`n${k}`, compiled(store, `n > ${k}`), NOW);
    for (let k = 0; k < 12; k++)
      expect(engine.members(`n${k}`)).toEqual([1, 5, 9].flatMap((n, i) => (n > k ? [i] : [])));
    expect(engine.members('keep')).toEqual([1, 2]);
  });

  it('enters when a future event happens and when a date attribute comes into range', () => {
    const store = buildStore(
      { renewal: 'date' },
      [{ id: 'a' }, { id: 'b', renewal: NOW + 2 * DAY }],
      [{ id: 'a', name: 'Webinar', at: NOW + DAY }]
    );
    const engine = new SegmentEngine(store);
    engine.set('attended', compiled(store, 'performed Webinar'), NOW);
    engine.set('renewing', compiled(store, 'renewal within last 1 day'), NOW);
    expect(engine.advanceTo(NOW + 5 * DAY).map((c) => [c.segment, c.id, c.kind, c.at])).toEqual([
      ['attended', 'a', 'enter', NOW + DAY],
      ['renewing', 'b', 'enter', NOW + 2 * DAY],
      ['renewing', 'b', 'leave', NOW + 3 * DAY]
    ]);
  });
});

describe('explain', () => {
  it('mirrors the rule with results, facts and the next change', () => {
    const store = buildStore(
      { total_spent: 'number' },
      [{ id: 'a', total_spent: 20000 }],
      [{ id: 'a', name: 'Purchased', at: utc('2026-01-02T00:00:00Z') }]
    );
    const now = utc('2026-03-15T00:00:00Z');
    const tree = explain(
      compiled(store, 'total_spent > 10000 AND NOT performed Purchased in last 3 months'),
      store,
      0,
      now
    );
    expect(tree.result).toBe(false);
    expect(tree.children.map((c) => [c.text, c.result])).toEqual([
      ['total_spent > 10000', true],
      ['NOT', false]
    ]);
    const performed = tree.children[1].children[0];
    expect(performed.facts).toContain('last `Purchased` 2026-01-02, 72 days before now');
    expect(performed.facts).toContain('window is 3 months (after 2025-12-15T00:00:00Z)');
    // The purchase leaves the 3-month window when 3 months have passed since it: 2 April.
    expect(tree.nextChange).toBe(utc('2026-04-02T00:00:00Z'));
    expect(explainText(tree)[0]).toBe('✗ AND');
  });
});

describe('timer pops', () => {
  it('wake a customer only when a month window really flips its answer (no idle wake-ups)', () => {
    // `performed E in last N months` (and its NOT) over events all in the past: every instant the
    // timer queue offers must be a flip, through month-end clamping and leap years.
    const instant = fc
      .tuple(
        fc.integer({ min: 2023, max: 2025 }),
        fc.integer({ min: 0, max: 11 }),
        fc.oneof(fc.integer({ min: 26, max: 31 }), fc.integer({ min: 0, max: 30 })),
        fc.integer({ min: 0, max: DAY - 1 })
      )
      .map(([y, m, d, ms]) => Date.UTC(y, m, d + 1) + ms);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), instant), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 12 * DAY }), { minLength: 1, maxLength: 12 }),
        (events, months, negated, steps) => {
          const start = utc('2026-01-01T00:00:00Z');
          const store = buildStore(
            {},
            [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
            events.map(([id, at]) => ({ id, name: 'E', at: Math.min(at, start) }))
          );
          const query = `${negated ? 'NOT ' : ''}performed E in last ${months} months`;
          const engine = new SegmentEngine(store);
          engine.set('s', compiled(store, query), start);
          let pops = 0;
          const original = Evaluator.prototype.oneWithNext;
          Evaluator.prototype.oneWithNext = function (this: Evaluator, c: number, at: number) {
            pops++;
            return original.call(this, c, at);
          };
          try {
            let now = start;
            let flips = 0;
            for (const step of steps) {
              now += step;
              flips += engine.advanceTo(now).length;
              expect(pops).toBe(flips);
              expect(engine.members('s').map((i) => store.idOf(i))).toEqual(run(store, query, now));
            }
          } finally {
            Evaluator.prototype.oneWithNext = original;
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});
