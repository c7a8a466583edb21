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

/** `now − amount unit`. */
export function subtract(now: number, amount: number, unit: Unit): number {
  return unit === 'months' ? addMonths(now, -amount) : now - amount * UNIT_MS[unit];
}

/**
 * The smallest instant t with subtract(t, amount, unit) >= x: when a window of that length starting
 * "now − amount unit" has moved past x. subtract is non-decreasing in t, which makes this well defined.
 */
export function reachedAt(x: number, amount: number, unit: Unit): number {
  if (unit !== 'months') return x + amount * UNIT_MS[unit];
  let t = addMonths(x, amount);
  // Clamping only ever moves a result earlier, so no instant before x + amount months qualifies.
  if (subtract(t, amount, unit) >= x) return t;
  // x's day does not exist `amount` months later (e.g. 31 Jan + 1 month): every instant of the clamped
  // month's tail maps before x, so the answer is the first instant of the next month.
  const d = new Date(t);
  t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  while (subtract(t, amount, unit) < x) t += DAY;
  return t;
}
