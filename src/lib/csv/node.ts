// Node-only glue (CLI, tests, benchmarks): sniffing a file on disk and streaming it into `parseCsv`.
// Everything else in src/lib/csv runs unchanged in the worker.

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Result } from '$lib/engine/result';
import { SNIFF_BYTES, sniff, type Sniffed } from './sniff';
import { parseCsv, type ParseCsvOptions, type ParseSummary } from './stream';

/** The first `SNIFF_BYTES` of a file, sniffed. */
export const sniffFile = async (path: string): Promise<Result<Sniffed>> => {
  const { size } = await stat(path);
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(Math.min(size, SNIFF_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return sniff(buffer.subarray(0, bytesRead), { totalBytes: size });
  } finally {
    await handle.close();
  }
};

/** Streams a file from disk through `parseCsv`. */
export const parseCsvFile = (
  path: string,
  options: ParseCsvOptions
): Promise<Result<ParseSummary>> =>
  parseCsv(createReadStream(path, { highWaterMark: 256 * 1024 }), options);
