// GET /api/sync/pull?after=SEQ&limit=N: the workspace's changes after a cursor, one page at a time.
import { authedRoute, jsonResponse, methodNotAllowed, validate } from '$lib/server/http';
import { pull } from '$lib/server/sync';
import { LIMITS, PullQuery } from '$lib/sync/protocol';

export const prerender = false;

export const GET = authedRoute(async ({ server, workspace }, event) => {
  const query = validate(PullQuery, Object.fromEntries(event.url.searchParams), 'query');
  const page = await pull(server.db, workspace.id, query.after, query.limit ?? LIMITS.maxPullPage);
  return jsonResponse(page);
});

export const fallback = methodNotAllowed;
