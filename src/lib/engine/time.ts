// Calendar arithmetic for relative times: `N unit` back from an instant (months clamp to the month's
// last day), and the inverse question the timer queue asks: when does a bound that far back next
// cross a given instant (exactly, month ends and leap years included).
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
  // Calendar arithmetic on whole days (no Date: timer pops and live updates with month windows
  // ask this several times each). Date's own corner cases keep Date's answer: fractions (of a
  // millisecond or a month), instants near the end of its range, and years 0 to 99 (Date.UTC reads
  // them as 1900 to 1999).
  const whole = t === Math.floor(t) && months === Math.floor(months);
  if (!whole || !(Math.abs(t) <= 8.5e15) || !(Math.abs(months) <= 12_000))
    return addMonthsByDate(t, months);
  const days = Math.floor(t / DAY);
  civilFromDays(days);
  const y0 = civilYear;
  const total = y0 * 12 + civilMonth + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  if ((y0 >= 0 && y0 <= 99) || (year >= 0 && year <= 99)) return addMonthsByDate(t, months);
  const day = Math.min(civilDay, daysInMonth(year, month));
  return daysFromCivil(year, month, day) * DAY + (t - days * DAY);
}

/** addMonths through Date (the definition the arithmetic above follows). */
export function addMonthsByDate(t: number, months: number): number {
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  return (
    Date.UTC(year, month, day) + (t - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  );
}

// civilFromDays's answer (fields, not an allocated tuple).
let civilYear = 0;
let civilMonth = 0;
let civilDay = 0;

/** The proleptic Gregorian date of a day number (days since 1970-01-01): H. Hinnant's algorithm. */
function civilFromDays(days: number): void {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  civilYear = yoe + era * 400 + (m <= 2 ? 1 : 0);
  civilMonth = m - 1;
  civilDay = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/** The day number of a proleptic Gregorian date (month 0-based, in range). */
function daysFromCivil(year: number, month0: number, day: number): number {
  const m = month0 + 1;
  const y = m <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
} // Timer pops and live updates ask the same month questions about one `now` for many customers:
// a one-entry memo keeps Date objects off that path (the function is pure, so answers are equal).
let dropNow = NaN;
let dropAmount = NaN;
let dropAt = Infinity;
let dropBound = NaN;

/** `now − amount unit`. */
export function subtract(now: number, amount: number, unit: Unit): number {
  // Months computed every time (cheap now): a memo's refresh, taken only when `now` moves, was
  // code the set-up's evaluations at one `now` never ran, and cost a deoptimization at the first
  // timer pop.
  return unit !== 'months' ? now - amount * UNIT_MS[unit] : addMonths(now, -amount);
}

/**
 * The smallest instant t of all time with subtract(t, amount, unit) >= x: when a window of that
 * length starting "now − amount unit" first moves past x. (For months the bound can later step back
 * below x for a while; see nextBoundFlip.)
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
 * The first instant after `now` at which `subtract(t, amount, unit) >= y` changes its answer, or
 * Infinity when it never does: exact, so a timer set for it fires only when the answer really flips.
 * Hours, days and weeks move the bound one to one with `t`: it reaches y once, at y + amount. Months
 * keep the time of day and clamp to the month's last day (31 March − 1 month = 28 February, same
 * time), so within one UTC day the bound moves one to one with `t`, at the 1st of a month it jumps
 * forward, and at the midnight of each clamped day (the 29th to 31st, as the target month requires)
 * it steps back to 00:00 of the target month's last day, which can let a passed instant in again.
 */
export function nextBoundFlip(y: number, amount: number, unit: Unit, now: number): number {
  if (unit !== 'months') {
    const t = y + amount * UNIT_MS[unit];
    return t > now ? t : Infinity;
  }
  return subtract(now, amount, unit) < y
    ? monthsReach(y, amount, now)
    : monthsDropBelow(y, amount, now);
}

/** The smallest t > now with addMonths(t, −amount) >= y, given that the bound at `now` is below y. */
function monthsReach(y: number, amount: number, now: number): number {
  // reachedAt is the first instant of all time that qualifies; if that lies after now, nothing in
  // between does. Otherwise `now` sits in a dip after a step back, which ends within the month's
  // last few days (the 1st of the next month jumps past y): walk them day by day.
  const first = reachedAt(y, amount, 'months');
  if (first > now) return first;
  let from = now + 1;
  for (let k = 0; k < 8; k++) {
    const d = new Date(from);
    const dayEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    const bound = addMonths(from, -amount);
    if (bound >= y) return from;
    // Within the day the bound moves one to one with t.
    if (from + (y - bound) < dayEnd) return from + (y - bound);
    from = dayEnd;
  }
  return from;
}

/**
 * The smallest t > now with addMonths(t, −amount) < y, given that the bound at `now` is at or past
 * y: only a step back can do it, and only the first one still to come this month can go lowest
 * (every later step of the month lands on the same instant, and next month's bounds are later).
 */
function monthsDropBelow(y: number, amount: number, now: number): number {
  if (now !== dropNow || amount !== dropAmount) {
    const d = new Date(now);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const total = year * 12 + month - amount;
    const targetYear = Math.floor(total / 12);
    const targetMonth = total - targetYear * 12;
    const lastTarget = daysInMonth(targetYear, targetMonth);
    // The first clamped day after today: its midnight is the first step back still to come.
    const day = Math.max(d.getUTCDate() + 1, lastTarget + 1);
    dropAt = day > daysInMonth(year, month) ? Infinity : Date.UTC(year, month, day);
    dropBound = Date.UTC(targetYear, targetMonth, lastTarget);
    dropNow = now;
    dropAmount = amount;
  }
  return dropBound < y ? dropAt : Infinity;
}
