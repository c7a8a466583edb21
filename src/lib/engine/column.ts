// A growable typed column with a presence bitmap (strings dictionary-encoded), used for customer
// attributes (indexed by customer) and event properties (indexed by event row); plus value conversion
// between types, which re-typing a column needs.
import type { FieldDef, Value, ValueType } from './schema';

/** How strings compare everywhere in the engine: case-insensitive, surrounding spaces ignored. */
export const normalizeText = (s: string): string => s.trim().toLowerCase();

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses `YYYY-MM-DD` or an ISO date-time (UTC unless an offset is given) to epoch ms; NaN if invalid. */
export function parseIsoInstant(text: string): number {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, ms, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return NaN;
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let t = Date.UTC(year, month - 1, day, hour, minute, second, Number((ms ?? '0').padEnd(3, '0')));
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return t;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days in month `month0` (0-based; others roll over into the years around) of `year`, as
 * `Date.UTC(year, month0 + 1, 0)` counts them, without a Date: timer pops and live updates with
 * month windows ask it several times each. (Date.UTC reads years 0 to 99 as 1900 to 1999.)
 */
export function daysInMonth(year: number, month0: number): number {
  let y = year >= 0 && year <= 99 ? year + 1900 : year;
  const roll = Math.floor(month0 / 12);
  y += roll;
  const m = month0 - roll * 12;
  if (m !== 1) return MONTH_DAYS[m];
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

function typeOfValue(v: Value, declared: ValueType): ValueType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return declared === 'date' ? 'date' : 'number';
}

/**
 * Converts a value to another type, or null when it has no sensible meaning there. Used when a
 * column is re-typed by a later import, and to coerce batch values that disagree with their FieldDef.
 */
export function convertValue(v: Value, from: ValueType, to: ValueType): Value | null {
  const actual = typeOfValue(v, from);
  if (actual === to) return v;
  if (to === 'string') {
    if (actual === 'date') return new Date(v as number).toISOString();
    return String(v);
  }
  if (to === 'number') {
    if (actual !== 'string') return null;
    const text = (v as string).trim().replace(/_/g, '');
    if (text === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  }
  if (to === 'boolean') {
    if (actual === 'number') return v === 1 ? true : v === 0 ? false : null;
    if (actual !== 'string') return null;
    const word = normalizeText(v as string);
    return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : null;
  }
  // to date
  if (actual !== 'string') return null;
  const t = parseIsoInstant(v as string);
  return Number.isNaN(t) ? null : t;
}

/**
 * Dictionary code 0 stands for "no value": missing rows keep code 0, and per-code match tables map
 * it to 0, so string loops need no presence test.
 */
const MISSING_TEXT = '';

/** Slots in a column's look-up cache (a power of two). */
const RECENT = 4096;

export class Column {
  def: FieldDef;
  /** Numbers and dates (epoch ms); missing rows are NaN unless `missingAsNaN` is off. */
  nums: Float64Array = new Float64Array(0);
  /**
   * Booleans, one byte each: 0 missing, 1 false, 2 true (an 8-byte float per flag made boolean
   * conditions read eight times the memory; as small codes they use per-code tables like strings).
   */
  bools: Uint8Array = new Uint8Array(0);
  /** Dictionary codes for strings. */
  codes: Int32Array = new Int32Array(0);
  /** Bit i set when row i has a value. */
  presence: Uint32Array = new Uint32Array(0);
  presentCount = 0;
  /**
   * The string dictionary: exact text and a reverse index. Columns whose values are nearly all
   * distinct (emails, phones) switch to "raw" mode: every value gets a fresh entry without hashing,
   * because a dictionary there saves nothing and the hashing dominated ingest time.
   */
  readonly dict: string[] = [MISSING_TEXT];
  private readonly dictIndex = new Map<string, number>();
  /** Hash slot of a text → its code, a cache in front of dictIndex (see intern). */
  private recent: Int32Array | undefined;
  private raw = false;
  private lastText: string | undefined;
  private lastCode = 0;
  private sets = 0;
  private nextCheck = 4096;
  /** Normalized forms of dict entries, filled on demand (see `norm`). */
  private readonly normalized: string[] = [];
  private capacity = 0;

  /**
   * `missingAsNaN`: missing numbers read as NaN (attribute columns, whose loops skip the presence
   * test). Event property columns are always read through `has`, so they leave missing rows as 0 and
   * skip filling their spare capacity: at 10M events those fills touched tens of MB of fresh memory.
   */
  constructor(
    def: FieldDef,
    capacity = 0,
    private readonly missingAsNaN = true
  ) {
    this.def = def;
    this.grow(Math.max(capacity, 16));
  }

  get type(): ValueType {
    return this.def.type;
  }

  ensureCapacity(n: number): void {
    if (n > this.capacity) this.grow(Math.max(n, this.capacity * 2));
  }

  private grow(capacity: number): void {
    if (this.def.type === 'string') {
      const codes = new Int32Array(capacity);
      codes.set(this.codes);
      this.codes = codes;
      this.nums = new Float64Array(0);
    } else if (this.def.type === 'boolean') {
      const bools = new Uint8Array(capacity);
      bools.set(this.bools);
      this.bools = bools;
      this.nums = new Float64Array(0);
    } else {
      // Missing numbers read as NaN, so comparisons over the column need no presence test.
      const nums = new Float64Array(capacity);
      if (this.missingAsNaN) nums.fill(NaN, this.nums.length);
      nums.set(this.nums);
      this.nums = nums;
      this.codes = new Int32Array(0);
    }
    const presence = new Uint32Array((capacity + 31) >>> 5);
    presence.set(this.presence);
    this.presence = presence;
    this.capacity = capacity;
  }

  has(i: number): boolean {
    return (this.presence[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Dictionary code of a string, adding it when new. */
  intern(s: string): number {
    this.sets++;
    // Neighbouring rows often repeat a value (one session's events share a product).
    if (s === this.lastText) return this.lastCode;
    if (this.raw) {
      this.dict.push(s);
      return this.dict.length - 1;
    }
    this.lastText = s;
    // A small table from a cheap hash of the text (length and three characters) to its last code
    // answers most look-ups with one string comparison; hashing the whole fresh string for the Map
    // was the largest single cost of building the store.
    const len = s.length;
    const slot =
      len === 0
        ? 0
        : (len * 40503) ^
          (s.charCodeAt(0) << 4) ^
          (s.charCodeAt(len >>> 1) << 8) ^
          (s.charCodeAt(len - 1) << 2);
    const recent = (this.recent ??= new Int32Array(RECENT));
    const guess = recent[slot & (RECENT - 1)];
    // Code 0 is "no value" and never cached.
    if (guess !== 0 && this.dict[guess] === s) {
      this.lastCode = guess;
      return guess;
    }
    let code = this.dictIndex.get(s);
    if (code === undefined) {
      code = this.dict.length;
      this.dict.push(s);
      this.dictIndex.set(s, code);
      if (code === this.nextCheck + 1) {
        this.nextCheck *= 2;
        if (code * 4 > this.sets * 3) {
          this.raw = true;
          this.dictIndex.clear();
        }
      }
    }
    recent[slot & (RECENT - 1)] = code;
    this.lastCode = code;
    return code;
  }

  /** The normalized text of dictionary entry `code`. */
  norm(code: number): string {
    let n = this.normalized[code];
    if (n === undefined) {
      n = normalizeText(this.dict[code]);
      this.normalized[code] = n;
    }
    return n;
  }

  /** Normalized texts of the whole dictionary (for per-code match tables). */
  normAll(): readonly string[] {
    const d = this.dict;
    const out = this.normalized;
    for (let k = out.length; k < d.length; k++) out.push(normalizeText(d[k]));
    return out;
  }

  /** Sets row i (capacity must already suffice); null clears it. Values of another type are converted. */
  set(i: number, v: Value | null): void {
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    const had = (this.presence[word] & bit) !== 0;
    let value = v;
    if (value !== null && typeOfValue(value, this.def.type) !== this.def.type) {
      value = convertValue(
        value,
        typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : 'number',
        this.def.type
      );
    }
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) {
      if (had) {
        this.presence[word] &= ~bit;
        this.presentCount--;
        if (this.def.type === 'string') this.codes[i] = 0;
        else if (this.def.type === 'boolean') this.bools[i] = 0;
        else this.nums[i] = NaN;
      }
      return;
    }
    if (this.def.type === 'string') this.codes[i] = this.intern(value as string);
    else if (this.def.type === 'boolean') this.bools[i] = value === true ? 2 : 1;
    else this.nums[i] = value as number;
    if (!had) {
      this.presence[word] |= bit;
      this.presentCount++;
    }
  }

  /** Bulk `set(rows[r], values[r])` with the type dispatch hoisted out of the loop. */
  setMany(
    rows: Int32Array,
    values: readonly (Value | null | undefined)[],
    count = rows.length
  ): void {
    const type = this.def.type;
    const presence = this.presence;
    let present = this.presentCount;
    for (let r = 0; r < count; r++) {
      const v = values[r];
      const i = rows[r];
      if (i < 0) continue;
      const fits =
        v !== null &&
        v !== undefined &&
        (type === 'string'
          ? typeof v === 'string'
          : type === 'boolean'
            ? typeof v === 'boolean'
            : typeof v === 'number' && !Number.isNaN(v));
      if (!fits) {
        this.presentCount = present;
        this.set(i, v ?? null);
        present = this.presentCount;
        continue;
      }
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if ((presence[word] & bit) === 0) {
        presence[word] |= bit;
        present++;
      }
      if (type === 'string') this.codes[i] = this.intern(v as string);
      else if (type === 'boolean') this.bools[i] = v === true ? 2 : 1;
      else this.nums[i] = v as number;
    }
    this.presentCount = present;
  }

  get(i: number): Value | null {
    if (!this.has(i)) return null;
    switch (this.def.type) {
      case 'string':
        return this.dict[this.codes[i]];
      case 'boolean':
        return this.bools[i] === 2;
      default:
        return this.nums[i];
    }
  }

  /** Changes the column's type in place over rows [0, length): convertible values stay, others go. */
  retype(def: FieldDef, length: number): void {
    const old = this.def;
    const values: (Value | null)[] = new Array(length);
    for (let i = 0; i < length; i++) values[i] = this.get(i);
    this.def = def;
    this.nums = new Float64Array(0);
    this.codes = new Int32Array(0);
    this.bools = new Uint8Array(0);
    this.presence = new Uint32Array(0);
    this.presentCount = 0;
    this.dict.length = 1;
    this.normalized.length = 0;
    this.dictIndex.clear();
    this.recent = undefined;
    this.raw = false;
    this.lastText = undefined;
    this.sets = 0;
    this.nextCheck = 4096;
    const capacity = this.capacity;
    this.capacity = 0;
    this.grow(capacity);
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v !== null) this.set(i, convertValue(v, old.type, def.type));
    }
  }
}
