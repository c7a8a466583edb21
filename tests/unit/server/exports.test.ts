// Export uploads through the real routes: chunks checked by SHA-256, resumable, completed only when
// the whole file's SHA-256 matches, then listed, pulled and downloadable with the same bytes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as listRoute, POST as startRoute } from '../../../src/routes/api/exports/+server';
import { PUT as chunkRoute } from '../../../src/routes/api/exports/[id]/chunks/[index]/+server';
import { POST as completeRoute } from '../../../src/routes/api/exports/[id]/complete/+server';
import { GET as fileRoute } from '../../../src/routes/api/exports/[id]/file/+server';
import { GET as pullRoute } from '../../../src/routes/api/sync/pull/+server';
import { POST as createRoute } from '../../../src/routes/api/workspaces/+server';
import {
  LIMITS,
  type CreateWorkspaceResponse,
  type ExportMeta,
  type PullResponse,
  type StartUploadResponse
} from '$lib/sync/protocol';
import { BACKEND, call, START_TIMEOUT, startTestServer, TEST_TIMEOUT } from './harness';
import { T0 } from './builders';

let stop: () => Promise<void>;
beforeAll(async () => {
  stop = (await startTestServer()).stop;
}, START_TIMEOUT);
afterAll(() => stop(), START_TIMEOUT);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CHUNK = LIMITS.exportChunkBytes;
const device = randomUUID();

async function workspace(): Promise<string> {
  const res = await call(createRoute, { json: { name: `exports ${randomUUID()}` } });
  return (res.json as CreateWorkspaceResponse).token;
}

function exportOf(bytes: Uint8Array, overrides: Partial<ExportMeta> = {}): ExportMeta {
  return {
    id: randomUUID(),
    segmentId: randomUUID(),
    segmentName: 'VIP',
    fileName: 'vip – members.csv',
    at: T0,
    rows: 3,
    columns: ['id', 'email'],
    bytes: bytes.byteLength,
    sha256: sha(bytes),
    ...overrides
  };
}

const start = (token: string, meta: ExportMeta) =>
  call(startRoute, { token, json: { deviceId: device, export: meta } });

const putChunk = (token: string, id: string, index: number, data: Uint8Array, hash = sha(data)) =>
  call(chunkRoute, {
    token,
    method: 'PUT',
    params: { id, index: String(index) },
    body: data,
    headers: { 'x-chunk-sha256': hash, 'content-type': 'application/octet-stream' }
  });

const chunkOf = (file: Uint8Array, i: number) => file.subarray(i * CHUNK, (i + 1) * CHUNK);

describe(`export uploads (${BACKEND})`, { timeout: TEST_TIMEOUT }, () => {
  it('uploads in chunks, resumes, checks the whole file, then lists, pulls and serves it', async () => {
    const token = await workspace();
    const file = new Uint8Array(randomBytes(Math.floor(2.5 * CHUNK)));
    const meta = exportOf(file);
    const started = await start(token, meta);
    expect(started.status).toBe(200);
    expect(started.json).toEqual({ chunkBytes: CHUNK, chunks: 3, received: [], complete: false });

    expect((await putChunk(token, meta.id, 0, chunkOf(file, 0))).status).toBe(200);
    expect((await putChunk(token, meta.id, 2, chunkOf(file, 2))).status).toBe(200);
    // Not complete yet: a chunk is missing.
    const early = await call(completeRoute, { token, params: { id: meta.id }, method: 'POST' });
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ error: { code: 'chunks-missing' } });
    // The connection dropped: starting again says what the server already holds.
    const resumed = (await start(token, meta)).json as StartUploadResponse;
    expect(resumed.received).toEqual([0, 2]);
    expect((await putChunk(token, meta.id, 1, chunkOf(file, 1))).status).toBe(200);
    // A retried chunk is harmless.
    expect((await putChunk(token, meta.id, 1, chunkOf(file, 1))).status).toBe(200);

    const done = await call(completeRoute, { token, params: { id: meta.id }, method: 'POST' });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ export: meta });
    const again = await call(completeRoute, { token, params: { id: meta.id }, method: 'POST' });
    expect(again.json).toEqual(done.json);

    expect((await call(listRoute, { token })).json).toEqual({ exports: [meta] });
    const pulled = (await call(pullRoute, { token, path: '/api/sync/pull?after=0' }))
      .json as PullResponse;
    expect(pulled.changes).toEqual([
      expect.objectContaining({ recordType: 'export', recordId: meta.id, export: meta })
    ]);
    const download = await call(fileRoute, { token, params: { id: meta.id } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/text\/csv/);
    expect(download.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''vip%20%E2%80%93%20members.csv"
    );
    expect(sha(download.bytes)).toBe(meta.sha256);
    expect(download.bytes.byteLength).toBe(file.byteLength);
  });

  it('refuses damaged chunks, wrong sizes and indexes, and a file whose whole hash differs', async () => {
    const token = await workspace();
    const file = new Uint8Array(randomBytes(CHUNK + 10));
    const meta = exportOf(file);
    await start(token, meta);
    const damaged = await putChunk(token, meta.id, 0, chunkOf(file, 0), sha(new Uint8Array(1)));
    expect(damaged.status).toBe(422);
    expect(damaged.json).toMatchObject({ error: { code: 'chunk-hash-mismatch' } });
    const short = await putChunk(token, meta.id, 1, file.subarray(CHUNK, CHUNK + 5));
    expect(short.json).toMatchObject({ error: { code: 'bad-chunk-size' } });
    const outside = await putChunk(token, meta.id, 2, new Uint8Array(3));
    expect(outside.json).toMatchObject({ error: { code: 'bad-chunk-index' } });
    const noHash = await call(chunkRoute, {
      token,
      method: 'PUT',
      params: { id: meta.id, index: '0' },
      body: chunkOf(file, 0),
      headers: { 'content-type': 'application/octet-stream' }
    });
    expect(noHash.json).toMatchObject({ error: { code: 'missing-chunk-hash' } });
    const tooBig = await putChunk(token, meta.id, 0, new Uint8Array(CHUNK + 1));
    expect(tooBig.status).toBe(413);

    // Every chunk is right by itself, but the description's whole-file hash is not this file's.
    const other = new Uint8Array(randomBytes(100));
    const lying = exportOf(other, { sha256: sha(new Uint8Array(100)) });
    await start(token, lying);
    expect((await putChunk(token, lying.id, 0, other)).status).toBe(200);
    const bad = await call(completeRoute, { token, params: { id: lying.id }, method: 'POST' });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ error: { code: 'file-hash-mismatch' } });
    expect(((await start(token, lying)).json as StartUploadResponse).received).toEqual([]);
    expect((await call(listRoute, { token })).json).toEqual({ exports: [] });
  });

  it('handles an empty file and refuses reusing an id for another file', async () => {
    const token = await workspace();
    const meta = exportOf(new Uint8Array(0));
    expect((await start(token, meta)).json).toMatchObject({ chunks: 0, received: [] });
    expect(
      (await call(completeRoute, { token, params: { id: meta.id }, method: 'POST' })).status
    ).toBe(200);
    expect((await call(fileRoute, { token, params: { id: meta.id } })).bytes.byteLength).toBe(0);
    const clash = await start(token, { ...meta, bytes: 5, sha256: sha(new Uint8Array(5)) });
    expect(clash.status).toBe(409);
  });

  it("gives another workspace's export ids the same 404 as ids that do not exist", async () => {
    const owner = await workspace();
    const stranger = await workspace();
    const file = new Uint8Array(randomBytes(50));
    const meta = exportOf(file);
    await start(owner, meta);
    await putChunk(owner, meta.id, 0, file);
    await call(completeRoute, { token: owner, params: { id: meta.id }, method: 'POST' });

    const missing = randomUUID();
    for (const id of [meta.id, missing, 'not-a-uuid']) {
      const responses = [
        await call(fileRoute, { token: stranger, params: { id } }),
        await call(completeRoute, { token: stranger, params: { id }, method: 'POST' }),
        await putChunk(stranger, id, 0, file)
      ];
      for (const r of responses) {
        expect(r.status).toBe(404);
        expect(r.json).toEqual({
          error: { code: 'not-found', message: 'No such export in this workspace.' }
        });
      }
    }
    expect((await call(listRoute, { token: stranger })).json).toEqual({ exports: [] });
    // The stranger may use the same id for its own file: nothing reveals the owner's.
    const own = new Uint8Array(randomBytes(20));
    const mine = await start(stranger, exportOf(own, { id: meta.id }));
    expect(mine.json).toMatchObject({ chunks: 1, received: [], complete: false });
    const ownerFile = await call(fileRoute, { token: owner, params: { id: meta.id } });
    expect(sha(ownerFile.bytes)).toBe(meta.sha256);
  });
});
