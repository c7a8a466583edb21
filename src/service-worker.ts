// The service worker: precaches the app shell and every build asset so the app loads with no network,
// and answers navigations (deep links included) with the prerendered shell. /api stays network-only.
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
