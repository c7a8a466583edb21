// Builders for tests of the data worker's service in Node: a fresh fake-indexeddb database per test,
// fixture files as Blobs, and a one-call import helper.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, type SegmentsDb } from '$lib/storage/db';
import { createDataService, type DataServiceOptions } from '$lib/worker/data-service';
import type { ImportKind, ImportRecord } from '$lib/storage/db';
import type { WorkerApi } from '$lib/worker/api';

let counter = 0;

export function freshDb(): SegmentsDb {
  return openDb(`test-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`);
}

export function freshService(
  db = freshDb(),
  options: DataServiceOptions = {}
): { api: WorkerApi; db: SegmentsDb } {
  return { api: createDataService(db, options), db };
}

export function fixture(name: string): Blob {
  return new Blob([readFileSync(join('tests/fixtures', name))]);
}

export function csv(text: string): Blob {
  return new Blob([text]);
}

/** Inspects and imports a file with the proposed mapping; throws when either step fails. */
export async function importBlob(
  api: WorkerApi,
  file: Blob,
  name: string,
  kind?: ImportKind
): Promise<ImportRecord> {
  const inspected = await api.inspectFile(file, name, { kind });
  if (!inspected.ok) throw new Error(inspected.issues.map((i) => i.message).join(' '));
  const result = await api.importFile(file, name, inspected.value.setup, () => undefined);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join(' '));
  return result.value;
}
