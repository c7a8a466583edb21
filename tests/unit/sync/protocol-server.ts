// A small in-memory server of the sync protocol for the client's unit tests, written from the protocol's
// rules (src/lib/sync/protocol.ts, issue 5): it validates every payload with the real schemas and
// re-parses rules with the engine, applies each push in order (idempotent on mutation ids, later arrival
// wins, the other version becomes a conflict copy, deletes win), numbers changes per workspace, and
// stores chunked export uploads checked with SHA-256. Faults are the network's (see api-fetch.ts).
import { createHash, randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { parse } from '$lib/engine/parser';
import {
  ExportMeta,
  LIMITS,
  PushRequest,
  StartUploadRequest,
  type Change,
  type MutationResult,
  type SegmentPayload
} from '$lib/sync/protocol';

interface RecordState {
  version: number;
  deleted: boolean;
  segment?: SegmentPayload;
  deviceName?: string;
  at: number;
}

interface Upload {
  meta: ExportMeta;
  chunks: Map<number, Uint8Array>;
  complete: boolean;
}

const CHUNK = LIMITS.exportChunkBytes;

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const error = (status: number, code: string, message: string, path?: string): Response =>
  json(status, { error: { code, message, ...(path ? { path } : {}) } });

export class ProtocolServer {
  readonly token = `tok-${randomUUID()}`;
  readonly workspaceId = randomUUID();
  readonly records = new Map<string, RecordState>();
  readonly changes: Change[] = [];
  readonly uploads = new Map<string, Upload>();
  #seq = 0;
  #results = new Map<string, MutationResult>();

  readonly fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const { pathname, searchParams } = new URL(url);
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    let body: unknown;
    if (typeof init.body === 'string') body = JSON.parse(init.body);
    if (pathname === '/api/workspaces' && method === 'POST') {
      return json(200, { workspaceId: this.workspaceId, name: 'Test', token: this.token });
    }
    if (headers.get('authorization') !== `Bearer ${this.token}`) {
      return error(401, 'unauthorized', 'Unknown token.');
    }
    if (pathname === '/api/session')
      return json(200, { workspaceId: this.workspaceId, name: 'Test' });
    if (pathname === '/api/sync/push' && method === 'POST') return this.#push(body);
    if (pathname === '/api/sync/pull') {
      const after = Number(searchParams.get('after') ?? 0);
      const limit = Number(searchParams.get('limit') ?? 500);
      const page = this.changes.filter((c) => c.seq > after).slice(0, limit);
      const cursor = page.length > 0 ? page[page.length - 1].seq : after;
      return json(200, { changes: page, cursor, more: this.changes.some((c) => c.seq > cursor) });
    }
    if (pathname === '/api/exports' && method === 'POST') return this.#startUpload(body);
    const chunk = /^\/api\/exports\/([^/]+)\/chunks\/(\d+)$/.exec(pathname);
    if (chunk && method === 'PUT') {
      return this.#chunk(chunk[1], Number(chunk[2]), init.body, headers.get('x-chunk-sha256'));
    }
    const complete = /^\/api\/exports\/([^/]+)\/complete$/.exec(pathname);
    if (complete && method === 'POST') return this.#complete(complete[1]);
    const file = /^\/api\/exports\/([^/]+)\/file$/.exec(pathname);
    if (file) {
      const upload = this.uploads.get(file[1]);
      if (!upload?.complete) return error(404, 'not-found', 'No such export.');
      return new Response(Buffer.concat([...this.#ordered(upload)]), {
        headers: { 'content-type': 'text/csv' }
      });
    }
    return error(404, 'not-found', 'No such endpoint.');
  };

  #push(body: unknown): Response {
    const parsed = v.safeParse(PushRequest, body);
    if (!parsed.success) {
      return error(
        400,
        'invalid',
        v.summarize(parsed.issues),
        v.getDotPath(parsed.issues[0]) ?? ''
      );
    }
    const { deviceName = 'another device' } = parsed.output;
    const results = parsed.output.mutations.map((m): MutationResult => {
      const done = this.#results.get(m.mutationId);
      if (done) return { ...done, status: 'duplicate' };
      if (m.op === 'put' && m.segment.kind === 'dynamic' && !parse(m.segment.rule).ok) {
        return { mutationId: m.mutationId, status: 'rejected', error: 'The rule does not parse.' };
      }
      const result = this.#apply(m, deviceName);
      this.#results.set(m.mutationId, result);
      return result;
    });
    return json(200, { results });
  }

  #apply(m: PushRequest['mutations'][number], deviceName: string): MutationResult {
    const current = this.records.get(m.recordId);
    const base = { mutationId: m.mutationId };
    if (m.op === 'delete') {
      const version = (current?.version ?? 0) + 1;
      this.records.set(m.recordId, { version, deleted: true, deviceName, at: m.at });
      const seq = this.#change(m.recordId, version, true, undefined, m.at);
      return { ...base, status: 'applied', version, seq };
    }
    const stale = current !== undefined && current.version !== m.baseVersion;
    if (current?.deleted) {
      // An edit of a deleted record becomes the copy; the delete stays (so the answer has no version).
      const copyId = this.#copy(m.segment, m.recordId, deviceName, m.at);
      return { ...base, status: 'conflict', conflictCopyId: copyId };
    }
    let conflictCopyId: string | undefined;
    if (stale && current?.segment) {
      // The replaced version is kept, named after the device that made it.
      conflictCopyId = this.#copy(
        current.segment,
        m.recordId,
        current.deviceName ?? 'another device',
        current.at
      );
    }
    const version = (current?.version ?? 0) + 1;
    this.records.set(m.recordId, {
      version,
      deleted: false,
      segment: m.segment,
      deviceName,
      at: m.at
    });
    const seq = this.#change(m.recordId, version, false, m.segment, m.at);
    return conflictCopyId
      ? { ...base, status: 'conflict', version, seq, conflictCopyId }
      : { ...base, status: 'applied', version, seq };
  }

  #copy(segment: SegmentPayload, of: string, deviceName: string, at: number): string {
    const id = randomUUID();
    const time = new Date(at).toISOString().slice(11, 16);
    const name = `${segment.name} (conflict from ${deviceName}, ${time})`;
    const copy = { ...segment, id, name, conflictOf: of };
    this.records.set(id, { version: 1, deleted: false, segment: copy, deviceName, at });
    this.#change(id, 1, false, copy, at);
    return id;
  }

  #change(
    recordId: string,
    version: number,
    deleted: boolean,
    segment: SegmentPayload | undefined,
    at: number
  ): number {
    const seq = ++this.#seq;
    this.changes.push({
      seq,
      recordType: 'segment',
      recordId,
      version,
      deleted,
      ...(segment ? { segment } : {}),
      at
    });
    return seq;
  }

  #startUpload(body: unknown): Response {
    const parsed = v.safeParse(StartUploadRequest, body);
    if (!parsed.success) return error(400, 'invalid', v.summarize(parsed.issues));
    const meta = parsed.output.export;
    const upload = this.uploads.get(meta.id) ?? { meta, chunks: new Map(), complete: false };
    this.uploads.set(meta.id, upload);
    return json(200, {
      chunkBytes: CHUNK,
      chunks: Math.max(1, Math.ceil(meta.bytes / CHUNK)),
      received: [...upload.chunks.keys()].sort((a, b) => a - b),
      complete: upload.complete
    });
  }

  #chunk(id: string, index: number, body: unknown, hash: string | null): Response {
    const upload = this.uploads.get(id);
    if (!upload) return error(404, 'not-found', 'No such upload.');
    const bytes = body instanceof Uint8Array ? body : new Uint8Array();
    if (createHash('sha256').update(bytes).digest('hex') !== hash) {
      return error(400, 'bad-hash', 'The chunk does not match its SHA-256.');
    }
    upload.chunks.set(index, new Uint8Array(bytes));
    return new Response(null, { status: 204 });
  }

  *#ordered(upload: Upload): Iterable<Uint8Array> {
    const keys = [...upload.chunks.keys()].sort((a, b) => a - b);
    for (const k of keys) yield upload.chunks.get(k) as Uint8Array;
  }

  #complete(id: string): Response {
    const upload = this.uploads.get(id);
    if (!upload) return error(404, 'not-found', 'No such upload.');
    const file = Buffer.concat([...this.#ordered(upload)]);
    if (createHash('sha256').update(file).digest('hex') !== upload.meta.sha256) {
      return error(400, 'bad-hash', 'The file does not match its SHA-256.');
    }
    if (!upload.complete) {
      upload.complete = true;
      const seq = ++this.#seq;
      this.changes.push({
        seq,
        recordType: 'export',
        recordId: id,
        version: 1,
        deleted: false,
        export: v.parse(ExportMeta, upload.meta),
        at: upload.meta.at
      });
    }
    return new Response(null, { status: 204 });
  }
}
