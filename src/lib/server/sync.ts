// Push and pull of synced records. A push applies its batch in one transaction under the workspace's
// row lock (so change numbers commit in order and a pull never skips one), idempotently by mutation
// id. Conflicts: the later arrival wins and the version it replaces becomes a conflict copy; deletes
// are tombstones, and an edit made before a delete it never saw becomes a copy instead of being lost.
import { randomUUID } from 'node:crypto';
import { parse } from '../engine';
import {
  LIMITS,
  type Change,
  type Mutation,
  type MutationResult,
  type PullResponse,
  type PushRequest,
  type SegmentPayload
} from '../sync/protocol';
import type { Database, Queryable } from './db';

interface RecordRow {
  version: number;
  deleted: boolean;
  body: SegmentPayload | null;
  device_id: string | null;
  device_name: string | null;
  at: number;
}

const UNKNOWN_DEVICE = 'another device';

/** "VIP (conflict from Chrome on Linux, 14:02)", the time in UTC, the whole within the name limit. */
export function conflictName(name: string, deviceName: string | null, at: number): string {
  const time = new Date(at).toISOString().slice(11, 16);
  const suffix = ` (conflict from ${deviceName?.trim() || UNKNOWN_DEVICE}, ${time})`;
  const room = LIMITS.maxNameLength - suffix.length;
  if (room < 1) return `${name.slice(0, LIMITS.maxNameLength - 30)} (conflict, ${time})`;
  return (name.length > room ? name.slice(0, room - 1) + '…' : name) + suffix;
}

/** Why a segment cannot be stored, or undefined when it can. */
function checkSegment(m: Extract<Mutation, { op: 'put' }>): string | undefined {
  if (m.segment.id !== m.recordId) return 'The segment id does not match the record id.';
  if (m.segment.conflictOf === m.recordId) return 'A segment cannot be a conflict copy of itself.';
  if (m.segment.kind === 'dynamic') {
    const parsed = parse(m.segment.rule);
    if (!parsed.ok) {
      const first = parsed.issues[0];
      const at = first.span ? ` (at character ${first.span.start + 1})` : '';
      return `The segment rule is not valid${at}: ${first.message}`;
    }
  }
  return undefined;
}

class Batch {
  constructor(
    private readonly tx: Queryable,
    private readonly workspaceId: string,
    private seq: number,
    private readonly deviceId: string,
    private readonly deviceName: string | null
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  async current(recordId: string): Promise<RecordRow | undefined> {
    const rows = await this.tx.query<RecordRow>(
      `SELECT version, deleted, body, device_id, device_name, at FROM records
       WHERE workspace_id = $1 AND record_type = 'segment' AND record_id = $2`,
      [this.workspaceId, recordId]
    );
    return rows[0];
  }

  /** Writes a record's new state and gives it the next change number. */
  async write(
    recordId: string,
    version: number,
    body: SegmentPayload | null,
    at: number,
    device: { id: string; name: string | null }
  ): Promise<number> {
    this.seq += 1;
    await this.tx.query(
      `INSERT INTO records (workspace_id, record_type, record_id, version, deleted, body, device_id, device_name, at, seq)
       VALUES ($1, 'segment', $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (workspace_id, record_type, record_id) DO UPDATE SET
         version = EXCLUDED.version, deleted = EXCLUDED.deleted, body = EXCLUDED.body,
         device_id = EXCLUDED.device_id, device_name = EXCLUDED.device_name, at = EXCLUDED.at,
         seq = EXCLUDED.seq`,
      [
        this.workspaceId,
        recordId,
        version,
        body === null,
        body === null ? null : JSON.stringify(body),
        device.id,
        device.name,
        at,
        this.seq
      ]
    );
    return this.seq;
  }

  /** Keeps `body` (a version about to be replaced, or an edit that lost to a delete) as a new segment. */
  async copy(
    body: SegmentPayload,
    of: string,
    at: number,
    device: { id: string; name: string | null }
  ): Promise<string> {
    const id = randomUUID();
    const copy: SegmentPayload = {
      ...body,
      id,
      name: conflictName(body.name, device.name, at),
      conflictOf: of
    };
    await this.write(id, 1, copy, at, device);
    return id;
  }

  async apply(m: Mutation): Promise<MutationResult> {
    const me = { id: this.deviceId, name: this.deviceName };
    const base = { mutationId: m.mutationId };
    if (m.op === 'put') {
      const problem = checkSegment(m);
      if (problem) return { ...base, status: 'rejected', error: problem };
    }
    const cur = await this.current(m.recordId);
    const incoming = m.op === 'put' ? m.segment : null;
    if (!cur) {
      const seq = await this.write(m.recordId, 1, incoming, m.at, me);
      return { ...base, status: 'applied', version: 1, seq };
    }
    // A device's own queued edits build on each other even before it learns their versions.
    const sameLine = m.baseVersion === cur.version || cur.device_id === this.deviceId;
    if (cur.deleted) {
      if (incoming === null) return { ...base, status: 'applied', version: cur.version };
      if (sameLine) {
        // An edit made after seeing the delete (or by the device that deleted): it lives again.
        const seq = await this.write(m.recordId, cur.version + 1, incoming, m.at, me);
        return { ...base, status: 'applied', version: cur.version + 1, seq };
      }
      // The delete wins over an older edit, which is kept as a copy rather than lost.
      const copyId = await this.copy(incoming, m.recordId, m.at, me);
      return {
        ...base,
        status: 'conflict',
        version: cur.version,
        seq: this.seq,
        conflictCopyId: copyId
      };
    }
    const version = cur.version + 1;
    if (sameLine || cur.body === null) {
      const seq = await this.write(m.recordId, version, incoming, m.at, me);
      return { ...base, status: 'applied', version, seq };
    }
    // Made apart from the server's version: this later arrival wins, the replaced version is kept.
    const copyId = await this.copy(cur.body, m.recordId, cur.at, {
      id: cur.device_id ?? '',
      name: cur.device_name
    });
    const seq = await this.write(m.recordId, version, incoming, m.at, me);
    return { ...base, status: 'conflict', version, seq, conflictCopyId: copyId };
  }
}

/** Locks the workspace's sequence row for the rest of the transaction and returns its last number. */
export async function lockSequence(tx: Queryable, workspaceId: string): Promise<number> {
  const rows = await tx.query<{ last_seq: number }>(
    'SELECT last_seq FROM workspaces WHERE id = $1 FOR UPDATE',
    [workspaceId]
  );
  if (rows.length === 0) throw new Error('The workspace no longer exists.');
  return rows[0].last_seq;
}

export async function saveSequence(tx: Queryable, workspaceId: string, seq: number): Promise<void> {
  await tx.query('UPDATE workspaces SET last_seq = $2 WHERE id = $1', [workspaceId, seq]);
}

export async function push(
  db: Database,
  workspaceId: string,
  request: PushRequest
): Promise<MutationResult[]> {
  return db.transaction(async (tx) => {
    const start = await lockSequence(tx, workspaceId);
    const batch = new Batch(tx, workspaceId, start, request.deviceId, request.deviceName ?? null);
    const results: MutationResult[] = [];
    for (const m of request.mutations) {
      const seen = await tx.query<{ result: MutationResult }>(
        'SELECT result FROM mutations WHERE workspace_id = $1 AND mutation_id = $2',
        [workspaceId, m.mutationId]
      );
      if (seen.length > 0) {
        const before = seen[0].result;
        results.push(before.status === 'rejected' ? before : { ...before, status: 'duplicate' });
        continue;
      }
      const result = await batch.apply(m);
      await tx.query(
        'INSERT INTO mutations (workspace_id, mutation_id, result) VALUES ($1, $2, $3)',
        [workspaceId, m.mutationId, JSON.stringify(result)]
      );
      results.push(result);
    }
    if (batch.lastSeq !== start) await saveSequence(tx, workspaceId, batch.lastSeq);
    return results;
  });
}

interface ChangeRow {
  seq: number;
  record_type: string;
  record_id: string;
  version: number;
  deleted: boolean;
  body: unknown;
  device_id: string | null;
  at: number;
}

/** The records changed after `after`, each in its latest state, in change order. */
export async function pull(
  db: Queryable,
  workspaceId: string,
  after: number,
  limit: number
): Promise<PullResponse> {
  const rows = await db.query<ChangeRow>(
    `SELECT seq, record_type, record_id, version, deleted, body, device_id, at FROM records
     WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [workspaceId, after, limit + 1]
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const changes = page.map((r): Change => {
    const common = {
      seq: r.seq,
      recordId: r.record_id,
      version: r.version,
      deleted: r.deleted,
      at: r.at,
      ...(r.device_id ? { deviceId: r.device_id } : {})
    };
    if (r.record_type === 'export')
      return {
        ...common,
        recordType: 'export',
        ...(r.body ? { export: r.body as Extract<Change, { recordType: 'export' }>['export'] } : {})
      };
    return {
      ...common,
      recordType: 'segment',
      ...(r.body ? { segment: r.body as SegmentPayload } : {})
    };
  });
  return { changes, cursor: page.length > 0 ? page[page.length - 1].seq : after, more };
}
