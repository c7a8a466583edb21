// Turning one CSV cell into a typed value, and guessing a column's type from its cells. Forgiving of
// what real exports contain (money with symbols and grouping, yes/no booleans, zoned date-times).
//
// The formula guard, and why the export → import round trip is exact. A spreadsheet runs a cell that
// starts with `=`, `+`, `-`, `@`, tab or CR as a formula, so exports (ours: report.ts `csvCell`, and
// many other tools') put a `'` in front of such text. Ours guards any text matching /^'*[=+\-@\t\r]/,
// so that a value which itself starts with quotes and then such a character (`'=x`) gets one more
// quote (`''=x`) and stays distinguishable. The import reverses exactly that, for every column and
// before anything else looks at the cell: a cell that, once trimmed, matches /^'+[=+\-@\t\r]/ loses
// exactly one leading `'` (`unguard`). The rest is kept as it is (not trimmed again: `'\tx` is `\tx`).
// Types: only text is ever guarded by an export (numbers, booleans and dates are written bare: -3, not
// '-3), so a guarded cell is evidence of text, and type inference gives its column the type string;
// a guarded `'-3` therefore comes back as the text "-3" it was exported from. A user who sets such a
// column to number in the mapping step gets -3 (the unguarded text, parsed). Phone and id columns also
// drop the older spreadsheet guard before digits and `(` (`'75008`, Shopify's `'+1…`: see
// `stripSpreadsheetGuard`); a phone or id that really starts with `'` and a digit loses it.

import type { Value, ValueType } from '$lib/engine/schema';

export interface ValueOptions {
  /** `1.299,50` / `1 299,50` style numbers (typical of `;`-delimited files). */
  readonly decimalComma?: boolean;
}

const CURRENCY_PREFIX = /^(?:[A-Z]{3}\s+|[A-Z]{0,2}\p{Sc}\s*)/u;
const CURRENCY_SUFFIX = /(?:\s+[A-Z]{3}|\s*\p{Sc})$/u;
const SPACES = /[\s\u00a0\u202f\u2009]/g;
const PLAIN = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const GROUPED = /^(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d+)?$/;
const GROUPED_COMMA = /^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$/;

/**
 * True when `text` is exactly `[+-]?\d+(\.\d+)?`: what most number cells look like. For such text
 * `Number(text)` is what the general path below computes (sign handling included), so it is the fast path.
 */
const isPlainDecimal = (text: string): boolean => {
  const n = text.length;
  let i = 0;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  if (c === 45 || c === 43) i++; // - +
  const start = i;
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) i++;
  if (i === start) return false;
  if (i === n) return true;
  if (c !== 46) return false; // .
  const dot = ++i;
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) i++;
  return i === n && i > dot;
};

/** A number from `1,299.00`, `$1,299.00`, `₹ 1,29,999`, `-3.5`, `(12.00)`, `USD 5`; undefined if not one. */
export const parseNumber = (raw: string, options: ValueOptions = {}): number | undefined => {
  if (isPlainDecimal(raw)) {
    const value = Number(raw);
    return Number.isFinite(value) ? value : undefined;
  }
  return parseNumberSlow(raw, options);
};

/** The general path of `parseNumber` (exported for tests comparing it with the fast path). */
export const parseNumberSlow = (raw: string, options: ValueOptions = {}): number | undefined => {
  let text = raw.trim();
  if (text === '') return undefined;
  let negative = false;
  if (text.startsWith('(') && text.endsWith(')')) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (text.startsWith('-') || text.startsWith('+')) {
    negative = negative !== text.startsWith('-');
    text = text.slice(1).trimStart();
  }
  const bare = text.replace(CURRENCY_PREFIX, '').replace(CURRENCY_SUFFIX, '');
  if (bare !== text) {
    text = bare.trim();
    if (text.startsWith('-')) {
      negative = !negative;
      text = text.slice(1);
    }
  }
  text = text.replace(SPACES, '');
  let value: number;
  if (PLAIN.test(text)) value = Number(text);
  else if (options.decimalComma && GROUPED_COMMA.test(text))
    value = Number(text.replace(/\./g, '').replace(',', '.'));
  else if (!options.decimalComma && GROUPED.test(text)) value = Number(text.replace(/,/g, ''));
  else return undefined;
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
};

const TRUE_WORDS = new Set(['true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f']);

/** true/false, yes/no, y/n (any case); `1`/`0` only when `allowDigits` (the column is boolean). */
export const parseBoolean = (raw: string, allowDigits = true): boolean | undefined => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  if (allowDigits && word === '1') return true;
  if (allowDigits && word === '0') return false;
  return undefined;
};

const ISO_DATE =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch ms (UTC) from an ISO 8601 date or date-time, also `2026-04-05 21:06:21 +0400` and
 * `… UTC`. A time without a zone is read as UTC. Undefined when not such a date or out of range.
 */
export const parseDate = (raw: string): number | undefined => {
  const text = raw.trim();
  const fast = fastIsoDate(text);
  return fast === fast ? fast : parseDateSlow(text);
};

/** Two ASCII digits at `i` as a number, or -1 (the caller checks that `i + 1` is in range). */
const twoDigits = (text: string, i: number): number => {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/** `Math.floor(Number('0.' + digits) * 1000)` for every 1-, 2- and 3-digit fraction, as the slow path computes it. */
const FRACTION_MS: readonly (readonly number[])[] = [1, 2, 3].map((width) =>
  Array.from({ length: 10 ** width }, (_, n) =>
    Math.floor(Number(`0.${String(n).padStart(width, '0')}`) * 1000)
  )
);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number): boolean =>
  year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/**
 * The common forms, read with charCodeAt and Date.UTC: `YYYY-MM-DD`, then optionally `[T ]HH:MM`,
 * `:SS`, `.f`–`.fff`, and a zone `Z`, `±HH`, `±HHMM` or `±HH:MM` (after at most one space). NaN when
 * the text is anything else, or out of range: the caller then takes the general (regex) path, which
 * decides. Whatever this returns is what that path returns for the same text.
 */
const fastIsoDate = (text: string): number => {
  const n = text.length;
  if (n < 10) return NaN;
  const y1 = twoDigits(text, 0);
  const y2 = twoDigits(text, 2);
  const sep1 = text.charCodeAt(4);
  const sep2 = text.charCodeAt(7);
  if (y1 < 1 || y2 < 0 || (sep1 !== 45 && sep1 !== 47) || (sep2 !== 45 && sep2 !== 47)) return NaN;
  const year = y1 * 100 + y2; // >= 100: Date.UTC maps years 0-99 to 1900-1999
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1) return NaN;
  if (day > DAYS_IN_MONTH[month - 1] && !(month === 2 && day === 29 && isLeapYear(year)))
    return NaN;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let i = 10;
  let c = text.charCodeAt(i);
  if (n >= 16 && (c === 84 || c === 116 || c === 32) && text.charCodeAt(13) === 58) {
    // [Tt ]HH:MM
    hour = twoDigits(text, 11);
    minute = twoDigits(text, 14);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
    i = 16;
    if (i < n && text.charCodeAt(i) === 58) {
      if (i + 3 > n) return NaN;
      second = twoDigits(text, i + 1);
      if (second < 0 || second > 59) return NaN;
      i += 3;
      c = text.charCodeAt(i);
      if (i < n && (c === 46 || c === 44)) {
        const start = ++i;
        let frac = 0;
        while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57 && i - start < 3) {
          frac = frac * 10 + (c - 48);
          i++;
        }
        const width = i - start;
        if (width === 0 || (i < n && c >= 48 && c <= 57)) return NaN; // none, or more than 3
        ms = FRACTION_MS[width - 1][frac];
      }
    }
  }
  let offset = 0;
  if (i < n) {
    c = text.charCodeAt(i);
    if (c === 32 && i + 1 < n) c = text.charCodeAt(++i);
    if ((c === 90 || c === 122) && i + 1 === n) offset = 0;
    else if (c === 43 || c === 45) {
      const rest = n - i - 1;
      const hh = rest >= 2 ? twoDigits(text, i + 1) : -1;
      let mm = 0;
      if (hh < 0) return NaN;
      if (rest === 4) mm = twoDigits(text, i + 3);
      else if (rest === 5 && text.charCodeAt(i + 3) === 58) mm = twoDigits(text, i + 4);
      else if (rest !== 2) return NaN;
      if (mm < 0) return NaN;
      offset = (c === 45 ? -1 : 1) * (hh * 60 + mm) * 60_000;
    } else return NaN;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
};

/** The general path of `parseDate` (exported for tests comparing it with the fast path). */
export const parseDateSlow = (raw: string): number | undefined => {
  const m = ISO_DATE.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day) return undefined;
  return date.getTime() - zoneOffsetMs(zone);
};

const zoneOffsetMs = (zone: string | undefined): number => {
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
};

const EPOCH = /^\d{9,13}(?:\.\d+)?$/;

/** An event time: a date as in `parseDate`, or epoch seconds (< 1e11) or epoch milliseconds. */
export const parseTimestamp = (raw: string): number | undefined => {
  const text = raw.trim();
  if (isEpoch(text)) {
    const n = Number(text);
    return Math.round(n < 1e11 ? n * 1000 : n);
  }
  return parseDate(text);
};

/** `EPOCH.test(text)` without the regex: 9 to 13 digits, optionally `.` and more digits. */
const isEpoch = (text: string): boolean => {
  const n = text.length;
  let i = 0;
  let c = 0;
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) i++;
  if (i < 9 || i > 13) return false;
  if (i === n) return true;
  if (c !== 46) return false;
  const dot = ++i;
  while (i < n && (c = text.charCodeAt(i)) >= 48 && c <= 57) i++;
  return i === n && i > dot;
};

/** The regex form of `parseTimestamp` (for tests comparing it with the fast path). */
export const parseTimestampSlow = (raw: string): number | undefined => {
  const text = raw.trim();
  if (EPOCH.test(text)) {
    const n = Number(text);
    return Math.round(n < 1e11 ? n * 1000 : n);
  }
  return parseDateSlow(text);
};

const GUARDED = /^'+[=+\-@\t\r]/;

/** Whether a trimmed cell carries the formula guard (see the top of this file). */
export const isGuarded = (text: string): boolean => text.charCodeAt(0) === 39 && GUARDED.test(text);

/** A trimmed cell without its formula guard: one leading `'` fewer when it has one. */
export const unguard = (text: string): string => (isGuarded(text) ? text.slice(1) : text);

/**
 * A trimmed phone or id without a spreadsheet guard: the formula guard, or the `'` that spreadsheet
 * exports put before phones and zips (`'75008`, `'+1 555…`).
 */
export const stripSpreadsheetGuard = (text: string): string =>
  isGuarded(text)
    ? text.slice(1)
    : text.length > 1 && text.startsWith("'") && /^[+\d(]/.test(text.slice(1))
      ? text.slice(1)
      : text;

/**
 * A cell as a value of `type`: null when blank (after trim), undefined when it does not fit.
 * Strings are trimmed and unguarded; dates are epoch ms UTC.
 */
export const parseValue = (
  raw: string,
  type: ValueType,
  options: ValueOptions = {}
): Value | null | undefined => {
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  const text = unguard(trimmed);
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return parseNumber(text, options);
    case 'boolean':
      return parseBoolean(text, true);
    case 'date':
      return parseDate(text);
  }
};

const LEADING_ZERO = /^[+-]?0\d/;

/**
 * The type that fits every non-blank cell: number, then boolean, then date, else string. Numbers
 * with a leading zero (zip codes, ids) stay strings; `1`/`0` count as boolean only next to words;
 * a formula-guarded cell is text, so its column is string.
 */
export const inferType = (cells: readonly string[], options: ValueOptions = {}): ValueType => {
  let seen = 0;
  let number = true;
  let boolean = true;
  let booleanWord = false;
  let date = true;
  for (const raw of cells) {
    const text = raw.trim();
    if (text === '') continue;
    if (isGuarded(text)) return 'string';
    seen++;
    if (number && (LEADING_ZERO.test(text) || parseNumber(text, options) === undefined))
      number = false;
    if (boolean) {
      if (parseBoolean(text, false) !== undefined) booleanWord = true;
      else if (text !== '0' && text !== '1') boolean = false;
    }
    if (date && parseDate(text) === undefined) date = false;
    if (!number && !boolean && !date) return 'string';
  }
  if (seen === 0) return 'string';
  if (boolean && booleanWord) return 'boolean';
  if (number) return 'number';
  if (date) return 'date';
  return 'string';
};
