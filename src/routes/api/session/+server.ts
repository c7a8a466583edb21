// GET /api/session: the workspace a token belongs to (how a device checks its token).
import { authedRoute, jsonResponse, methodNotAllowed } from '$lib/server/http';
import type { SessionResponse } from '$lib/sync/protocol';

export const prerender = false;

export const GET = authedRoute(async ({ workspace }) => {
  const body: SessionResponse = { workspaceId: workspace.id, name: workspace.name };
  return jsonResponse(body);
});

export const fallback = methodNotAllowed;
