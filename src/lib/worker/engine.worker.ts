// The data worker's entry: wiring only. Everything it does is in data-service.ts, typed by api.ts; sync
// (sync.ts) sits beside it over the same database.
import * as Comlink from 'comlink';
import { openDb } from '$lib/storage/db';
import { createDataService } from './data-service';
import { createSyncService } from './sync';
import type { SyncApi, WorkerApi } from './api';
import { now } from './clock';

const db = openDb();
const data = createDataService(db, { timers: true, now });
const sync = createSyncService(db, {
  origin: self.location.origin,
  fetch: (input, init) => fetch(input, init),
  schedule: true,
  // Listing the segments brings the live segment engine up to date with pulled changes.
  onSegmentsChanged: () => data.segments()
});

const api: WorkerApi & SyncApi = {
  ...data,
  ...sync,
  // Exports made on another device of the workspace are fetched from the server.
  async exportFile(exportId) {
    const local = await data.exportFile(exportId);
    if (local.ok) return local;
    return (await sync.remoteExportFile(exportId)) ?? local;
  }
};

Comlink.expose(api);
