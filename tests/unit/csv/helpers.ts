// Test helpers: fixture bytes, and a whole-file parse through the streaming adapter.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sniff, type Sniffed } from '$lib/csv/sniff';
import { parseCsv, type CsvSource } from '$lib/csv/stream';

export const fixturePath = (name: string): string =>
  join(import.meta.dirname, '../../fixtures', name);

export const fixtureBytes = (name: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(fixturePath(name)));

export const sniffFixture = (name: string): Sniffed => {
  const result = sniff(fixtureBytes(name));
  if (!result.ok) throw new Error(`${name}: ${result.issues.map((i) => i.code).join(', ')}`);
  return result.value;
};

export interface Parsed {
  readonly header: string[];
  readonly rows: string[][];
  readonly firstRowNumbers: number[];
}

/** Every row of a source with its chunking recorded. */
export const parseAll = async (
  source: CsvSource,
  sniffed: Pick<Sniffed, 'delimiter' | 'encoding'>,
  chunkRows = 10_000
): Promise<Parsed> => {
  let header: string[] = [];
  const rows: string[][] = [];
  const firstRowNumbers: number[] = [];
  const result = await parseCsv(source, {
    delimiter: sniffed.delimiter,
    encoding: sniffed.encoding,
    chunkRows,
    onHeader: (h) => {
      header = h;
    },
    onRows: (chunk, first) => {
      firstRowNumbers.push(first);
      rows.push(...chunk);
    }
  });
  if (!result.ok) throw new Error(result.issues.map((i) => i.code).join(', '));
  return { header, rows, firstRowNumbers };
};
