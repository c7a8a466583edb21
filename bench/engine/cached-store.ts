// Profiling aid: a store from a generated data set in seconds instead of a minute. The first call
// reads the CSVs with the CLI's loader (`readChunks`, which the benchmark uses too) and keeps the
// encoded chunks in a v8-serialized file under the OS temp folder; later calls replay that file
// through ingestEncoded.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { loadCsv } from '../../src/cli/load-csv';
import type { CustomerBatch, EventBatch } from '../../src/lib/engine/schema';
import { ColumnarStore, type EncodedBatch } from '../../src/lib/engine/store';
import {
  encodeCustomerColumns,
  encodeEventColumns,
  type CustomerColumns,
  type EventColumns
} from '../../src/lib/worker/import-stage';

function cacheFile(dir: string): string {
  return join(tmpdir(), `engine-chunks-${resolve(dir).replace(/[^A-Za-z0-9]+/g, '_')}.v8`);
}

/** A stored chunk of an import, as the app keeps them. */
export type Chunk = CustomerColumns | EventColumns;

/**
 * Reads both CSVs with the CLI's loader (the app's sniffing, header normalisation, type inference and
 * row mapping) and keeps each batch encoded with the app's own encoder, as an import stores them in
 * chunks. The store given to the loader only encodes: nothing else is kept.
 */
export async function readChunks(dir: string): Promise<{ chunks: Chunk[]; readMs: number }> {
  const chunks: Chunk[] = [];
  class Capture extends ColumnarStore {
    override upsertCustomers(b: CustomerBatch) {
      chunks.push(encodeCustomerColumns(b));
      return { inserted: 0, updated: 0, touched: [] };
    }
    override addEvents(b: EventBatch) {
      chunks.push(encodeEventColumns(b, []));
      return { added: 0, createdCustomers: 0, touched: [] };
    }
  }
  const t0 = performance.now();
  for (const kind of ['customers', 'events'] as const) {
    const r = await loadCsv(new Capture(), join(dir, `${kind}.csv`), kind, { dedupe: false });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
  }
  return { chunks, readMs: performance.now() - t0 };
}

/** The data set in `dir` as a store with every event table indexed. */
export async function cachedStore(dir: string): Promise<ColumnarStore> {
  const file = cacheFile(dir);
  const store = new ColumnarStore();
  if (!existsSync(file)) {
    const { chunks } = await readChunks(dir);
    const fd = openSync(`${file}.part`, 'w');
    for (const chunk of chunks) {
      const bytes = serialize(chunk);
      const head = Buffer.alloc(4);
      head.writeUInt32LE(bytes.length);
      writeSync(fd, head);
      writeSync(fd, bytes);
      store.ingestEncoded(chunk);
    }
    closeSync(fd);
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.part`, file);
  } else {
    const all = readFileSync(file);
    for (let at = 0; at < all.length;) {
      const n = all.readUInt32LE(at);
      store.ingestEncoded(deserialize(all.subarray(at + 4, at + 4 + n)) as EncodedBatch);
      at += 4 + n;
    }
  }
  for (const e of store.eventTypes()) store.eventTable(e.name);
  return store;
}
