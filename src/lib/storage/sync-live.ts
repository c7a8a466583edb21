// Read-only observation of sync for the UI (liveQuery): the status, the workspace and device, what waits
// in the outbox, what the server refused and why, conflict copies, and each record's sync state. All of
// it is small (the outbox holds only unacknowledged changes).
import { liveQuery } from 'dexie';
import { openDb, type SegmentsDb } from './db';
import {
  META_KEYS,
  type DeviceIdentity,
  type SyncStatusRecord,
  type WorkspaceLink
} from './sync-repo';

let db: SegmentsDb | undefined;
const database = (): SegmentsDb => (db ??= openDb());

export interface SyncProblem {
  readonly seq: number;
  readonly recordId: string;
  readonly recordType: 'segment' | 'export';
  /** The segment's or export file's name. */
  readonly label: string;
  readonly op: 'put' | 'delete' | 'upload';
  readonly error: string;
  /** rejected: refused by the server (not retried); pending: still retried after failures. */
  readonly status: 'pending' | 'rejected';
  readonly attempts: number;
}

export interface ConflictCopy {
  readonly id: string;
  readonly name: string;
  readonly conflictOf: string;
  /** The name of the segment whose version won (null when it is deleted). */
  readonly originalName: string | null;
  readonly updatedAt: number;
}

export interface SyncOverview {
  readonly status: SyncStatusRecord;
  readonly workspace: Pick<WorkspaceLink, 'workspaceId' | 'name'> | null;
  readonly device: DeviceIdentity | null;
  /** Changes waiting for the server. */
  readonly pending: number;
  /** Refused changes, and waiting ones whose last try failed. */
  readonly problems: readonly SyncProblem[];
  readonly conflicts: readonly ConflictCopy[];
}

export type RecordSyncState = 'synced' | 'pending' | 'failed' | 'local';

async function overview(): Promise<SyncOverview> {
  const d = database();
  const [status, workspace, device, outbox, segments] = await Promise.all([
    d.meta.get(META_KEYS.status),
    d.meta.get(META_KEYS.workspace),
    d.meta.get(META_KEYS.device),
    d.outbox.orderBy('seq').toArray(),
    d.segments.toArray()
  ]);
  const byId = new Map(segments.map((s) => [s.id, s]));
  const problemEntries = outbox.filter((e) => e.status === 'rejected' || e.error !== undefined);
  const exportNames = new Map(
    (
      await d.exports.bulkGet(
        problemEntries.filter((e) => e.recordType === 'export').map((e) => e.recordId)
      )
    ).flatMap((e) => (e ? [[e.id, e.fileName] as const] : []))
  );
  const link = workspace?.value as WorkspaceLink | undefined;
  return {
    status: (status?.value as SyncStatusRecord | undefined) ?? { state: 'idle' },
    workspace: link ? { workspaceId: link.workspaceId, name: link.name } : null,
    device: (device?.value as DeviceIdentity | undefined) ?? null,
    pending: outbox.filter((e) => e.status === 'pending').length,
    problems: problemEntries.map((e) => ({
      seq: e.seq as number,
      recordId: e.recordId,
      recordType: e.recordType,
      label:
        e.recordType === 'export'
          ? (exportNames.get(e.recordId) ?? 'An export')
          : (e.segment?.name ?? byId.get(e.recordId)?.name ?? 'A segment'),
      op: e.op,
      error: e.error ?? '',
      status: e.status,
      attempts: e.attempts
    })),
    conflicts: segments
      .filter((s) => s.conflictOf !== undefined && s.deletedAt === undefined)
      .map((s) => {
        const original = byId.get(s.conflictOf as string);
        return {
          id: s.id,
          name: s.name,
          conflictOf: s.conflictOf as string,
          originalName: original && original.deletedAt === undefined ? original.name : null,
          updatedAt: s.updatedAt
        };
      })
  };
}

export function observeSyncOverview(
  onChange: (overview: SyncOverview) => void,
  onError: (error: unknown) => void
): () => void {
  const subscription = liveQuery(overview).subscribe({ next: onChange, error: onError });
  return () => subscription.unsubscribe();
}

/** Each segment's and export's sync state, by id. */
export function observeRecordSync(
  onChange: (states: ReadonlyMap<string, RecordSyncState>) => void,
  onError: (error: unknown) => void
): () => void {
  const subscription = liveQuery(async () => {
    const d = database();
    const [outbox, known] = await Promise.all([d.outbox.toArray(), d.syncRecords.toArray()]);
    const states = new Map<string, RecordSyncState>();
    for (const r of known) states.set(r.id, 'synced');
    for (const e of outbox) {
      if (e.status === 'rejected') states.set(e.recordId, 'failed');
      else if (states.get(e.recordId) !== 'failed') states.set(e.recordId, 'pending');
    }
    return states;
  }).subscribe({ next: onChange, error: onError });
  return () => subscription.unsubscribe();
}
