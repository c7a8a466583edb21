// PUT /api/exports/:id/chunks/:index: one chunk's raw bytes, checked against `x-chunk-sha256`.
import { putChunk } from '$lib/server/exports';
import { authedRoute, HttpError, jsonResponse, methodNotAllowed, readBody } from '$lib/server/http';
import { exportIdParam } from '$lib/server/params';
import { CHUNK_HASH_HEADER, LIMITS } from '$lib/sync/protocol';

export const prerender = false;

export const PUT = authedRoute(async ({ server, workspace }, event) => {
  const id = exportIdParam(event.params.id);
  const indexText = event.params.index ?? '';
  if (!/^\d{1,7}$/.test(indexText))
    throw new HttpError(400, 'bad-chunk-index', 'The chunk index must be a whole number.', 'index');
  const hash = (event.request.headers.get(CHUNK_HASH_HEADER) ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hash))
    throw new HttpError(
      400,
      'missing-chunk-hash',
      `Send the chunk's SHA-256 (64 hex digits) in the ${CHUNK_HASH_HEADER} header.`
    );
  const data = await readBody(event.request, LIMITS.exportChunkBytes);
  return jsonResponse(await putChunk(server.db, workspace.id, id, Number(indexText), data, hash));
});

export const fallback = methodNotAllowed;
