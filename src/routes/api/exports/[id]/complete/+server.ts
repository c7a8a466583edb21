// POST /api/exports/:id/complete: checks the whole file's SHA-256 and publishes the export.
import { completeUpload } from '$lib/server/exports';
import { authedRoute, jsonResponse, methodNotAllowed } from '$lib/server/http';
import { exportIdParam } from '$lib/server/params';

export const prerender = false;

export const POST = authedRoute(async ({ server, workspace }, event) => {
  const id = exportIdParam(event.params.id);
  return jsonResponse(await completeUpload(server.db, workspace.id, id));
});

export const fallback = methodNotAllowed;
