// Looking at the first bytes of a file before importing it: which encoding and delimiter it uses, its
// header and a sample of rows, and whether it is importable at all (empty, header only, binary, shapeless).

import { fail, issue, ok, type Result } from '$lib/engine/result';
import { csvMessages } from './messages';
import { detectNewline, parseCsvText } from './stream';

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type CsvDelimiter = ',' | ';' | '\t' | '|';
export type CsvNewline = '\n' | '\r\n' | '\r';

/** How many leading bytes of a file `sniff` wants. */
export const SNIFF_BYTES = 64 * 1024;

export interface Sniffed {
  readonly encoding: CsvEncoding;
  /** Bytes of byte-order mark at the start (0, 2 or 3). */
  readonly bomLength: number;
  readonly delimiter: CsvDelimiter;
  readonly newline: CsvNewline;
  readonly headers: readonly string[];
  /** Records after the header found in the sniffed bytes (blank lines dropped), for type inference. */
  readonly sampleRows: readonly (readonly string[])[];
  /** Numbers look like `1.299,50` (usually with `;`). */
  readonly decimalComma: boolean;
}

export interface SniffOptions {
  /** Size of the whole file; when larger than the bytes given, the sample's last record may be cut. */
  readonly totalBytes?: number;
}

const MAGIC: readonly (readonly [readonly number[], string])[] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive or an Excel .xlsx workbook'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an Excel .xls workbook'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x1f, 0x8b], 'a gzip archive']
];

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean =>
  magic.every((b, i) => bytes[i] === b);

/** The encoding from a BOM, else UTF-8 when the bytes are valid UTF-8, else Windows-1252. */
export const detectEncoding = (
  bytes: Uint8Array
): { readonly encoding: CsvEncoding; readonly bomLength: number } => {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', bomLength: 3 };
  if (startsWith(bytes, [0xff, 0xfe])) return { encoding: 'utf-16le', bomLength: 2 };
  if (startsWith(bytes, [0xfe, 0xff])) return { encoding: 'utf-16be', bomLength: 2 };
  const bomless = bomlessUtf16(bytes);
  if (bomless) return { encoding: bomless, bomLength: 0 };
  try {
    // stream: true tolerates a character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return { encoding: 'utf-8', bomLength: 0 };
  } catch {
    return { encoding: 'windows-1252', bomLength: 0 };
  }
};

/** Text of UTF-16 saved without BOM has a NUL in every other byte. */
const bomlessUtf16 = (bytes: Uint8Array): CsvEncoding | undefined => {
  const pairs = Math.min(bytes.length >> 1, 4096);
  if (pairs < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) evenNul++;
    if (bytes[2 * i + 1] === 0) oddNul++;
  }
  if (oddNul > pairs * 0.9 && evenNul === 0) return 'utf-16le';
  if (evenNul > pairs * 0.9 && oddNul === 0) return 'utf-16be';
  return undefined;
};

/** Windows-1252's 0x80–0x9F (the rest is Latin-1). Some runtimes (Node) decode it as Latin-1. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
];

const decodeCp1252 = (bytes: Uint8Array): string => {
  const codes = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    codes[i] = b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : b;
  }
  let out = '';
  for (let i = 0; i < codes.length; i += 8192)
    out += String.fromCharCode(...codes.subarray(i, i + 8192));
  return out;
};

/** A streaming decoder: `decode(chunk)` for each chunk, `decode()` at the end. */
export interface ChunkDecoder {
  decode(chunk?: Uint8Array): string;
}

/** A decoder for `encoding` that copes with characters cut between chunks; a BOM is dropped. */
export const createDecoder = (encoding: CsvEncoding): ChunkDecoder => {
  if (encoding === 'windows-1252') return { decode: (chunk) => (chunk ? decodeCp1252(chunk) : '') };
  if (encoding === 'utf-8') return createUtf8Decoder();
  const decoder = new TextDecoder(encoding);
  return {
    decode: (chunk) => (chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode())
  };
};

/**
 * The length of `bytes` without a UTF-8 sequence cut at the end: a lead byte followed by fewer
 * continuation bytes than it announces.
 */
const completeUtf8Length = (bytes: Uint8Array): number => {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
};

/**
 * UTF-8 as `TextDecoder`'s streaming mode decodes it (same text overall, BOM dropped at the start),
 * but each chunk is decoded whole up to a cut character, which is carried to the next chunk: whole
 * decoding is much faster than streaming in some engines (Node).
 */
const createUtf8Decoder = (): ChunkDecoder => {
  const first = new TextDecoder('utf-8');
  const rest = new TextDecoder('utf-8', { ignoreBOM: true });
  let started = false;
  let carry: Uint8Array | undefined;
  const whole = (bytes: Uint8Array): string => {
    if (bytes.length === 0) return '';
    const decoder = started ? rest : first;
    started = true;
    return decoder.decode(bytes);
  };
  return {
    decode: (chunk) => {
      if (!chunk) {
        const tail = carry;
        carry = undefined;
        return tail ? whole(tail) : '';
      }
      let bytes = chunk;
      if (carry) {
        bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        carry = undefined;
      }
      const complete = completeUtf8Length(bytes);
      if (complete < bytes.length) carry = bytes.slice(complete);
      return whole(bytes.subarray(0, complete));
    }
  };
};

/** Bytes to text; a BOM is dropped. `partial` tolerates a character cut at the end. */
export const decode = (bytes: Uint8Array, encoding: CsvEncoding, partial = false): string => {
  const decoder = createDecoder(encoding);
  const text = decoder.decode(bytes) + (partial ? '' : decoder.decode());
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
};

const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t', '|'];

/** Counts each candidate outside quotes, per record, for the first `maxRecords` records. */
const countPerRecord = (text: string, maxRecords: number): number[][] => {
  const records: number[][] = [];
  let counts = CANDIDATES.map(() => 0);
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < text.length && records.length < maxRecords; i++) {
    const c = text[i];
    if (c === '"') {
      inQuotes = !inQuotes;
      blank = false;
    } else if (!inQuotes && (c === '\n' || c === '\r')) {
      if (!blank) records.push(counts);
      counts = CANDIDATES.map(() => 0);
      blank = true;
    } else if (!inQuotes) {
      const k = CANDIDATES.indexOf(c as CsvDelimiter);
      if (k >= 0) counts[k]++;
      if (c !== ' ' && c !== '\t') blank = false;
    }
  }
  if (!blank && records.length < maxRecords) records.push(counts);
  return records;
};

/**
 * The delimiter whose count per record is most consistent with the header's (quote-aware), preferring
 * more columns. `consistency`: share of records with the header's count; `coverage`: share of records
 * with the delimiter at all (ragged rows lower the first, prose lowers both).
 */
export const detectDelimiter = (
  text: string,
  dropLast = false
): {
  readonly delimiter: CsvDelimiter;
  readonly columns: number;
  readonly consistency: number;
  readonly coverage: number;
} => {
  const records = countPerRecord(text, 50);
  if (dropLast && records.length > 2) records.pop();
  let best = { delimiter: ',' as CsvDelimiter, columns: 1, consistency: 1, coverage: 1 };
  let bestScore = -1;
  CANDIDATES.forEach((delimiter, k) => {
    const header = records[0]?.[k] ?? 0;
    if (header === 0) return;
    const agree = records.filter((r) => r[k] === header).length;
    const consistency = agree / records.length;
    const coverage = records.filter((r) => r[k] > 0).length / records.length;
    const score = consistency * 1000 + header;
    if (score > bestScore) {
      bestScore = score;
      best = { delimiter, columns: header + 1, consistency, coverage };
    }
  });
  return best;
};

const binaryReason = (bytes: Uint8Array, text: string, utf16: boolean): string | undefined => {
  for (const [magic, what] of MAGIC) if (startsWith(bytes, magic)) return `it looks like ${what}`;
  if (!utf16 && bytes.includes(0)) return 'it contains NUL bytes';
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0xfffd)
      control++;
  }
  return control > Math.max(2, text.length * 0.01) ? 'it contains control characters' : undefined;
};

const DECIMAL_COMMA_CELL = /^-?\p{Sc}?\s?\d{1,3}(?:[. ]\d{3})*,\d{1,2}$/u;
const DECIMAL_POINT_CELL = /^-?\p{Sc}?\s?\d+\.\d{1,2}$/u;

const looksDecimalComma = (rows: readonly (readonly string[])[]): boolean => {
  let comma = 0;
  let point = 0;
  for (const row of rows)
    for (const cell of row) {
      const t = cell.trim();
      if (DECIMAL_COMMA_CELL.test(t)) comma++;
      else if (DECIMAL_POINT_CELL.test(t)) point++;
    }
  return comma > point;
};

const isBlankRow = (row: readonly string[]): boolean => row.every((cell) => cell.trim() === '');

/**
 * Sniffs the first bytes of a file (see SNIFF_BYTES). Issues: `empty-file`, `header-only`,
 * `binary-file`, `no-structure`.
 */
export const sniff = (bytes: Uint8Array, options: SniffOptions = {}): Result<Sniffed> => {
  const truncated = options.totalBytes !== undefined && options.totalBytes > bytes.length;
  if (bytes.length === 0) return fail(issue('empty-file', csvMessages.emptyFile()));
  const { encoding, bomLength } = detectEncoding(bytes);
  const text = decode(bytes, encoding, truncated);
  const binary = binaryReason(bytes, text, encoding.startsWith('utf-16'));
  if (binary) return fail(issue('binary-file', csvMessages.binaryFile(binary)));
  if (text.trim() === '' && !truncated) return fail(issue('empty-file', csvMessages.emptyFile()));

  const { delimiter, columns, coverage } = detectDelimiter(text, truncated);
  const newline = detectNewline(text);
  const records = parseCsvText(text, { delimiter, newline, ignoreLastRow: truncated }).filter(
    (row) => !isBlankRow(row)
  );
  const headers = records[0] ?? [];
  const firstHeader = headers[0]?.trim() ?? '';
  const shapeless =
    headers.length === 0 ||
    coverage < 0.6 ||
    headers.some((h) => h.length > 128) ||
    (columns === 1 && (firstHeader.length === 0 || firstHeader.length > 64));
  if (shapeless) return fail(issue('no-structure', csvMessages.noStructure()));
  const sampleRows = records.slice(1);
  if (sampleRows.length === 0 && !truncated)
    return fail(issue('header-only', csvMessages.headerOnly()));
  return ok({
    encoding,
    bomLength,
    delimiter,
    newline,
    headers: headers.map((h) => h.trim()),
    sampleRows,
    decimalComma: delimiter === ';' && looksDecimalComma(sampleRows)
  });
};
