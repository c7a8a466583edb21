// GET /api/exports/:id/file: a completed export's bytes as a CSV download.
import { exportFile } from '$lib/server/exports';
import { authedRoute, methodNotAllowed } from '$lib/server/http';
import { exportIdParam } from '$lib/server/params';

export const prerender = false;

export const GET = authedRoute(async ({ server, workspace }, event) => {
  const { meta, body } = await exportFile(server.db, workspace.id, exportIdParam(event.params.id));
  const ascii = meta.fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(meta.bytes),
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(meta.fileName)}`,
      etag: `"${meta.sha256}"`,
      'cache-control': 'private, no-store'
    }
  });
});

export const fallback = methodNotAllowed;
