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
  seq: number;
  name_key: string | null;
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

/**
 * A segment name as rules compare it (`in segment "vip"` finds "VIP"): spaces collapsed, lower case.
 * Two live segments of a workspace never share one (see Batch.#uniqueName).
 */
export function nameKey(name: string): string {
  return name.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** "VIP (2)", "VIP (3)"…: the n-th name for a segment whose name another one has, within the limit. */
export function numberedName(name: string, n: number): string {
  const suffix = ` (${n})`;
  const room = LIMITS.maxNameLength - suffix.length;
  return (name.length > room ? name.slice(0, room - 1) + '…' : name) + suffix;
}

/** Same definition (timestamps aside): two devices made the same change, so nothing needs keeping. */
function sameDefinition(a: SegmentPayload, b: SegmentPayload): boolean {
  if (a.kind !== b.kind || a.name !== b.name || a.conflictOf !== b.conflictOf) return false;
  if (a.kind === 'dynamic' && b.kind === 'dynamic') return a.rule === b.rule;
  if (a.kind === 'static' && b.kind === 'static') {
    if (a.members.length !== b.members.length) return false;
    const x = [...a.members].sort();
    const y = [...b.members].sort();
    return x.every((id, i) => id === y[i]);
  }
  return false;
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

const COLUMNS = 'record_id, version, deleted, body, device_id, device_name, at, seq, name_key';

/**
 * One push's work in memory: the records it touches (and the live names they could repeat) are read
 * up front in a few queries, mutations are applied to that state in order (each change taking the
 * next sequence number), and the final states are written back in one statement, so a batch costs a
 * handful of round trips.
 */
class Batch {
  readonly #state = new Map<string, RecordRow | undefined>();
  readonly #written = new Map<string, RecordRow>();
  /** Live segment names (name keys) of the workspace that this batch may meet, and whose they are. */
  readonly #names = new Map<string, string>();
  /**
   * For a deleted record: the copy this device's edit of it became since the delete. Its later edits
   * made before it saw the delete go to that copy, rather than each making one more.
   */
  readonly #lineCopies = new Map<string, string>();

  constructor(
    private readonly workspaceId: string,
    private seq: number,
    private readonly device: Device
  ) {}

  get lastSeq(): number {
    return this.seq;
  }

  async #loadRows(tx: Queryable, recordIds: readonly string[]): Promise<void> {
    if (recordIds.length === 0) return;
    const rows = await tx.query<RecordRow & { record_id: string }>(
      `SELECT ${COLUMNS} FROM records
       WHERE workspace_id = $1 AND record_type = 'segment' AND record_id = ANY($2::uuid[])`,
      [this.workspaceId, recordIds]
    );
    for (const id of recordIds) this.#state.set(id, undefined);
    for (const { record_id, ...row } of rows) this.#state.set(record_id, row);
  }

  async load(tx: Queryable, mutations: readonly Mutation[]): Promise<void> {
    const ids = [...new Set(mutations.map((m) => m.recordId))];
    await this.#loadRows(tx, ids);
    // The copies this device's edits became of records it had not seen (deleted ones, or ones it sends
    // as new): only looked up when there are such records.
    const unseen = new Set(mutations.filter((m) => m.baseVersion === 0).map((m) => m.recordId));
    const deleted = ids.filter(
      (id) => this.#state.get(id)?.deleted || (unseen.has(id) && this.#state.get(id))
    );
    if (deleted.length > 0) {
      const copies = await tx.query<{ record_id: string; of: string }>(
        `SELECT record_id, body->>'conflictOf' AS of FROM records
         WHERE workspace_id = $1 AND record_type = 'segment' AND NOT deleted AND device_id = $2
           AND body->>'conflictOf' = ANY($3::text[])`,
        [this.workspaceId, this.device.id, deleted]
      );
      await this.#loadRows(
        tx,
        copies.map((c) => c.record_id)
      );
      for (const c of copies) {
        const copy = this.#state.get(c.record_id);
        const of = this.#state.get(c.of);
        if (copy && of && copy.seq > of.seq) this.#lineCopies.set(c.of, c.record_id);
      }
    }
    // Every live name that starts like a name this batch may write: the names sent, and the current
    // names of the records touched (conflict copies are named after them).
    const prefixes = new Set<string>();
    for (const m of mutations) if (m.op === 'put') prefixes.add(nameKey(m.segment.name));
    for (const row of this.#state.values()) if (row?.name_key) prefixes.add(row.name_key);
    if (prefixes.size === 0) return;
    const named = await tx.query<{ record_id: string; name_key: string }>(
      `SELECT record_id, name_key FROM records
       WHERE workspace_id = $1 AND record_type = 'segment' AND name_key IS NOT NULL
         AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE starts_with(name_key, p.prefix))`,
      [this.workspaceId, [...prefixes]]
    );
    // Should two share a name already (stored before names were kept apart), the one with the lowest
    // id keeps it: any fixed rule does, as long as every push decides alike.
    for (const r of named.sort((a, b) => (a.record_id < b.record_id ? 1 : -1)))
      this.#names.set(r.name_key, r.record_id);
  }

  /** `body`'s name, or "name (2)", "name (3)"… when another live segment has it. */
  #uniqueName(recordId: string, name: string): string {
    const free = (candidate: string) => {
      const owner = this.#names.get(nameKey(candidate));
      return owner === undefined || owner === recordId;
    };
    if (free(name)) return name;
    for (let n = 2; ; n++) {
      const candidate = numberedName(name, n);
      if (free(candidate)) return candidate;
    }
  }

  /** Gives a record a new state (its name made unique) and the next change number. */
  #write(
    recordId: string,
    version: number,
    incoming: SegmentPayload | null,
    at: number,
    device: Device
  ): { seq: number; body: SegmentPayload | null } {
    this.seq += 1;
    const previous = this.#state.get(recordId);
    if (previous?.name_key && this.#names.get(previous.name_key) === recordId)
      this.#names.delete(previous.name_key);
    let body = incoming;
    if (body !== null) {
      const name = this.#uniqueName(recordId, body.name);
      if (name !== body.name) body = { ...body, name };
      this.#names.set(nameKey(body.name), recordId);
    }
    const row: RecordRow = {
      version,
      deleted: body === null,
      body,
      device_id: device.id,
      device_name: device.name,
      at,
      seq: this.seq,
      name_key: body === null ? null : nameKey(body.name)
    };
    this.#state.set(recordId, row);
    this.#written.set(recordId, row);
    return { seq: this.seq, body };
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

  /** The result of a put or delete that was written, with the name the server gave it if not the one sent. */
  #done(
    m: Mutation,
    status: 'applied' | 'conflict',
    version: number,
    written: { seq: number; body: SegmentPayload | null },
    conflictCopyId?: string
  ): MutationResult {
    const renamed =
      m.op === 'put' && written.body !== null && written.body.name !== m.segment.name
        ? { renamedTo: written.body.name }
        : {};
    return {
      mutationId: m.mutationId,
      status,
      version,
      seq: written.seq,
      ...(conflictCopyId ? { conflictCopyId } : {}),
      ...renamed
    };
  }

  /**
   * The edit itself becomes a conflict copy and the record is left as it is: no version in the answer,
   * the device has not seen the record's state (pulls bring it). A later edit of the record from the
   * same device, made before it saw that state too, goes to the same copy rather than making another.
   */
  #keptAsCopy(m: Mutation, incoming: SegmentPayload): MutationResult {
    const me = this.device;
    const lineCopy = this.#lineCopies.get(m.recordId);
    const copyRow = lineCopy ? this.#state.get(lineCopy) : undefined;
    let copyId: string;
    if (lineCopy && copyRow && !copyRow.deleted && copyRow.device_id === me.id) {
      const body: SegmentPayload = {
        ...incoming,
        id: lineCopy,
        name: conflictName(incoming.name, me.name, m.at),
        conflictOf: m.recordId
      };
      this.#write(lineCopy, copyRow.version + 1, body, m.at, me);
      copyId = lineCopy;
    } else {
      copyId = this.#copy(incoming, m.recordId, m.at, me);
      this.#lineCopies.set(m.recordId, copyId);
    }
    return { mutationId: m.mutationId, status: 'conflict', seq: this.seq, conflictCopyId: copyId };
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
    if (!cur) return this.#done(m, 'applied', 1, this.#write(m.recordId, 1, incoming, m.at, me));
    // A device's own queued edits build on each other even before it learns their versions; and an
    // edit identical to the server's version (two devices made the same change) conflicts with nothing.
    const sameLine =
      m.baseVersion === cur.version ||
      cur.device_id === me.id ||
      (incoming !== null && cur.body !== null && sameDefinition(cur.body, incoming));
    if (cur.deleted) {
      if (incoming === null) return { ...base, status: 'applied', version: cur.version };
      if (sameLine) {
        // An edit made after seeing the delete (or by the device that deleted): it lives again.
        const version = cur.version + 1;
        return this.#done(
          m,
          'applied',
          version,
          this.#write(m.recordId, version, incoming, m.at, me)
        );
      }
      // The delete wins over an older edit, which is kept as a copy rather than lost.
      return this.#keptAsCopy(m, incoming);
    }
    if (m.baseVersion === 0 && incoming !== null && !sameLine) {
      // A device that never saw this record sends another version of it: it joined this workspace
      // with segments from another one. The workspace's version stays; the device's is kept as a copy.
      return this.#keptAsCopy(m, incoming);
    }
    const version = cur.version + 1;
    if (sameLine || cur.body === null) {
      return this.#done(
        m,
        'applied',
        version,
        this.#write(m.recordId, version, incoming, m.at, me)
      );
    }
    // Made apart from the server's version: this later arrival wins, the replaced version is kept.
    const copyId = this.#copy(cur.body, m.recordId, cur.at, {
      id: cur.device_id ?? '',
      name: cur.device_name
    });
    const written = this.#write(m.recordId, version, incoming, m.at, me);
    return this.#done(m, 'conflict', version, written, copyId);
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
          `$${n + 5}, $${n + 6}, $${n + 7}::bigint, $${n + 8}::bigint, $${n + 9}::text)`
      );
      params.push(
        id,
        r.version,
        r.deleted,
        r.body === null ? null : JSON.stringify(r.body),
        r.device_id,
        r.device_name,
        r.at,
        r.seq,
        r.name_key
      );
    }
    await tx.query(
      `INSERT INTO records (workspace_id, record_type, record_id, version, deleted, body, device_id, device_name, at, seq, name_key)
       VALUES ${rows.join(', ')}
       ON CONFLICT (workspace_id, record_type, record_id) DO UPDATE SET
         version = EXCLUDED.version, deleted = EXCLUDED.deleted, body = EXCLUDED.body,
         device_id = EXCLUDED.device_id, device_name = EXCLUDED.device_name, at = EXCLUDED.at,
         seq = EXCLUDED.seq, name_key = EXCLUDED.name_key`,
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
    const mutations = request.mutations.map(lowerIds);
    await batch.load(
      tx,
      mutations.filter((m) => !seen.has(m.mutationId.toLowerCase()))
    );
    const results: MutationResult[] = [];
    const fresh: MutationResult[] = [];
    for (const m of mutations) {
      const before = seen.get(m.mutationId.toLowerCase());
      if (before) {
        results.push(before.status === 'rejected' ? before : { ...before, status: 'duplicate' });
        continue;
      }
      const result = batch.apply(m);
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
