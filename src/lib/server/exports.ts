// Export files uploaded in chunks: an upload is started (or resumed: the answer lists the chunks
// already held), each chunk is checked against its SHA-256 and stored in the database, and completing
// checks the whole file's SHA-256 before the export becomes a synced record listed on every device.
import { createHash } from 'node:crypto';
import { LIMITS, type ExportMeta, type StartUploadResponse } from '../sync/protocol';
import type { Database, Queryable } from './db';
import { HttpError, notFound } from './http';
import { lockSequence, saveSequence } from './sync';

interface UploadRow {
  meta: ExportMeta;
  chunk_count: number;
  device_id: string;
  complete: boolean;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export const chunkCount = (bytes: number): number => Math.ceil(bytes / LIMITS.exportChunkBytes);

function chunkSize(meta: ExportMeta, index: number, count: number): number {
  return index < count - 1 ? LIMITS.exportChunkBytes : meta.bytes - LIMITS.exportChunkBytes * index;
}

async function findUpload(db: Queryable, workspaceId: string, id: string): Promise<UploadRow> {
  const rows = await db.query<UploadRow>(
    `SELECT meta, chunk_count, device_id, complete FROM export_uploads
     WHERE workspace_id = $1 AND export_id = $2`,
    [workspaceId, id]
  );
  if (rows.length === 0) throw notFound('export');
  return rows[0];
}

async function receivedChunks(db: Queryable, workspaceId: string, id: string): Promise<number[]> {
  const rows = await db.query<{ idx: number }>(
    'SELECT idx FROM export_chunks WHERE workspace_id = $1 AND export_id = $2 ORDER BY idx',
    [workspaceId, id]
  );
  return rows.map((r) => r.idx);
}

const sameFile = (a: ExportMeta, b: ExportMeta) =>
  a.sha256 === b.sha256 && a.bytes === b.bytes && a.fileName === b.fileName;

export async function startUpload(
  db: Database,
  workspaceId: string,
  deviceId: string,
  meta: ExportMeta
): Promise<StartUploadResponse> {
  const count = chunkCount(meta.bytes);
  await db.query(
    `INSERT INTO export_uploads (workspace_id, export_id, meta, chunk_count, device_id)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, export_id) DO NOTHING`,
    [workspaceId, meta.id, JSON.stringify(meta), count, deviceId]
  );
  const upload = await findUpload(db, workspaceId, meta.id);
  if (!sameFile(upload.meta, meta))
    throw new HttpError(
      409,
      'export-exists',
      'An export with this id but a different file is already stored; give the new file a new id.'
    );
  return {
    chunkBytes: LIMITS.exportChunkBytes,
    chunks: upload.chunk_count,
    received: upload.complete
      ? Array.from({ length: upload.chunk_count }, (_, i) => i)
      : await receivedChunks(db, workspaceId, meta.id),
    complete: upload.complete
  };
}

export async function putChunk(
  db: Database,
  workspaceId: string,
  id: string,
  index: number,
  data: Uint8Array,
  declaredHash: string
): Promise<{ index: number; received: number }> {
  const upload = await findUpload(db, workspaceId, id);
  if (!Number.isInteger(index) || index < 0 || index >= upload.chunk_count)
    throw new HttpError(
      400,
      'bad-chunk-index',
      `Chunk ${index} is out of range: this file has ${upload.chunk_count} chunks (0 to ${upload.chunk_count - 1}).`
    );
  const expected = chunkSize(upload.meta, index, upload.chunk_count);
  if (data.byteLength !== expected)
    throw new HttpError(
      400,
      'bad-chunk-size',
      `Chunk ${index} must be ${expected} bytes; it was ${data.byteLength}.`
    );
  if (sha256(data) !== declaredHash)
    throw new HttpError(
      422,
      'chunk-hash-mismatch',
      `Chunk ${index} does not match its SHA-256: it was damaged on the way; send it again.`
    );
  if (!upload.complete)
    await db.query(
      `INSERT INTO export_chunks (workspace_id, export_id, idx, sha256, data) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, export_id, idx) DO UPDATE SET sha256 = EXCLUDED.sha256, data = EXCLUDED.data`,
      [workspaceId, id, index, declaredHash, data]
    );
  const rows = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM export_chunks WHERE workspace_id = $1 AND export_id = $2',
    [workspaceId, id]
  );
  return { index, received: rows[0].n };
}

async function readChunk(
  db: Queryable,
  workspaceId: string,
  id: string,
  index: number
): Promise<Uint8Array | undefined> {
  const rows = await db.query<{ data: Uint8Array }>(
    'SELECT data FROM export_chunks WHERE workspace_id = $1 AND export_id = $2 AND idx = $3',
    [workspaceId, id, index]
  );
  return rows[0]?.data;
}

export async function completeUpload(
  db: Database,
  workspaceId: string,
  id: string
): Promise<{ export: ExportMeta; seq: number }> {
  const upload = await findUpload(db, workspaceId, id);
  const stored = async () => {
    const rows = await db.query<{ seq: number }>(
      `SELECT seq FROM records WHERE workspace_id = $1 AND record_type = 'export' AND record_id = $2`,
      [workspaceId, id]
    );
    return { export: upload.meta, seq: rows[0]?.seq ?? 0 };
  };
  if (upload.complete) return stored();
  const have = new Set(await receivedChunks(db, workspaceId, id));
  const missing = Array.from({ length: upload.chunk_count }, (_, i) => i).filter(
    (i) => !have.has(i)
  );
  if (missing.length > 0)
    throw new HttpError(
      409,
      'chunks-missing',
      `The upload is missing ${missing.length} of ${upload.chunk_count} chunks (first missing: ${missing[0]}).`
    );
  const hash = createHash('sha256');
  for (let i = 0; i < upload.chunk_count; i++) {
    const data = await readChunk(db, workspaceId, id, i);
    if (!data) throw new HttpError(409, 'chunks-missing', `Chunk ${i} is missing.`);
    hash.update(data);
  }
  if (hash.digest('hex') !== upload.meta.sha256) {
    await db.query('DELETE FROM export_chunks WHERE workspace_id = $1 AND export_id = $2', [
      workspaceId,
      id
    ]);
    throw new HttpError(
      422,
      'file-hash-mismatch',
      'The assembled file does not match its SHA-256; its chunks were discarded: upload it again.'
    );
  }
  return db.transaction(async (tx) => {
    const last = await lockSequence(tx, workspaceId);
    const done = await tx.query<{ complete: boolean }>(
      `UPDATE export_uploads SET complete = true
       WHERE workspace_id = $1 AND export_id = $2 AND NOT complete RETURNING complete`,
      [workspaceId, id]
    );
    if (done.length === 0) {
      const rows = await tx.query<{ seq: number }>(
        `SELECT seq FROM records WHERE workspace_id = $1 AND record_type = 'export' AND record_id = $2`,
        [workspaceId, id]
      );
      return { export: upload.meta, seq: rows[0]?.seq ?? 0 };
    }
    const seq = last + 1;
    await tx.query(
      `INSERT INTO records (workspace_id, record_type, record_id, version, deleted, body, device_id, device_name, at, seq)
       VALUES ($1, 'export', $2, 1, false, $3, $4, NULL, $5, $6)`,
      [workspaceId, id, JSON.stringify(upload.meta), upload.device_id, upload.meta.at, seq]
    );
    await saveSequence(tx, workspaceId, seq);
    return { export: upload.meta, seq };
  });
}

export async function listExports(db: Queryable, workspaceId: string): Promise<ExportMeta[]> {
  const rows = await db.query<{ body: ExportMeta }>(
    `SELECT body FROM records WHERE workspace_id = $1 AND record_type = 'export' AND NOT deleted
     ORDER BY seq`,
    [workspaceId]
  );
  return rows.map((r) => r.body);
}

/** A completed export's bytes, streamed chunk by chunk from the database. */
export async function exportFile(
  db: Queryable,
  workspaceId: string,
  id: string
): Promise<{ meta: ExportMeta; body: ReadableStream<Uint8Array> }> {
  const upload = await findUpload(db, workspaceId, id);
  if (!upload.complete) throw notFound('export');
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= upload.chunk_count) {
        controller.close();
        return;
      }
      const data = await readChunk(db, workspaceId, id, index++);
      if (!data) controller.error(new Error(`Chunk ${index - 1} of export ${id} is missing`));
      else controller.enqueue(data);
    }
  });
  return { meta: upload.meta, body };
}
