// GET /api/exports: the workspace's export files. POST: starts (or resumes) a chunked upload.
import { listExports, startUpload } from '$lib/server/exports';
import { authedRoute, jsonResponse, methodNotAllowed, readJson } from '$lib/server/http';
import { StartUploadRequest, type ExportList } from '$lib/sync/protocol';

export const prerender = false;

/** An export's description is small: 1000 column names at most. */
const START_LIMIT = 1024 * 1024;

export const GET = authedRoute(async ({ server, workspace }) => {
  const body: ExportList = { exports: await listExports(server.db, workspace.id) };
  return jsonResponse(body);
});

export const POST = authedRoute(async ({ server, workspace }, event) => {
  const request = await readJson(event.request, StartUploadRequest, START_LIMIT);
  return jsonResponse(await startUpload(server.db, workspace.id, request.deviceId, request.export));
});

export const fallback = methodNotAllowed;
