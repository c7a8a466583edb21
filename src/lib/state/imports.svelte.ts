// The imports history as the UI sees it, kept live from IndexedDB; when another tab commits an import,
// this tab's worker picks the new data up.
import { observeImports } from '$lib/storage/live';
import type { ImportRecord } from '$lib/storage/db';
import { dataWorker } from '$lib/worker/client';
import { app, handleError } from './app.svelte';

class ImportsState {
  list = $state<ImportRecord[]>([]);
  loaded = $state(false);
}

export const imports = new ImportsState();

export function watchImports(): () => void {
  let lastCommitted = -1;
  return observeImports(
    (records) => {
      imports.list = records;
      imports.loaded = true;
      const committed = records.reduce((max, r) => Math.max(max, r.seq ?? 0), 0);
      if (lastCommitted !== -1 && committed !== lastCommitted) {
        dataWorker()
          .sync()
          .then((summary) => (app.summary = summary))
          .catch((error: unknown) => handleError(error, 'Could not load the new data'));
      }
      lastCommitted = committed;
    },
    (error) => handleError(error, 'Could not read the import history')
  );
}
