// The value parsers as they were before the fast paths (commit 2612243): the reference for tests.

// Turning one CSV cell into a typed value, and guessing a column's type from its cells. Forgiving of
// what real exports contain (money with symbols and grouping, yes/no booleans, zoned date-times).

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

/** A number from `1,299.00`, `$1,299.00`, `₹ 1,29,999`, `-3.5`, `(12.00)`, `USD 5`; undefined if not one. */
export const parseNumber = (raw: string, options: ValueOptions = {}): number | undefined => {
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
  if (EPOCH.test(text)) {
    const n = Number(text);
    return Math.round(n < 1e11 ? n * 1000 : n);
  }
  return parseDate(text);
};

/**
 * The formula guard, as specified: a trimmed cell that is one or more `'` and then `=`, `+`, `-`,
 * `@`, tab or CR loses exactly one `'`; nothing else changes.
 */
export const unguard = (text: string): string =>
  /^'+[=+\-@\t\r]/.test(text) ? text.slice(1) : text;

/** Phones and ids: the formula guard, else the spreadsheet guard before digits (`'75008`); drop it. */
export const stripSpreadsheetGuard = (text: string): string =>
  unguard(text) !== text
    ? unguard(text)
    : text.length > 1 && text.startsWith("'") && /^[+\d(]/.test(text.slice(1))
      ? text.slice(1)
      : text;

/**
 * A cell as a value of `type`: null when blank (after trim), undefined when it does not fit.
 * Strings are trimmed; dates are epoch ms UTC.
 */
export const parseValue = (
  raw: string,
  type: ValueType,
  options: ValueOptions = {}
): Value | null | undefined => {
  if (raw.trim() === '') return null;
  const text = unguard(raw.trim());
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
 * with a leading zero (zip codes, ids) stay strings; `1`/`0` count as boolean only next to words.
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
