// Sync's storage: the workspace and device this browser profile syncs as, the pull cursor, the status the
// UI shows, the outbox's read side (batches in order, acknowledgements, rejections, retries), and pulled
// changes applied to the local segments and exports, each page in one transaction with its cursor.
import { parse } from '$lib/engine/parser';
import { renameSegmentRefs, stripSpans } from '$lib/engine/model';
import type { Change, MutationResult, SegmentPayload } from '$lib/sync/protocol';
import type { ExportRecord, OutboxEntry, SegmentRecord, SegmentsDb, SyncRecord } from './db';
import { enqueueExport, enqueueSegment } from './outbox';

export interface WorkspaceLink {
  readonly workspaceId: string;
  readonly name: string;
  readonly token: string;
}

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly deviceName: string;
}

export type SyncState =
  'idle' | 'syncing' | 'offline' | 'retrying' | 'unauthorized' | 'disconnected';

/** What the UI shows about sync (observed with liveQuery). */
export interface SyncStatusRecord {
  readonly state: SyncState;
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  /** Why the last attempt failed, in words. */
  readonly message?: string;
  /** When the next attempt is due, after a failure. */
  readonly nextAttemptAt?: number;
}

export const META_KEYS = {
  workspace: 'sync.workspace',
  device: 'sync.device',
  cursor: 'sync.cursor',
  status: 'sync.status'
} as const;

/** A pending segment mutation ready to send: its entry and the base version to send it with. */
export interface OutgoingMutation {
  readonly entry: OutboxEntry & { seq: number };
  readonly baseVersion: number;
}

export interface AppliedPage {
  /** Segments were created, changed or deleted here. */
  readonly segmentsChanged: boolean;
  readonly exportsChanged: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export class SyncRepo {
  constructor(readonly db: SegmentsDb) {}

  async #meta<T>(key: string, check: (value: unknown) => value is T): Promise<T | undefined> {
    const value = (await this.db.meta.get(key))?.value;
    return check(value) ? value : undefined;
  }

  workspace(): Promise<WorkspaceLink | undefined> {
    return this.#meta(
      META_KEYS.workspace,
      (v): v is WorkspaceLink =>
        isObject(v) && typeof v.workspaceId === 'string' && typeof v.token === 'string'
    );
  }

  /**
   * Links this device to a workspace. Joining another workspace starts over: the cursor goes back to
   * 0, what was known of the old workspace's records is forgotten (its exports from other devices are
   * dropped), and every segment and export on this device is queued for the new workspace, whose
   * server makes no copy of a segment it already holds as it is (joining again duplicates nothing).
   * A first link keeps the outbox as it is: everything made here is in it already.
   */
  async setWorkspace(link: WorkspaceLink, now: number): Promise<void> {
    const db = this.db;
    await db.transaction(
      'rw',
      [db.meta, db.outbox, db.syncRecords, db.segments, db.exports, db.exportFiles],
      async () => {
        const current = await this.workspace();
        await db.meta.put({ key: META_KEYS.workspace, value: link });
        if (current?.workspaceId === link.workspaceId) return;
        const fresh =
          current === undefined &&
          (await this.cursor()) === 0 &&
          (await db.syncRecords.count()) === 0;
        if (fresh) return;
        await db.meta.put({ key: META_KEYS.cursor, value: 0 });
        await db.syncRecords.clear();
        await db.outbox.clear();
        const remote = await db.exports.filter((e) => e.remote === true).primaryKeys();
        await db.exports.bulkDelete(remote);
        await db.exportFiles.bulkDelete(remote);
        for (const s of await db.segments.toArray()) {
          if (s.deletedAt === undefined) await enqueueSegment(db, s, 'put', now);
        }
        for (const e of await db.exports.toArray()) await enqueueExport(db, e);
      }
    );
  }

  async forgetWorkspace(): Promise<void> {
    await this.db.meta.delete(META_KEYS.workspace);
  }

  /** This browser profile's id and name (made on first use). */
  async device(defaultName: string): Promise<DeviceIdentity> {
    return this.db.transaction('rw', this.db.meta, async () => {
      const stored = await this.#meta(
        META_KEYS.device,
        (v): v is DeviceIdentity => isObject(v) && typeof v.deviceId === 'string'
      );
      if (stored) return stored;
      const device = { deviceId: crypto.randomUUID(), deviceName: defaultName };
      await this.db.meta.put({ key: META_KEYS.device, value: device });
      return device;
    });
  }

  async renameDevice(deviceName: string, defaultName: string): Promise<DeviceIdentity> {
    return this.db.transaction('rw', this.db.meta, async () => {
      const device = { ...(await this.device(defaultName)), deviceName };
      await this.db.meta.put({ key: META_KEYS.device, value: device });
      return device;
    });
  }

  async cursor(): Promise<number> {
    return (await this.#meta(META_KEYS.cursor, (v): v is number => typeof v === 'number')) ?? 0;
  }

  async status(): Promise<SyncStatusRecord> {
    return (
      (await this.#meta(
        META_KEYS.status,
        (v): v is SyncStatusRecord => isObject(v) && typeof v.state === 'string'
      )) ?? { state: 'idle' }
    );
  }

  async setStatus(change: Partial<SyncStatusRecord>): Promise<SyncStatusRecord> {
    return this.db.transaction('rw', this.db.meta, async () => {
      const next = { ...(await this.status()), ...change };
      await this.db.meta.put({ key: META_KEYS.status, value: next });
      return next;
    });
  }

  /** Pending entries waiting for the server (rejected ones excluded). */
  pendingCount(): Promise<number> {
    return this.db.outbox.where('status').equals('pending').count();
  }

  /**
   * The next pending segment mutations, in order, at most `max`, with at most one per record: a second
   * change of a record builds on the version the server gives the first, so it waits for the next batch.
   * The base version is the server version this device knows now; while a record has changes waiting,
   * pulls do not touch it, so that is the version its first waiting change was made on.
   */
  async nextBatch(max: number): Promise<OutgoingMutation[]> {
    const db = this.db;
    return db.transaction('r', [db.outbox, db.syncRecords], async () => {
      const pending = await db.outbox.where('status').equals('pending').sortBy('seq');
      const batch: OutgoingMutation[] = [];
      const seen = new Set<string>();
      for (const entry of pending) {
        if (entry.recordType !== 'segment') continue;
        if (seen.has(entry.recordId)) break;
        seen.add(entry.recordId);
        const known = await db.syncRecords.get(entry.recordId);
        batch.push({
          entry: entry as OutboxEntry & { seq: number },
          baseVersion: Math.max(known?.serverVersion ?? 0, known?.pushedVersion ?? 0)
        });
        if (batch.length >= max) break;
      }
      return batch;
    });
  }

  /** Pending export uploads, in order. */
  async pendingUploads(): Promise<(OutboxEntry & { seq: number })[]> {
    const pending = await this.db.outbox.where('status').equals('pending').sortBy('seq');
    return pending.filter((e) => e.op === 'upload') as (OutboxEntry & { seq: number })[];
  }

  /**
   * Records the server's answer to a batch: acknowledged entries leave the outbox and their record's
   * server version moves on; rejected entries stay, marked, with the reason. A segment the server
   * renamed (another of the workspace had its name) takes that name here too, and this device's rules
   * that named it follow.
   */
  async acknowledge(
    batch: readonly OutgoingMutation[],
    results: readonly MutationResult[],
    now: number
  ): Promise<{ acknowledged: number; rejected: number; segmentsChanged: boolean }> {
    const db = this.db;
    const byId = new Map(results.map((r) => [r.mutationId, r]));
    let acknowledged = 0;
    let rejected = 0;
    let segmentsChanged = false;
    await db.transaction('rw', [db.outbox, db.syncRecords, db.segments], async () => {
      for (const { entry } of batch) {
        const result = byId.get(entry.mutationId);
        if (!result) continue; // Not answered: it stays pending and goes again.
        if (result.status === 'rejected') {
          rejected++;
          await db.outbox.update(entry.seq, {
            status: 'rejected',
            attempts: entry.attempts + 1,
            error: result.error ?? 'The server refused this change.'
          });
          continue;
        }
        acknowledged++;
        await db.outbox.delete(entry.seq);
        const known = await db.syncRecords.get(entry.recordId);
        const stillWaiting = await db.outbox
          .where('recordId')
          .equals(entry.recordId)
          .filter((e) => e.status === 'pending')
          .count();
        const renamed =
          result.renamedTo !== undefined && stillWaiting === 0
            ? await this.#renamedByServer(entry.recordId, result.renamedTo, now)
            : false;
        segmentsChanged ||= renamed;
        // Only `applied` says the record is now this content (with the server's name, taken above);
        // after a conflict (or a duplicate, whose first outcome is unknown) the pulls that follow
        // bring the record's state.
        const confirmed =
          result.status === 'applied' &&
          result.version !== undefined &&
          (result.renamedTo === undefined || renamed);
        const remoteDeleted = known?.remoteDeleted === true;
        const next: SyncRecord = {
          id: entry.recordId,
          recordType: 'segment',
          serverVersion: confirmed ? (result.version as number) : (known?.serverVersion ?? 0),
          syncedAt: now,
          ...(!confirmed && result.version !== undefined ? { pushedVersion: result.version } : {}),
          ...(remoteDeleted && stillWaiting > 0 ? { remoteDeleted: true } : {})
        };
        await db.syncRecords.put(next);
        // Another device deleted the record while this change waited: the server kept the delete and
        // made this edit a conflict copy (pulled as its own segment), so the record goes here too.
        if (remoteDeleted && stillWaiting === 0 && result.status === 'conflict') {
          segmentsChanged = (await this.#tombstone(entry.recordId, now)) || segmentsChanged;
        }
      }
    });
    return { acknowledged, rejected, segmentsChanged };
  }

  /**
   * The server stored this device's segment under another name. Rules here that named it by its old
   * name meant it (no other segment here had that name), so they follow, and go to the server too.
   */
  async #renamedByServer(id: string, name: string, now: number): Promise<boolean> {
    const db = this.db;
    const local = await db.segments.get(id);
    if (!local || local.deletedAt !== undefined) return false;
    const old = local.name;
    await db.segments.put({ ...local, name, version: local.version + 1 });
    const active = (await db.segments.toArray()).filter((s) => s.deletedAt === undefined);
    const key = (n: string) => n.replace(/\s+/g, ' ').trim().toLowerCase();
    if (active.some((s) => s.id !== id && key(s.name) === key(old))) return true;
    for (const s of active) {
      if (s.id === id || !s.rule) continue;
      const root = renameSegmentRefs(s.rule.root, old, name);
      if (root === s.rule.root) continue;
      const rule = { ...s.rule, root };
      const next: SegmentRecord = { ...s, rule, updatedAt: now, version: s.version + 1 };
      await db.segments.put(next);
      await enqueueSegment(db, next, 'put', now);
    }
    return true;
  }

  /** A try that did not get through (offline, server error): the entries stay pending, with why. */
  async noteFailure(seqs: readonly number[], error: string): Promise<void> {
    const db = this.db;
    await db.transaction('rw', db.outbox, async () => {
      for (const seq of seqs) {
        const entry = await db.outbox.get(seq);
        if (entry) await db.outbox.update(seq, { attempts: entry.attempts + 1, error });
      }
    });
  }

  /** Marks one entry rejected (the server or the protocol's schema refused it). */
  async reject(seq: number, error: string): Promise<void> {
    await this.db.outbox.update(seq, { status: 'rejected', error });
  }

  /** An upload finished: the export is on the server. */
  async uploaded(seq: number, exportId: string, now: number): Promise<void> {
    const db = this.db;
    await db.transaction('rw', [db.outbox, db.syncRecords], async () => {
      await db.outbox.delete(seq);
      await db.syncRecords.put({
        id: exportId,
        recordType: 'export',
        serverVersion: 1,
        syncedAt: now
      });
    });
  }

  /** Sends a rejected entry again (after the user fixed what was wrong, or to try once more). */
  async retry(seq: number): Promise<void> {
    await this.db.outbox.update(seq, { status: 'pending', attempts: 0 });
  }

  /** Gives up on a rejected entry: the change stays on this device only. */
  async dismiss(seq: number): Promise<void> {
    const entry = await this.db.outbox.get(seq);
    if (entry?.status === 'rejected') await this.db.outbox.delete(seq);
  }

  async exportWithFile(id: string): Promise<{ record: ExportRecord; csv: string } | undefined> {
    const [record, file] = await Promise.all([
      this.db.exports.get(id),
      this.db.exportFiles.get(id)
    ]);
    return record && file ? { record, csv: file.csv } : undefined;
  }

  /** Keeps a downloaded file of another device's export, so it opens offline next time. */
  async cacheExportFile(id: string, csv: string): Promise<void> {
    await this.db.exportFiles.put({ id, csv });
  }

  /**
   * Applies one pulled page and moves the cursor, in one transaction. A change this device already has
   * (its version is not newer than the one known) is skipped; so is a change of a record with local
   * changes still waiting: those go to the server, which resolves the conflict and sends the outcome
   * back. A delete met that way is remembered (see acknowledge).
   */
  async applyPage(changes: readonly Change[], cursor: number, now: number): Promise<AppliedPage> {
    const db = this.db;
    let segmentsChanged = false;
    let exportsChanged = false;
    await db.transaction(
      'rw',
      [db.meta, db.outbox, db.syncRecords, db.segments, db.exports],
      async () => {
        for (const change of changes) {
          const known = await db.syncRecords.get(change.recordId);
          if (known && change.version <= known.serverVersion) continue;
          const waiting = await db.outbox
            .where('recordId')
            .equals(change.recordId)
            .filter((e) => e.status === 'pending')
            .count();
          if (waiting > 0) {
            if (change.deleted && known)
              await db.syncRecords.update(known.id, { remoteDeleted: true });
            else if (change.deleted)
              await db.syncRecords.put({
                id: change.recordId,
                recordType: change.recordType,
                serverVersion: 0,
                remoteDeleted: true
              });
            continue;
          }
          if (change.recordType === 'segment') {
            segmentsChanged =
              (change.deleted
                ? await this.#tombstone(change.recordId, change.at)
                : change.segment
                  ? await this.#putSegment(change.segment)
                  : false) || segmentsChanged;
          } else if (change.deleted) {
            const local = await db.exports.get(change.recordId);
            if (local?.remote) {
              await db.exports.delete(change.recordId);
              exportsChanged = true;
            }
          } else if (change.export && !(await db.exports.get(change.recordId))) {
            const { sha256: _sha, ...meta } = change.export;
            await db.exports.add({ ...meta, remote: true });
            exportsChanged = true;
          }
          await db.syncRecords.put({
            id: change.recordId,
            recordType: change.recordType,
            serverVersion: change.version,
            syncedAt: now
          });
        }
        await db.meta.put({ key: META_KEYS.cursor, value: cursor });
      }
    );
    return { segmentsChanged, exportsChanged };
  }

  async #tombstone(id: string, at: number): Promise<boolean> {
    const local = await this.db.segments.get(id);
    if (!local || local.deletedAt !== undefined) return false;
    await this.db.segments.put({
      ...local,
      deletedAt: at,
      updatedAt: Math.max(at, local.updatedAt),
      version: local.version + 1
    });
    return true;
  }

  async #putSegment(payload: SegmentPayload): Promise<boolean> {
    const local = await this.db.segments.get(payload.id);
    const base = {
      id: payload.id,
      name: payload.name,
      kind: payload.kind,
      createdAt: payload.createdAt,
      updatedAt: payload.updatedAt,
      version: (local?.version ?? 0) + 1,
      unrecorded: true as const,
      ...(payload.conflictOf === undefined ? {} : { conflictOf: payload.conflictOf })
    };
    let record: SegmentRecord;
    if (payload.kind === 'static') {
      record = { ...base, members: [...payload.members].sort() };
    } else {
      const ast = parse(payload.rule);
      // A rule this version of the app cannot read is kept without one (it shows as needing fixing).
      record = ast.ok ? { ...base, rule: stripSpans(ast.value) } : base;
    }
    await this.db.segments.put(record);
    return true;
  }

  /**
   * Puts a conflict copy's version back in place of the version that won (the copy is deleted). When
   * the winner is gone (deleted), the copy simply becomes a segment of its own.
   */
  async restoreConflictCopy(copyId: string, now: number): Promise<SegmentRecord | undefined> {
    const db = this.db;
    return db.transaction('rw', [db.segments, db.outbox], async () => {
      const copy = await db.segments.get(copyId);
      if (!copy || copy.deletedAt !== undefined || copy.conflictOf === undefined) return undefined;
      const original = await db.segments.get(copy.conflictOf);
      const live = original && original.deletedAt === undefined ? original : undefined;
      // The copy's own name, without the "(conflict from …)" the server added, unless another
      // segment is called that now.
      const active = await db.segments.filter((s) => s.deletedAt === undefined).toArray();
      const plain = copy.name.replace(/\s*\(conflict from [^)]*\)\s*$/, '').trim();
      const free =
        plain !== '' &&
        !active.some(
          (s) =>
            s.id !== copy.id && s.id !== live?.id && s.name.toLowerCase() === plain.toLowerCase()
        );
      if (live) {
        const restored: SegmentRecord = {
          ...live,
          name: free ? plain : live.name,
          kind: copy.kind,
          rule: copy.rule,
          members: copy.members,
          updatedAt: now,
          version: live.version + 1
        };
        const gone: SegmentRecord = {
          ...copy,
          deletedAt: now,
          updatedAt: now,
          version: copy.version + 1
        };
        await db.segments.bulkPut([restored, gone]);
        await enqueueSegment(db, restored, 'put', now);
        await enqueueSegment(db, gone, 'delete', now);
        return restored;
      }
      const { conflictOf: _of, ...rest } = copy;
      const kept: SegmentRecord = {
        ...rest,
        name: free ? plain : copy.name,
        updatedAt: now,
        version: copy.version + 1
      };
      await db.segments.put(kept);
      await enqueueSegment(db, kept, 'put', now);
      return kept;
    });
  }

  /** Drops a conflict copy (a delete, synced like any other). */
  async discardConflictCopy(copyId: string, now: number): Promise<boolean> {
    const db = this.db;
    return db.transaction('rw', [db.segments, db.outbox], async () => {
      const copy = await db.segments.get(copyId);
      if (!copy || copy.deletedAt !== undefined || copy.conflictOf === undefined) return false;
      const gone: SegmentRecord = {
        ...copy,
        deletedAt: now,
        updatedAt: now,
        version: copy.version + 1
      };
      await db.segments.put(gone);
      await enqueueSegment(db, gone, 'delete', now);
      return true;
    });
  }
}
