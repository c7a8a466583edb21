// Calendar arithmetic for relative times: `N unit` back from an instant (months clamp to the month's
// last day), and the inverse question the timer queue asks: from when on is an instant that far back.
import { daysInMonth } from './column';

export type Unit = 'hours' | 'days' | 'weeks' | 'months';
export const UNITS: readonly Unit[] = ['hours', 'days', 'weeks', 'months'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const UNIT_MS: Readonly<Record<Exclude<Unit, 'months'>, number>> = {
  hours: HOUR,
  days: DAY,
  weeks: 7 * DAY
};
export const DAY_MS = DAY;

/** Reads `hour`, `Days`, … as a unit. */
export function unitFromWord(word: string): Unit | undefined {
  const w = word.toLowerCase();
  const plural = w.endsWith('s') ? w : `${w}s`;
  return (UNITS as readonly string[]).includes(plural) ? (plural as Unit) : undefined;
}

/** Shifts an instant by whole calendar months (negative = back), clamping the day of month. */
export function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return (
    Date.UTC(year, month, day) + (t - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  );
}

// Timer pops and live updates ask the same month questions about one `now` for many customers:
// one-entry memos keep Date objects off those paths (the functions are pure, so answers are equal).
let memoNow = NaN;
let memoAmount = NaN;
let memoBack = NaN;
let midnightNow = NaN;
let midnightAt = NaN;
let midnightDay = 0;
let clampNow = NaN;
let clampAt = NaN;

/** `now − amount unit`. */
export function subtract(now: number, amount: number, unit: Unit): number {
  if (unit !== 'months') return now - amount * UNIT_MS[unit];
  if (now !== memoNow || amount !== memoAmount) {
    memoBack = addMonths(now, -amount);
    memoNow = now;
    memoAmount = amount;
  }
  return memoBack;
}

/** The next UTC midnight after `now`, and its day of month (in `midnightDay`). */
function nextMidnight(now: number): number {
  if (now !== midnightNow) {
    const d = new Date(now);
    midnightAt = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    midnightDay = new Date(midnightAt).getUTCDate();
    midnightNow = now;
  }
  return midnightAt;
}

/**
 * The smallest instant t with subtract(t, amount, unit) >= x: when a window of that length starting
 * "now − amount unit" has moved past x. subtract is non-decreasing in t, which makes this well defined.
 */
export function reachedAt(x: number, amount: number, unit: Unit): number {
  if (unit !== 'months') return x + amount * UNIT_MS[unit];
  let t = addMonths(x, amount);
  // Clamping only ever moves a result earlier, so no instant before x + amount months qualifies.
  // (addMonths directly: these instants vary per customer and would only churn subtract's memo.)
  if (addMonths(t, -amount) >= x) return t;
  // x's day does not exist `amount` months later (e.g. 31 Jan + 1 month): every instant of the clamped
  // month's tail maps before x, so the answer is the first instant of the next month.
  const d = new Date(t);
  t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  while (addMonths(t, -amount) < x) t += DAY;
  return t;
}

/**
 * The earliest instant after `now` at which the bound `t − amount unit` may reach x (>= x), for
 * timer scheduling: exact for hours/days/weeks. Calendar months clamp to the month's end while
 * keeping the time of day, so the bound is not monotone (31 March − 1 month = 28 February, same
 * time, earlier than 30 March − 1 month at a later hour): within one UTC day it moves one to one
 * with `t`, and it may jump at midnight on the 29th, 30th, 31st and 1st. So for months this returns
 * the first of: the crossing later today, the next such midnight, or the crossing computed
 * monotonically; re-checking at that instant finds the next one. It may be early, never late.
 */
export function crossAfter(x: number, amount: number, unit: Unit, now: number): number {
  if (unit !== 'months') {
    const t = x + amount * UNIT_MS[unit];
    return t > now ? t : Infinity;
  }
  let next = Infinity;
  const bound = subtract(now, amount, unit);
  const midnight = nextMidnight(now);
  if (bound < x && now + (x - bound) < midnight) next = now + (x - bound);
  const day = midnightDay;
  if (day >= 29 || day === 1) next = Math.min(next, midnight);
  const later = reachedAt(x, amount, unit);
  if (later > now) next = Math.min(next, later);
  return next;
}

/** The next UTC midnight after `now` at which month arithmetic may jump (the 29th to 31st and 1st). */
export function nextClampMidnight(now: number): number {
  if (now === clampNow) return clampAt;
  const d = new Date(now);
  let at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  for (let k = 1; k <= 4; k++) {
    const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + k);
    const day = new Date(midnight).getUTCDate();
    if (day >= 29 || day === 1) {
      at = midnight;
      break;
    }
  }
  clampNow = now;
  clampAt = at;
  return at;
}
