// Server start-up: opens the API's database (PGlite or PostgreSQL) and applies migrations at boot,
// not on the first request (PGlite's first query takes seconds); closes it on shutdown.
import { building } from '$app/environment';
import type { ServerInit } from '@sveltejs/kit';
import { startServer, stopServer } from '$lib/server/context';

export const init: ServerInit = async () => {
  if (building) return;
  await startServer();
  process.once('sveltekit:shutdown', () => {
    void stopServer();
  });
};
