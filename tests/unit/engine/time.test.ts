// The timer queue's calendar question, "when does the bound `now − N unit` next cross y", checked
// exactly against the reference's own month arithmetic (month ends, leap years, all UTC).
// Also the month lengths it rests on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysInMonth } from '../../../src/lib/engine/column';
import { addMonths, addMonthsByDate, nextBoundFlip, type Unit } from '../../../src/lib/engine/time';
import { back } from './reference';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const utc = (text: string): number => Date.parse(text);

/**
 * Brute force over the reference: the first t > now where [back(t) >= y] differs from its value at
 * now, searched day by day up to `horizon`. Within one UTC day back(t) moves one to one with t (the
 * clamped day and the time of day are kept), so each day is decided by its two ends.
 */
function referenceFlip(
  y: number,
  amount: number,
  unit: Unit,
  now: number,
  horizon: number
): number {
  const was = back(now, amount, unit) >= y;
  let from = now + 1;
  while (from <= horizon) {
    const d = new Date(from);
    const dayEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    const last = Math.min(dayEnd - 1, horizon);
    const a = back(from, amount, unit) >= y;
    const b = back(last, amount, unit) >= y;
    if (a !== was) return from;
    if (b !== was) {
      // Monotone within the day: the crossing is where back(t) reaches y.
      return from + (y - back(from, amount, unit));
    }
    from = dayEnd;
  }
  return Infinity;
}

/** Far enough that nothing can flip later: past the month after next for months, else the window. */
const horizonOf = (y: number, amount: number, unit: Unit, now: number): number =>
  unit === 'months'
    ? Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() + 3, 1)
    : Math.max(now, y) + amount * (unit === 'hours' ? HOUR : unit === 'days' ? DAY : 7 * DAY) + DAY;

/** Instants near month ends (the 27th to the 1st), in leap and common years, at any time of day. */
const nowArb = fc
  .tuple(
    fc.integer({ min: 2023, max: 2029 }),
    fc.integer({ min: 0, max: 11 }),
    fc.oneof(fc.integer({ min: 26, max: 31 }), fc.integer({ min: 0, max: 30 })),
    fc.oneof(fc.constantFrom(0, 1, DAY - 1, 12 * HOUR), fc.integer({ min: 0, max: DAY - 1 }))
  )
  .map(([year, month, day, ms]) => Date.UTC(year, month, day + 1) + ms);

const unitArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 14 }), fc.constant<Unit>('months')),
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom<Unit>('hours', 'days', 'weeks'))
);

describe('nextBoundFlip: when the bound `now − N unit` next crosses an instant', () => {
  it('agrees exactly with a day-by-day search over the reference arithmetic', () => {
    fc.assert(
      fc.property(
        nowArb,
        unitArb,
        fc.oneof(
          // y just around the bound now, or around where it is some hours or days later or earlier.
          fc.tuple(fc.integer({ min: -4 * DAY, max: 4 * DAY }), fc.constantFrom(-1, 0, 1, HOUR)),
          fc.tuple(
            fc.integer({ min: -40, max: 40 }).map((d) => d * DAY),
            fc.constantFrom(0, 1)
          )
        ),
        (now, [amount, unit], [shift, off]) => {
          const y = back(now, amount, unit) + shift + off;
          const got = nextBoundFlip(y, amount, unit, now);
          expect(got).toBe(referenceFlip(y, amount, unit, now, horizonOf(y, amount, unit, now)));
        }
      ),
      { numRuns: 3000 }
    );
  });

  it('pins the clamped month ends: steps back at midnight, forward on the 1st', () => {
    const x = utc('2026-02-28T12:00:00Z');
    // 28 March 13:00 − 1 month = 28 February 13:00, already past x …
    expect(nextBoundFlip(x, 1, 'months', utc('2026-03-28T13:00:00Z'))).toBe(
      utc('2026-03-29T00:00:00Z')
    );
    // … at 29 March 00:00 the bound is 28 February 00:00 again: it reaches x at noon.
    expect(nextBoundFlip(x, 1, 'months', utc('2026-03-29T00:00:00Z'))).toBe(
      utc('2026-03-29T12:00:00Z')
    );
    // 31 March after noon: the next step back would be April's, which lands past x for good.
    expect(nextBoundFlip(x, 1, 'months', utc('2026-03-31T12:00:00Z'))).toBe(Infinity);
    // An instant before the clamped day never comes back.
    expect(
      nextBoundFlip(utc('2026-02-27T12:00:00Z'), 1, 'months', utc('2026-03-28T13:00:00Z'))
    ).toBe(Infinity);
    // 31 January + 1 month does not exist: the bound first reaches 31 January 10:00 on 1 March.
    expect(
      nextBoundFlip(utc('2026-01-31T10:00:00Z'), 1, 'months', utc('2026-02-20T00:00:00Z'))
    ).toBe(utc('2026-03-01T00:00:00Z'));
  });

  it('knows leap years: 29 February exists in 2024 and 2028, not in 2026', () => {
    const x = utc('2024-02-29T06:00:00Z');
    // 29 March 2024 − 1 month = 29 February 2024: an ordinary crossing at 06:00.
    expect(nextBoundFlip(x, 1, 'months', utc('2024-03-29T00:00:00Z'))).toBe(
      utc('2024-03-29T06:00:00Z')
    );
    // 30 March 2024 − 1 month = 29 February 2024 (clamped): the bound steps back at midnight.
    expect(nextBoundFlip(x, 1, 'months', utc('2024-03-29T07:00:00Z'))).toBe(
      utc('2024-03-30T00:00:00Z')
    );
    // One year back from 28 February 2025 is 28 February 2024; from 1 March 2025, 1 March 2024.
    expect(nextBoundFlip(x, 12, 'months', utc('2025-02-28T00:00:00Z'))).toBe(
      utc('2025-03-01T00:00:00Z')
    );
    // In 2026 (common year) 28 February is the last day: 29 to 31 March all clamp to its midnight,
    // so an event at exactly 28 February 00:00 stays out (the window excludes its start).
    expect(
      nextBoundFlip(utc('2026-02-28T00:00:00Z'), 1, 'months', utc('2026-03-29T00:00:00Z'))
    ).toBe(Infinity);
  });

  it('hours, days and weeks cross once, exactly N units after the instant', () => {
    const now = utc('2026-06-01T00:00:00Z');
    expect(nextBoundFlip(now - DAY, 30, 'days', now)).toBe(now + 29 * DAY);
    expect(nextBoundFlip(now - 40 * DAY, 30, 'days', now)).toBe(Infinity);
    expect(nextBoundFlip(now, 2, 'weeks', now)).toBe(now + 14 * DAY);
    expect(nextBoundFlip(now - 1, 1, 'hours', now)).toBe(now - 1 + HOUR);
  });
});

describe('daysInMonth', () => {
  it('counts the days of a month as Date.UTC does, rolled-over months and years 0–99 included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3000, max: 3000 }),
        fc.integer({ min: -40, max: 40 }),
        (year, month0) => {
          expect(daysInMonth(year, month0)).toBe(
            new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate()
          );
        }
      ),
      { numRuns: 2000 }
    );
    for (const year of [0, 99, 100, 1900, 2000, 2024, 2100, -400, -100])
      for (let m = -1; m <= 12; m++)
        expect(daysInMonth(year, m)).toBe(new Date(Date.UTC(year, m + 1, 0)).getUTCDate());
  });
});

describe('addMonths', () => {
  it('shifts by calendar months exactly as the Date-based definition does', () => {
    const year = (y: number): number => Date.UTC(y, 0, 1);
    const instant = fc.oneof(
      fc.integer({ min: year(1890), max: year(2200) }),
      fc.integer({ min: year(-50), max: year(250) }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: year(1990), max: year(2050), noNaN: true })
    );
    const months = fc.oneof(
      fc.integer({ min: -30, max: 30 }),
      fc.integer({ min: -25_000, max: 25_000 }),
      fc.double({ min: -20, max: 20, noNaN: true })
    );
    fc.assert(
      fc.property(instant, months, (t, m) => {
        expect(addMonths(t, m)).toBe(addMonthsByDate(t, m));
      }),
      { numRuns: 20_000 }
    );
    // Month ends, leap days and the clamped days around them.
    for (const text of ['2024-01-31T10:00:00Z', '2024-02-29T23:59:59.999Z', '2100-03-31T00:00:00Z'])
      for (let m = -50; m <= 50; m++)
        expect(addMonths(Date.parse(text), m)).toBe(addMonthsByDate(Date.parse(text), m));
  });
});
