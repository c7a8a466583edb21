// POST /api/sync/push: applies a batch of outbox mutations in one transaction (idempotent by
// mutation id) and answers what became of each.
import { authedRoute, jsonResponse, methodNotAllowed, readJson } from '$lib/server/http';
import { push } from '$lib/server/sync';
import { LIMITS, PushRequest, type PushResponse } from '$lib/sync/protocol';

export const prerender = false;

export const POST = authedRoute(async ({ server, workspace }, event) => {
  const request = await readJson(event.request, PushRequest, LIMITS.maxBodyBytes);
  const body: PushResponse = { results: await push(server.db, workspace.id, request) };
  return jsonResponse(body);
});

export const fallback = methodNotAllowed;
