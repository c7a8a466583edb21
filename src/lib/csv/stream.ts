// Streaming CSV records out of a string, a File/Blob (worker) or a byte stream (Node), in chunks of
// rows, with backpressure from an async consumer and cancellation. PapaParse's own chunk parser does
// the CSV work; decoding is ours (TextDecoder) so UTF-16 and Windows-1252 are really decoded.

import Papa from 'papaparse';
import { fail, issue, ok, type Result } from '$lib/engine/result';
import { createDecoder, type CsvDelimiter, type CsvEncoding, type CsvNewline } from './sniff';

export type CsvSource =
  string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

export interface ParseCsvOptions {
  readonly delimiter: CsvDelimiter;
  readonly encoding: CsvEncoding;
  /** Detected from the first chunk when absent. */
  readonly newline?: CsvNewline;
  /** Rows handed to `onRows` at a time (the last call may have fewer). Default 10,000. */
  readonly chunkRows?: number;
  /** Receives the first non-blank record. */
  readonly onHeader?: (headers: string[]) => void | Promise<void>;
  /**
   * Records after the header. `rows[i]` is spreadsheet row `firstRowNumber + i` (header = 1, a quoted
   * newline does not start a row). Blank lines arrive as `[]` so that numbering stays that of the
   * file; mappers skip them. Awaited before more is read (backpressure).
   */
  readonly onRows: (rows: string[][], firstRowNumber: number) => void | Promise<void>;
  /** Bytes (or characters, for a string source) consumed so far. */
  readonly onProgress?: (consumed: number) => void;
  readonly signal?: AbortSignal;
}

export interface ParseSummary {
  /** Records after the header, blank lines included. */
  readonly rows: number;
  readonly blankRows: number;
  readonly consumed: number;
}

interface RawResult {
  readonly data: string[][];
  readonly meta: { readonly cursor: number };
}

const STRING_CHUNK = 1 << 20;

/** The first line break outside quotes. */
export const detectNewline = (text: string): CsvNewline => {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === '\r') return text[i + 1] === '\n' ? '\r\n' : '\r';
    else if (!inQuotes && c === '\n') return '\n';
  }
  return '\n';
};

const rawParser = (
  delimiter: string,
  newline: CsvNewline
): ((input: string, ignoreLastRow: boolean) => RawResult) => {
  const parser = new Papa.Parser({ delimiter, newline });
  return (input, ignoreLastRow) => parser.parse(input, 0, ignoreLastRow) as RawResult;
};

/**
 * The records of `input` exactly as PapaParse's parser reads them (same rows, same `cursor`), faster
 * on real files: lines without a quote are split natively (PapaParse's own fast mode, which it only
 * uses when a whole chunk is free of quotes), and only the lines around a quote go through PapaParse.
 * With `ignoreLastRow`, the last record (possibly cut) is left for the next call. Exported for tests.
 */
export const hybridParser = (
  delimiter: string,
  newline: CsvNewline
): ((input: string, ignoreLastRow: boolean) => RawResult) => {
  const papa = rawParser(delimiter, newline);
  const nl = newline.length;
  return (input, ignoreLastRow) => {
    const data: string[][] = [];
    const n = input.length;
    if (n === 0) return { data, meta: { cursor: 0 } };
    let pos = 0;
    let quote = input.indexOf('"');
    if (quote === -1) quote = n;
    for (;;) {
      const end = input.indexOf(newline, pos);
      if (quote >= (end === -1 ? n : end)) {
        // A line without quotes (quotes before `pos` were consumed with their records).
        if (end === -1) {
          if (ignoreLastRow) return { data, meta: { cursor: pos } };
          data.push(input.slice(pos).split(delimiter));
          return { data, meta: { cursor: n } };
        }
        data.push(input.slice(pos, end).split(delimiter));
        pos = end + nl;
        continue;
      }
      // A quote on this line: let PapaParse read whole records from here, on a region that ends
      // after a line break, growing it while no record completes (a quoted field spans lines).
      let regionEnd = end === -1 ? n : end + nl;
      for (;;) {
        const last = regionEnd === n && !ignoreLastRow;
        const result = papa(input.slice(pos, regionEnd), !last);
        if (result.data.length > 0 || last) {
          for (const record of result.data) data.push(record);
          pos += result.meta.cursor;
          break;
        }
        if (regionEnd === n) return { data, meta: { cursor: pos } };
        const next = input.indexOf(newline, Math.max(regionEnd, 2 * regionEnd - pos));
        regionEnd = next === -1 ? n : next + nl;
      }
      if (pos >= n && !ignoreLastRow) return { data, meta: { cursor: pos } };
      if (quote < pos) {
        quote = input.indexOf('"', pos);
        if (quote === -1) quote = n;
      }
    }
  };
};

/** Parses a whole text at once (sniffing, tests). `ignoreLastRow` drops a possibly cut last record. */
export const parseCsvText = (
  text: string,
  options: { delimiter: CsvDelimiter; newline?: CsvNewline; ignoreLastRow?: boolean }
): string[][] => {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows = rawParser(options.delimiter, options.newline ?? detectNewline(body))(
    body,
    options.ignoreLastRow ?? false
  ).data;
  const last = rows[rows.length - 1];
  if (last && last.length === 1 && last[0] === '' && !options.ignoreLastRow) rows.pop();
  return rows;
};

async function* textChunks(
  source: CsvSource,
  encoding: CsvEncoding,
  onProgress: (consumed: number) => void
): AsyncGenerator<string> {
  if (typeof source === 'string') {
    for (let i = 0; i < source.length; i += STRING_CHUNK) {
      onProgress(Math.min(source.length, i + STRING_CHUNK));
      yield source.slice(i, i + STRING_CHUNK);
    }
    return;
  }
  const decoder = createDecoder(encoding);
  let consumed = 0;
  const bytes = isBlob(source) ? source.stream() : source;
  for await (const chunk of iterate(bytes)) {
    if (typeof chunk === 'string') {
      consumed += chunk.length;
      onProgress(consumed);
      yield* pieces(chunk);
    } else {
      consumed += chunk.byteLength;
      onProgress(consumed);
      yield* pieces(decoder.decode(chunk));
    }
  }
  yield decoder.decode();
}

/** A large text in `STRING_CHUNK` pieces, so that rows flow (and memory stays flat) on big chunks. */
function* pieces(text: string): Generator<string> {
  if (text.length <= STRING_CHUNK) {
    yield text;
    return;
  }
  for (let i = 0; i < text.length; i += STRING_CHUNK) yield text.slice(i, i + STRING_CHUNK);
}

const isBlob = (source: CsvSource): source is Blob =>
  typeof Blob !== 'undefined' && source instanceof Blob;

async function* iterate(
  source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>
): AsyncGenerator<Uint8Array | string> {
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<Uint8Array | string>;
    return;
  }
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const isBlankLine = (row: readonly string[]): boolean => row.length === 1 && row[0].trim() === '';

/**
 * Streams a CSV: header to `onHeader`, then rows to `onRows` in chunks. Fails with `cancelled` when
 * the signal aborts (nothing more is delivered after that); errors thrown by callbacks propagate.
 */
export const parseCsv = async (
  source: CsvSource,
  options: ParseCsvOptions
): Promise<Result<ParseSummary>> => {
  const chunkRows = Math.max(1, options.chunkRows ?? 10_000);
  const { signal } = options;
  const cancelled = () => fail<ParseSummary>(issue('cancelled', 'The import was cancelled.'));
  let consumed = 0;
  let parse: ((input: string, ignoreLastRow: boolean) => RawResult) | undefined;
  let partial = '';
  let first = true;
  let header: string[] | undefined;
  let rowNumber = 1; // the record number of the next record
  let pending: string[][] = [];
  let pendingFirst = 2;
  let blankRows = 0;
  let rows = 0;

  const take = async (records: string[][], atEnd: boolean): Promise<void> => {
    const lastIndex = records.length - 1;
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      // A file's final line break yields one empty record: not a row.
      if (atEnd && i === lastIndex && isBlankLine(record) && record[0] === '') continue;
      const blank = isBlankLine(record);
      if (header === undefined) {
        rowNumber++;
        if (blank) continue;
        header = record;
        pendingFirst = rowNumber;
        await options.onHeader?.(record);
        continue;
      }
      if (pending.length === 0) pendingFirst = rowNumber;
      pending.push(blank ? [] : record);
      rowNumber++;
      rows++;
      if (blank) blankRows++;
      if (pending.length >= chunkRows) await flush();
    }
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const out = pending;
    pending = [];
    if (signal?.aborted) return;
    await options.onRows(out, pendingFirst);
  };

  for await (const text of textChunks(source, options.encoding, (n) => {
    consumed = n;
    options.onProgress?.(n);
  })) {
    if (signal?.aborted) return cancelled();
    let input = partial + text;
    if (first) {
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      // The line break is guessed from text that contains one (chunks can be tiny).
      if (options.newline === undefined && !/[\r\n]/.test(input.slice(0, -1))) {
        partial = input;
        continue;
      }
      parse = hybridParser(options.delimiter, options.newline ?? detectNewline(input));
      first = false;
    }
    if (parse === undefined) continue;
    const result = parse(input, true);
    partial = input.slice(result.meta.cursor);
    await take(result.data, false);
    if (signal?.aborted) return cancelled();
  }
  parse ??= hybridParser(options.delimiter, options.newline ?? detectNewline(partial));
  if (partial !== '') await take(parse(partial, false).data, true);
  if (signal?.aborted) return cancelled();
  await flush();
  if (signal?.aborted) return cancelled();
  return ok({ rows, blankRows, consumed });
};
