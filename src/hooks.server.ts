// Server start-up: opens the API's database (PGlite or PostgreSQL), applies migrations and warms it
// at boot rather than on the first request (PGlite's first start takes seconds). The pages are
// served meanwhile; API requests wait for it. Closes the database on shutdown.
import { building } from '$app/environment';
import type { ServerInit } from '@sveltejs/kit';
import { startServer, stopServer } from '$lib/server/context';

export const init: ServerInit = () => {
  if (building) return;
  startServer().catch((e: unknown) => {
    // Requests try again (and answer 500/503 in JSON meanwhile); say why here, loudly.
    console.error('The API database could not be started:', e instanceof Error ? e.message : e);
  });
  process.once('sveltekit:shutdown', () => {
    void stopServer();
  });
};
