// Matching an uploaded list of customers (one column of ids, emails or phones) against the customers on
// this device: which column to use, how each cell becomes a key, and the report of matched, unmatched and
// duplicate rows (with a formula-safe CSV of the unmatched rows). Pure: the lookup is passed in.
import type { CountryCode } from 'libphonenumber-js';
import { emailKey, toE164 } from './mapper';
import { normalizeHeader } from './columns';
import { csvCell } from './report';
import { stripSpreadsheetGuard } from './values';

export type MatchBy = 'id' | 'email' | 'phone';
export const MATCH_BY: readonly MatchBy[] = ['id', 'email', 'phone'];

/** Finds the customers a normalised key belongs to (ids as stored; several when an email is shared). */
export type ListLookup = (by: MatchBy, key: string) => readonly string[];

export interface ListColumnGuess {
  readonly index: number;
  readonly by: MatchBy;
}

const ID_HEADERS = ['id', 'customer_id', 'customer', 'user_id', 'external_id', 'client_id'];
const EMAIL_HEADERS = ['email', 'e_mail', 'email_address', 'mail'];
const PHONE_HEADERS = [
  'phone',
  'phone_number',
  'mobile',
  'mobile_number',
  'tel',
  'telephone',
  'cell'
];

/** What a cell looks like, to guess the column when the headers say nothing. */
function looksLike(cell: string): MatchBy | undefined {
  const text = cell.trim();
  if (text === '') return undefined;
  if (emailKey(text)) return 'email';
  if (/^[+(]?[\d\s().-]{7,}$/.test(text) && text.replace(/\D/g, '').length >= 7) return 'phone';
  return undefined;
}

/**
 * The column to match on, and how: a header that names an id, email or phone wins (in that order of
 * preference: ids are exact), else the column whose sample cells look most like emails or phones, else
 * the first column as ids.
 */
export function guessListColumn(
  headers: readonly string[],
  sample: readonly (readonly string[])[]
): ListColumnGuess {
  const keys = headers.map(normalizeHeader);
  for (const [names, by] of [
    [ID_HEADERS, 'id'],
    [EMAIL_HEADERS, 'email'],
    [PHONE_HEADERS, 'phone']
  ] as const) {
    const index = keys.findIndex((k) => (names as readonly string[]).includes(k));
    if (index >= 0) return { index, by };
  }
  let best: ListColumnGuess = { index: 0, by: 'id' };
  let bestShare = 0;
  for (let index = 0; index < headers.length; index++) {
    const cells = sample.map((row) => row[index] ?? '').filter((c) => c.trim() !== '');
    if (cells.length === 0) continue;
    for (const by of ['email', 'phone'] as const) {
      const share = cells.filter((c) => looksLike(c) === by).length / cells.length;
      if (share > 0.5 && share > bestShare) {
        best = { index, by };
        bestShare = share;
      }
    }
  }
  return best;
}

/** The key a cell stands for, or undefined when it cannot be one (not an email, not a phone). */
export function listKey(
  raw: string,
  by: MatchBy,
  defaultCountry?: CountryCode
): string | undefined {
  const text = stripSpreadsheetGuard(raw.trim());
  if (text === '') return undefined;
  switch (by) {
    case 'id':
      return text;
    case 'email':
      return emailKey(text);
    case 'phone':
      return toE164(text, defaultCountry) ?? undefined;
  }
}

export type UnmatchedReason = 'blank' | 'invalid' | 'unknown';

export interface UnmatchedRow {
  /** Spreadsheet row number (the header is row 1). */
  readonly row: number;
  readonly value: string;
  readonly reason: UnmatchedReason;
  /** The whole record as read, for the downloadable CSV. */
  readonly cells: readonly string[];
}

export interface DuplicateRow {
  readonly row: number;
  readonly value: string;
  /** The row that matched the same customer(s) first. */
  readonly firstRow: number;
  readonly customerIds: readonly string[];
}

export interface ListMatchResult {
  readonly by: MatchBy;
  /** Data rows read (blank lines excluded). */
  readonly rows: number;
  /** Rows that matched a customer not matched by an earlier row. */
  readonly matchedRows: number;
  /** Distinct customers matched, in the order first matched. */
  readonly customerIds: readonly string[];
  readonly unmatched: readonly UnmatchedRow[];
  readonly duplicates: readonly DuplicateRow[];
}

function isBlankRow(cells: readonly string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i].trim() !== '') return false;
  return true;
}

const BY_WORD: Record<MatchBy, string> = { id: 'id', email: 'email', phone: 'phone' };

/** A sentence for an unmatched row, as the report and its CSV show it. */
export function unmatchedReason(reason: UnmatchedReason, by: MatchBy): string {
  switch (reason) {
    case 'blank':
      return `No ${BY_WORD[by]} in this row.`;
    case 'invalid':
      return by === 'email'
        ? 'Not an email address.'
        : by === 'phone'
          ? 'Not a phone number (check the default country).'
          : 'Not an id.';
    case 'unknown':
      return `No customer with this ${BY_WORD[by]} on this device.`;
  }
}

/** Matches rows chunk by chunk (a list can be large); `result()` gives the report so far. */
export class ListMatcher {
  #rows = 0;
  #matchedRows = 0;
  readonly #ids: string[] = [];
  /** Customer id → the row that first matched it. */
  readonly #firstRow = new Map<string, number>();
  readonly #unmatched: UnmatchedRow[] = [];
  readonly #duplicates: DuplicateRow[] = [];

  constructor(
    private readonly column: number,
    private readonly by: MatchBy,
    private readonly lookup: ListLookup,
    private readonly defaultCountry?: CountryCode
  ) {}

  /** `rows[i]` is spreadsheet row `firstRowNumber + i`; blank lines (`[]` or all blank) are skipped. */
  addRows(rows: readonly (readonly string[])[], firstRowNumber: number): void {
    for (let i = 0; i < rows.length; i++) {
      const cells = rows[i];
      if (isBlankRow(cells)) continue;
      const row = firstRowNumber + i;
      this.#rows++;
      const value = cells[this.column] ?? '';
      if (value.trim() === '') {
        this.#unmatched.push({ row, value, reason: 'blank', cells });
        continue;
      }
      const key = listKey(value, this.by, this.defaultCountry);
      if (key === undefined) {
        this.#unmatched.push({ row, value, reason: 'invalid', cells });
        continue;
      }
      const ids = this.lookup(this.by, key);
      if (ids.length === 0) {
        this.#unmatched.push({ row, value, reason: 'unknown', cells });
        continue;
      }
      let fresh = 0;
      for (let k = 0; k < ids.length; k++) if (!this.#firstRow.has(ids[k])) fresh++;
      if (fresh === 0) {
        this.#duplicates.push({
          row,
          value,
          firstRow: this.#firstRow.get(ids[0]) ?? row,
          customerIds: [...ids]
        });
        continue;
      }
      this.#matchedRows++;
      for (let k = 0; k < ids.length; k++) {
        if (this.#firstRow.has(ids[k])) continue;
        this.#firstRow.set(ids[k], row);
        this.#ids.push(ids[k]);
      }
    }
  }

  result(): ListMatchResult {
    return {
      by: this.by,
      rows: this.#rows,
      matchedRows: this.#matchedRows,
      customerIds: [...this.#ids],
      unmatched: [...this.#unmatched],
      duplicates: [...this.#duplicates]
    };
  }
}

/**
 * The unmatched rows as CSV: the row number, the file's own columns (so they can be fixed and uploaded
 * again) and the reason. Cells are quoted and defended against formulas (csvCell).
 */
export function unmatchedRowsCsv(
  headers: readonly string[],
  rows: readonly UnmatchedRow[],
  by: MatchBy
): string {
  const lines = [['row', ...headers, 'reason'].map(csvCell).join(',')];
  for (const r of rows) {
    const cells = headers.map((_, i) => csvCell(r.cells[i] ?? ''));
    lines.push([String(r.row), ...cells, csvCell(unmatchedReason(r.reason, by))].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
