// The service worker: precaches the app shell and every build asset so the app loads with no network,
// and answers navigations (deep links included) with the prerendered shell. /api stays network-only.
// Background Sync: where the browser has it, queued changes are sent once the network is back, even
// with no tab open (the same sync client as the data worker, one run at a time through a Web Lock).
/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, prerendered, version } from '$service-worker';
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { openDb } from '$lib/storage/db';
import { SyncRepo } from '$lib/storage/sync-repo';
import { SyncClient } from '$lib/sync/client';
import { deviceNameFrom } from '$lib/sync/connect-link';
import { exclusively } from '$lib/sync/lock';

const sw = self as unknown as ServiceWorkerGlobalScope;

precacheAndRoute([
  // Build assets carry a content hash in their names, so they need no revision.
  ...build.map((url) => ({ url, revision: null })),
  ...files.map((url) => ({ url, revision: version })),
  ...prerendered.map((url) => ({ url, revision: version }))
]);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('/'), { denylist: [/^\/api\//] }));

sw.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void sw.skipWaiting();
});

/** The tag the page registers (src/lib/state/sync.svelte.ts) when changes wait and the network is gone. */
const BACKGROUND_SYNC_TAG = 'segments-sync';

interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}

async function backgroundSync(): Promise<void> {
  const db = openDb();
  try {
    const client = new SyncClient({
      repo: new SyncRepo(db),
      fetch: (input, init) => fetch(input, init),
      origin: sw.location.origin,
      now: () => Date.now(),
      deviceName: deviceNameFrom(navigator.userAgent),
      // A workspace is only ever made by the app itself, on a visit.
      autoCreate: false,
      exclusive: exclusively
    });
    const run = await client.run();
    // Failing makes the browser retry later (with its own backoff); a missing workspace will not heal.
    if (!run.ok && run.reason === 'retry') throw new Error(run.message);
  } finally {
    db.close();
  }
}

sw.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag === BACKGROUND_SYNC_TAG) e.waitUntil(backgroundSync());
});
