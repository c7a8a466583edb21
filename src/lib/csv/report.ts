// CSV out: the import report's rows that were not imported, and CSV text written with PapaParse, both
// quoted where needed and defended against CSV injection so that a spreadsheet never runs a formula.
import Papa from 'papaparse';

export interface RejectedRow {
  /** Spreadsheet row number in the file: the header is row 1. */
  readonly row: number;
  /** The column's header ('' when the problem is the whole row). */
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

/** Text a spreadsheet would run as a formula, also behind quotes (see values.ts on the guard). */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * One CSV cell: a formula-like start is neutralised with `'` (values.ts `unguard` undoes exactly
 * that on import), then quoted when needed (a tab too, so delimiter sniffing never sees it).
 */
export const csvCell = (value: string): string => {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\t\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** A cell for csvRows: text is guarded and quoted as csvCell does; numbers and booleans as they are. */
export type CsvValue = string | number | boolean;

/**
 * Rows as CSV text with CRLF line ends (one after the last row too), written by PapaParse with the
 * same formula guard and quoting rules as csvCell, so that the app's import reads every value back.
 */
export const csvRows = (rows: readonly (readonly CsvValue[])[]): string =>
  rows.length === 0
    ? ''
    : Papa.unparse(rows as CsvValue[][], {
        newline: '\r\n',
        escapeFormulae: FORMULA_START,
        quotes: (value: unknown) =>
          typeof value === 'string' && (/\t/.test(value) || value !== value.trim())
      }) + '\r\n';

/** The report as CSV text with a `row,column,value,reason` header and CRLF line ends. */
export const rejectedRowsToCsv = (rows: readonly RejectedRow[]): string => {
  const lines = ['row,column,value,reason'];
  for (const r of rows)
    lines.push([String(r.row), csvCell(r.column), csvCell(r.value), csvCell(r.reason)].join(','));
  return lines.join('\r\n') + '\r\n';
};

/** How many distinct rows a report lists (a row can be listed once per bad cell). */
export const countRejectedRows = (rows: readonly RejectedRow[]): number =>
  new Set(rows.map((r) => r.row)).size;
