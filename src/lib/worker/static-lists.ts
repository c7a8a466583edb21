// Uploaded customer lists, in the worker: sniffing the file and guessing the column to match on, then
// streaming it through PapaParse and matching each row by id, email or phone against the customers in
// memory. The report (matched, unmatched with a formula-safe CSV, duplicates) feeds static segments.
import type { CountryCode } from 'libphonenumber-js';
import { fail, issue, ok, type Result } from '$lib/engine/result';
import { EMAIL_KEY, PHONE_E164_KEY, PHONE_KEY } from '$lib/engine/schema';
import {
  guessListColumn,
  ListMatcher,
  unmatchedReason,
  unmatchedRowsCsv,
  type ListLookup,
  type MatchBy
} from '$lib/csv/list-match';
import { emailKey, toE164 } from '$lib/csv/mapper';
import { SNIFF_BYTES, sniff, type CsvDelimiter, type CsvEncoding } from '$lib/csv/sniff';
import { parseCsv } from '$lib/csv/stream';
import type { Workspace } from './workspace';

export interface ListInspection {
  readonly fileName: string;
  readonly headers: readonly string[];
  /** The first data rows, for the preview. */
  readonly sample: readonly (readonly string[])[];
  /** The column and kind of key the app proposes (the user may change both). */
  readonly column: number;
  readonly by: MatchBy;
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
}

export interface ListSetup {
  readonly column: number;
  readonly by: MatchBy;
  /** ISO 3166 alpha-2 country for phones written without a country code. */
  readonly defaultCountry: string;
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
}

export interface ListProgress {
  readonly bytesDone: number;
  readonly totalBytes: number;
  /** Rows of the file matched so far. */
  readonly rowsDone: number;
}

export type ListProgressCallback = (progress: ListProgress) => void;

/** A row of the report, as shown on screen. */
export interface ListReportRow {
  readonly row: number;
  readonly value: string;
  readonly reason: string;
}

export interface ListMatchReport {
  readonly fileName: string;
  readonly by: MatchBy;
  /** The header of the column matched on. */
  readonly columnName: string;
  readonly rows: number;
  /** Rows that found a customer (not counting duplicates). */
  readonly matchedRows: number;
  /** The distinct customers found, in file order: what a static segment gets. */
  readonly customerIds: readonly string[];
  readonly unmatchedCount: number;
  readonly duplicateCount: number;
  /** The first rows of each kind, for the screen (the CSV has all unmatched rows). */
  readonly unmatched: readonly ListReportRow[];
  readonly duplicates: readonly ListReportRow[];
  /** Every unmatched row with the file's own columns and the reason, formula-safe. */
  readonly unmatchedCsv: string;
}

/** How many rows of each kind the report shows on screen. */
const SHOWN = 100;
/** Rows matched between progress reports (and chances for a cancel to come in). */
const MATCH_CHUNK = 2_000;

const cancelled = <T>(): Result<T> =>
  fail(issue('cancelled', 'Matching was cancelled; nothing was kept.'));

export class StaticLists {
  /** The data version and country the lookup maps were built for. */
  #lookupKey = '';
  #emails = new Map<string, string[]>();
  #phones = new Map<string, string[]>();
  /** The match running now: a new one, or cancel(), stops it. */
  #controller: AbortController | null = null;

  constructor(private readonly workspace: Workspace) {}

  /** Stops the match running now, if any (it resolves with a `cancelled` issue, no report). */
  cancel(): void {
    this.#controller?.abort();
  }

  async inspect(file: Blob, fileName: string): Promise<Result<ListInspection>> {
    const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
    const sniffed = sniff(head, { totalBytes: file.size });
    if (!sniffed.ok) return sniffed;
    const { headers, sampleRows, encoding, delimiter } = sniffed.value;
    const guess = guessListColumn(headers, sampleRows);
    return ok({
      fileName,
      headers,
      sample: sampleRows.slice(0, 5),
      column: guess.index,
      by: guess.by,
      encoding,
      delimiter
    });
  }

  async match(
    file: Blob,
    fileName: string,
    setup: ListSetup,
    onProgress?: ListProgressCallback
  ): Promise<Result<ListMatchReport>> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    try {
      return await this.#match(file, fileName, setup, signal, onProgress);
    } finally {
      if (this.#controller === controller) this.#controller = null;
    }
  }

  async #match(
    file: Blob,
    fileName: string,
    setup: ListSetup,
    signal: AbortSignal,
    onProgress?: ListProgressCallback
  ): Promise<Result<ListMatchReport>> {
    let headers: string[] = [];
    const matcher = new ListMatcher(
      setup.column,
      setup.by,
      this.#lookup(setup.defaultCountry as CountryCode),
      setup.defaultCountry as CountryCode
    );
    let bytesDone = 0;
    let rowsDone = 0;
    onProgress?.({ bytesDone, totalBytes: file.size, rowsDone });
    const parsed = await parseCsv(file, {
      encoding: setup.encoding,
      delimiter: setup.delimiter,
      chunkRows: MATCH_CHUNK,
      signal,
      onHeader: (h) => {
        headers = h.map((x) => x.trim());
      },
      onRows: async (rows, first) => {
        matcher.addRows(rows, first);
        rowsDone += rows.length;
        onProgress?.({ bytesDone, totalBytes: file.size, rowsDone });
        // Lets a cancel (or a newer match) in between chunks.
        await new Promise((resolve) => setTimeout(resolve, 0));
      },
      onProgress: (consumed) => {
        bytesDone = consumed;
      }
    });
    if (signal.aborted) return cancelled();
    if (!parsed.ok) return parsed;
    onProgress?.({ bytesDone: file.size, totalBytes: file.size, rowsDone });
    if (setup.column < 0 || setup.column >= headers.length) {
      return fail(issue('no-column', 'Choose the column that holds the ids, emails or phones.'));
    }
    const result = matcher.result();
    if (result.rows === 0) {
      return fail(
        issue('empty-list', 'The file has a header but no rows: there is no one to match.')
      );
    }
    const show = (r: { row: number; value: string }, reason: string): ListReportRow => ({
      row: r.row,
      value: r.value,
      reason
    });
    return ok({
      fileName,
      by: setup.by,
      columnName: headers[setup.column] ?? '',
      rows: result.rows,
      matchedRows: result.matchedRows,
      customerIds: result.customerIds,
      unmatchedCount: result.unmatched.length,
      duplicateCount: result.duplicates.length,
      unmatched: result.unmatched
        .slice(0, SHOWN)
        .map((r) => show(r, unmatchedReason(r.reason, setup.by))),
      duplicates: result.duplicates
        .slice(0, SHOWN)
        .map((r) => show(r, `Same customer as row ${r.firstRow}.`)),
      unmatchedCsv: unmatchedRowsCsv(headers, result.unmatched, setup.by)
    });
  }

  /** Customers by id, email (trimmed, lower case) or E.164 phone, over the data in memory. */
  #lookup(defaultCountry: CountryCode): ListLookup {
    const store = this.workspace.store;
    const lookupKey = `${this.workspace.version}:${defaultCountry}`;
    if (this.#lookupKey !== lookupKey) {
      const emails = new Map<string, string[]>();
      const phones = new Map<string, string[]>();
      const add = (map: Map<string, string[]>, key: string, id: string) => {
        const ids = map.get(key);
        if (ids) ids.push(id);
        else map.set(key, [id]);
      };
      for (let c = 0; c < store.customerCount; c++) {
        const id = store.idOf(c);
        const email = store.value(c, EMAIL_KEY);
        if (typeof email === 'string') {
          const key = emailKey(email);
          if (key) add(emails, key, id);
        }
        // Phones were normalised at import with the country chosen then; a phone stored without its
        // E.164 form is normalised now with the country chosen for this list.
        const e164 = store.value(c, PHONE_E164_KEY);
        const phone = store.value(c, PHONE_KEY);
        const key =
          typeof e164 === 'string' && e164 !== ''
            ? e164
            : typeof phone === 'string'
              ? toE164(phone, defaultCountry)
              : null;
        if (key) add(phones, key, id);
      }
      this.#emails = emails;
      this.#phones = phones;
      this.#lookupKey = lookupKey;
    }
    const none: readonly string[] = [];
    return (by, key) => {
      if (by === 'email') return this.#emails.get(key) ?? none;
      if (by === 'phone') return this.#phones.get(key) ?? none;
      return store.indexOf(key) >= 0 ? [key] : none;
    };
  }
}
