// The import report: rows that were not imported, and their CSV download (quoted, and defended
// against CSV injection so that opening it in a spreadsheet never runs a formula).

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
