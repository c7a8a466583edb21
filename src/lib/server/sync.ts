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
import type { Database, Queryable, SqlValue } from './db';

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

interface Device {
  readonly id: string;
  readonly name: string | null;
}

/**
 * One push's work in memory: the records it touches are read up front in one query, mutations are
 * applied to that state in order (each change taking the next sequence number), and the final
 * states are written back in one statement, so a batch costs a handful of round trips.
 */
class Batch {
  readonly #state = new Map<string, RecordRow | undefined>();
  readonly #written = new Map<string, RecordRow & { seq: number }>();

  constructor(
    private readonly workspaceId: string,
    private seq: number,
    private readonly device: Device
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  async load(tx: Queryable, recordIds: readonly string[]): Promise<void> {
    const rows = await tx.query<RecordRow & { record_id: string }>(
      `SELECT record_id, version, deleted, body, device_id, device_name, at FROM records
       WHERE workspace_id = $1 AND record_type = 'segment' AND record_id = ANY($2::uuid[])`,
      [this.workspaceId, recordIds]
    );
    for (const id of recordIds) this.#state.set(id, undefined);
    for (const { record_id, ...row } of rows) this.#state.set(record_id, row);
  }

  /** Gives a record a new state and the next change number. */
  #write(
    recordId: string,
    version: number,
    body: SegmentPayload | null,
    at: number,
    device: Device
  ) {
    this.seq += 1;
    const row = {
      version,
      deleted: body === null,
      body,
      device_id: device.id,
      device_name: device.name,
      at,
      seq: this.seq
    };
    this.#state.set(recordId, row);
    this.#written.set(recordId, row);
    return this.seq;
  }

  /** Keeps `body` (a version about to be replaced, or an edit that lost to a delete) as a new segment. */
  #copy(body: SegmentPayload, of: string, at: number, device: Device): string {
    const id = randomUUID();
    const copy: SegmentPayload = {
      ...body,
      id,
      name: conflictName(body.name, device.name, at),
      conflictOf: of
    };
    this.#write(id, 1, copy, at, device);
    return id;
  }

  apply(m: Mutation): MutationResult {
    const me = this.device;
    const base = { mutationId: m.mutationId };
    if (m.op === 'put') {
      const problem = checkSegment(m);
      if (problem) return { ...base, status: 'rejected', error: problem };
    }
    const cur = this.#state.get(m.recordId);
    const incoming = m.op === 'put' ? m.segment : null;
    if (!cur) {
      const seq = this.#write(m.recordId, 1, incoming, m.at, me);
      return { ...base, status: 'applied', version: 1, seq };
    }
    // A device's own queued edits build on each other even before it learns their versions.
    const sameLine = m.baseVersion === cur.version || cur.device_id === me.id;
    if (cur.deleted) {
      if (incoming === null) return { ...base, status: 'applied', version: cur.version };
      if (sameLine) {
        // An edit made after seeing the delete (or by the device that deleted): it lives again.
        const seq = this.#write(m.recordId, cur.version + 1, incoming, m.at, me);
        return { ...base, status: 'applied', version: cur.version + 1, seq };
      }
      // The delete wins over an older edit, which is kept as a copy rather than lost.
      const copyId = this.#copy(incoming, m.recordId, m.at, me);
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
      const seq = this.#write(m.recordId, version, incoming, m.at, me);
      return { ...base, status: 'applied', version, seq };
    }
    // Made apart from the server's version: this later arrival wins, the replaced version is kept.
    const copyId = this.#copy(cur.body, m.recordId, cur.at, {
      id: cur.device_id ?? '',
      name: cur.device_name
    });
    const seq = this.#write(m.recordId, version, incoming, m.at, me);
    return { ...base, status: 'conflict', version, seq, conflictCopyId: copyId };
  }

  /** Writes every touched record's final state (a record changed twice keeps its last number). */
  async flush(tx: Queryable): Promise<void> {
    if (this.#written.size === 0) return;
    const params: SqlValue[] = [this.workspaceId];
    const rows: string[] = [];
    for (const [id, r] of this.#written) {
      const n = params.length;
      rows.push(
        `($1, 'segment', $${n + 1}::uuid, $${n + 2}::int, $${n + 3}::boolean, $${n + 4}::jsonb, ` +
          `$${n + 5}, $${n + 6}, $${n + 7}::bigint, $${n + 8}::bigint)`
      );
      params.push(
        id,
        r.version,
        r.deleted,
        r.body === null ? null : JSON.stringify(r.body),
        r.device_id,
        r.device_name,
        r.at,
        r.seq
      );
    }
    await tx.query(
      `INSERT INTO records (workspace_id, record_type, record_id, version, deleted, body, device_id, device_name, at, seq)
       VALUES ${rows.join(', ')}
       ON CONFLICT (workspace_id, record_type, record_id) DO UPDATE SET
         version = EXCLUDED.version, deleted = EXCLUDED.deleted, body = EXCLUDED.body,
         device_id = EXCLUDED.device_id, device_name = EXCLUDED.device_name, at = EXCLUDED.at,
         seq = EXCLUDED.seq`,
      params
    );
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

/** PostgreSQL prints UUIDs in lower case: compare them that way. */
function lowerIds(m: Mutation): Mutation {
  const recordId = m.recordId.toLowerCase();
  if (m.op === 'delete') return { ...m, recordId };
  const { conflictOf, ...segment } = m.segment;
  return {
    ...m,
    recordId,
    segment: {
      ...segment,
      id: segment.id.toLowerCase(),
      ...(conflictOf ? { conflictOf: conflictOf.toLowerCase() } : {})
    }
  };
}

export async function push(
  db: Database,
  workspaceId: string,
  request: PushRequest
): Promise<MutationResult[]> {
  const ids = request.mutations.map((m) => m.mutationId);
  return db.transaction(async (tx) => {
    const start = await lockSequence(tx, workspaceId);
    const seen = new Map(
      (
        await tx.query<{ mutation_id: string; result: MutationResult }>(
          `SELECT mutation_id, result FROM mutations
           WHERE workspace_id = $1 AND mutation_id = ANY($2::uuid[])`,
          [workspaceId, ids]
        )
      ).map((r) => [r.mutation_id, r.result])
    );
    const batch = new Batch(workspaceId, start, {
      id: request.deviceId,
      name: request.deviceName ?? null
    });
    await batch.load(tx, [...new Set(request.mutations.map((m) => m.recordId.toLowerCase()))]);
    const results: MutationResult[] = [];
    const fresh: MutationResult[] = [];
    for (const m of request.mutations) {
      const before = seen.get(m.mutationId.toLowerCase());
      if (before) {
        results.push(before.status === 'rejected' ? before : { ...before, status: 'duplicate' });
        continue;
      }
      const result = batch.apply(lowerIds(m));
      seen.set(m.mutationId.toLowerCase(), result);
      fresh.push(result);
      results.push(result);
    }
    await batch.flush(tx);
    if (fresh.length > 0) {
      const params: SqlValue[] = [workspaceId];
      const values = fresh.map((r) => {
        params.push(r.mutationId.toLowerCase(), JSON.stringify(r));
        return `($1, $${params.length - 1}::uuid, $${params.length}::jsonb)`;
      });
      await tx.query(
        `INSERT INTO mutations (workspace_id, mutation_id, result) VALUES ${values.join(', ')}`,
        params
      );
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
