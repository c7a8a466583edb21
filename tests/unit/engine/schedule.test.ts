// The timer queue: entries come out in time order whatever mix of pushes and pops, near (heaped) or
// far (bucketed by hour) they are, and entries that no longer stand are dropped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../../src/lib/engine/schedule';

const HOUR = 3_600_000;

describe('TimerQueue', () => {
  it('pops everything pushed, earliest first, across hour buckets', () => {
    type Op = { push: number } | { pop: true };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc
        .oneof(fc.integer({ min: 0, max: 3 * HOUR }), fc.integer({ min: 0, max: 400 * HOUR }))
        .map((push) => ({ push })),
      fc.constant({ pop: true as const })
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const q = new TimerQueue();
        const model: number[] = [];
        let id = 0;
        const floor = { t: -Infinity };
        for (const op of ops) {
          if ('push' in op) {
            // Like the engine, never schedule before the last instant popped.
            const t = Math.max(op.push, floor.t);
            q.push(t, id % 7, id);
            id++;
            model.push(t);
          } else {
            model.sort((a, b) => a - b);
            expect(q.peekTime()).toBe(model.length > 0 ? model[0] : Infinity);
            if (model.length === 0) continue;
            q.pop();
            expect(q.time).toBe(model.shift());
            floor.t = q.time;
          }
          expect(q.size).toBe(model.length);
        }
        model.sort((a, b) => a - b);
        const rest: number[] = [];
        while (q.peekTime() !== Infinity) {
          q.pop();
          rest.push(q.time);
        }
        expect(rest).toEqual(model);
      }),
      { numRuns: 500 }
    );
  });

  it('drops far entries that no longer stand when their hour comes', () => {
    const live = new Set([1, 3]);
    const q = new TimerQueue((_t, _seg, cust) => live.has(cust));
    for (let c = 0; c < 4; c++) q.push(10 * HOUR + c, 0, c);
    const popped: number[] = [];
    while (q.peekTime() !== Infinity) {
      q.pop();
      popped.push(q.cust);
    }
    expect(popped).toEqual([1, 3]);
  });

  it('sorts fractional and same-instant entries too (ties in push order)', () => {
    const q = new TimerQueue();
    const times = [5 * HOUR + 0.5, 5 * HOUR + 0.25, 5 * HOUR, 5 * HOUR + 0.25, 5 * HOUR + 7];
    times.forEach((t, i) => q.push(t, 0, i));
    const popped: [number, number][] = [];
    while (q.peekTime() !== Infinity) {
      q.pop();
      popped.push([q.time, q.cust]);
    }
    expect(popped).toEqual([
      [5 * HOUR, 2],
      [5 * HOUR + 0.25, 1],
      [5 * HOUR + 0.25, 3],
      [5 * HOUR + 0.5, 0],
      [5 * HOUR + 7, 4]
    ]);
  });

  it('tells which entries of the open hour come next (ahead), matching what pop returns', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 * HOUR - 1 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 10 }),
        (times, k) => {
          const q = new TimerQueue();
          times.forEach((t, i) => q.push(t, i % 5, i));
          q.peekTime();
          while (q.peekTime() !== Infinity) {
            const hint = q.ahead(k) ? [q.aheadSeg, q.aheadCust] : undefined;
            const popped: [number, number][] = [];
            // Pop k + 1 entries unless the hour's run ends first: the last is the hinted one.
            for (let j = 0; j <= k && q.peekTime() !== Infinity; j++) {
              q.pop();
              popped.push([q.seg, q.cust]);
            }
            if (hint) expect(popped[k]).toEqual(hint);
          }
        }
      ),
      { numRuns: 200 }
    );
  });
});
