// The IndexedDB schema (Dexie): typed tables and versioned migrations. The only file that declares tables.
// Volume data (customers, events) is stored as append-only chunks of columns written by imports; the
// worker rebuilds its in-memory columnar store from them. Small entities are one record each.
import Dexie, { type EntityTable } from 'dexie';
import type { FieldDef, ValueType } from '$lib/engine/schema';
import type { SegmentAst } from '$lib/engine/model';
import { outboxEntry, segmentPayload } from './outbox';

export type ImportKind = 'customers' | 'events' | 'orders';
export type ImportStatus = 'running' | 'committed' | 'failed' | 'cancelled' | 'interrupted';

export interface ImportCounts {
  /** Data rows read from the file (blank lines excluded). */
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly rejected: number;
  /** Events skipped because the same event is already stored (or appears twice in the file). */
  readonly duplicates: number;
  /** Customers created because events referred to them before they were imported. */
  readonly createdCustomers: number;
  readonly events: number;
}

export interface RejectedRowRecord {
  readonly row: number;
  readonly column: string;
  readonly value: string;
  readonly reason: string;
}

export interface ImportRecord {
  readonly id: string;
  readonly fileName: string;
  readonly fileSize: number;
  readonly kind: ImportKind;
  readonly startedAt: number;
  finishedAt?: number;
  status: ImportStatus;
  /** Commit order: chunks are replayed import by import in this order. Set when committed. */
  seq?: number;
  counts: ImportCounts;
  /** The first rejected rows (capped so one bad file cannot fill the disk); counts.rejected has the total. */
  rejectedRows: RejectedRowRecord[];
  /** Why it failed, for failed/interrupted imports. */
  error?: string;
  /**
   * Where the time went (committed imports): reading (parse, map, dedupe, encode, overlapped with
   * writing), waiting for the last writes, the commit, and applying to the in-memory store.
   */
  durations?: {
    readMs: number;
    writeWaitMs: number;
    commitMs: number;
    applyMs: number;
    /** Of readMs: busy time of the parsing thread, of the engine staging chunks; chunk writes' wall time. */
    readerBusyMs?: number;
    stagingMs?: number;
    writesMs?: number;
  };
}

/**
 * A column stored compactly: numbers and dates as Float64Array (NaN = missing), booleans as Int8Array
 * (-1 = missing), strings dictionary-encoded (codes into `dict`, -1 = missing): reading a chunk back
 * then deserialises each distinct string once instead of once per row.
 */
export type StoredColumn =
  | { readonly def: FieldDef; readonly kind: 'number'; readonly data: Float64Array }
  | { readonly def: FieldDef; readonly kind: 'boolean'; readonly data: Int8Array }
  | {
      readonly def: FieldDef;
      readonly kind: 'string';
      readonly dict: string[];
      readonly codes: Int32Array;
    };

/** Strings dictionary-encoded: `dict[codes[i]]`. */
export interface StoredStrings {
  readonly dict: string[];
  readonly codes: Int32Array;
}

export interface CustomerChunk {
  id?: number;
  readonly importId: string;
  readonly seq: number;
  readonly ids: string[];
  readonly columns: StoredColumn[];
}

export interface EventChunk {
  id?: number;
  readonly importId: string;
  readonly seq: number;
  readonly customerIds: StoredStrings;
  readonly names: StoredStrings;
  readonly timestamps: Float64Array;
  /** Dedupe keys (see src/lib/csv), persisted so a restart does not recompute them. */
  readonly fingerprints: Float64Array;
  readonly properties: StoredColumn[];
}

export interface AttributeRecord {
  readonly key: string;
  readonly label: string;
  readonly type: ValueType;
  readonly present: number;
}

export interface EventTypeRecord {
  readonly name: string;
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly properties: readonly FieldDef[];
}

export interface MetaRecord {
  readonly key: string;
  readonly value: unknown;
}

export type SegmentKind = 'static' | 'dynamic';

/**
 * A segment: a rule (dynamic) or a fixed list of customer ids (static). Synced later, so it has a uuid,
 * `updatedAt`, `version`, and deletes are tombstones (`deletedAt`), which also makes undo a restore.
 */
export interface SegmentRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: SegmentKind;
  /** Dynamic segments: the rule, without text positions. */
  readonly rule?: SegmentAst;
  /** Static segments: member customer ids, sorted. */
  readonly members?: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
  readonly deletedAt?: number;
  /** Set on a conflict copy (sync): the id of the segment whose other version won. */
  readonly conflictOf?: string;
  /**
   * Set on a version pulled from another device: the membership it makes is not in this device's
   * entered/left log yet (the leading tab's worker records the difference, then clears this).
   */
  readonly unrecorded?: true;
}

/** One customer entering or leaving a segment, stamped with the instant it happened. */
export interface MembershipChangeRecord {
  id?: number;
  readonly segmentId: string;
  readonly customerId: string;
  readonly kind: 'enter' | 'leave';
  readonly at: number;
}

/** A past export of a segment's members (metadata; the file itself is in `exportFiles`). */
export interface ExportRecord {
  readonly id: string;
  readonly segmentId: string;
  readonly segmentName: string;
  readonly fileName: string;
  readonly at: number;
  readonly rows: number;
  readonly columns: readonly string[];
  readonly bytes: number;
  /** Made on another device of the workspace (sync): the file is fetched from the server when needed. */
  readonly remote?: boolean;
}

/** The CSV text of an export, kept apart so that observing the exports list stays cheap. */
export interface ExportFileRecord {
  readonly id: string;
  readonly csv: string;
}

/**
 * One local change waiting for the server (sync), in the order made (`seq`). Written in the same
 * transaction as the change itself; deleted once the server acknowledges it. `rejected` entries stay
 * (shown to the user with the server's reason) until dismissed or retried.
 */
export interface OutboxEntry {
  seq?: number;
  readonly mutationId: string;
  readonly recordType: 'segment' | 'export';
  readonly recordId: string;
  /** `upload`: send the export's file (resumable, in chunks). */
  readonly op: 'put' | 'delete' | 'upload';
  /** put: the segment as it was right after the change (see src/lib/sync/protocol.ts). */
  readonly segment?: SegmentPayloadRecord;
  readonly at: number;
  status: 'pending' | 'rejected';
  attempts: number;
  /** The last failure: the server's reason (rejected) or why the last try did not get through. */
  error?: string;
}

/** A segment as the sync protocol carries it (kept structurally here so storage need not import valibot). */
export type SegmentPayloadRecord =
  | {
      readonly id: string;
      readonly kind: 'dynamic';
      readonly name: string;
      readonly rule: string;
      readonly createdAt: number;
      readonly updatedAt: number;
      readonly conflictOf?: string;
    }
  | {
      readonly id: string;
      readonly kind: 'static';
      readonly name: string;
      readonly members: string[];
      readonly createdAt: number;
      readonly updatedAt: number;
      readonly conflictOf?: string;
    };

/** What this device knows of a synced record on the server. */
export interface SyncRecord {
  readonly id: string;
  readonly recordType: 'segment' | 'export';
  /** The server version whose content this device has (pulled, or its own change applied); 0: none. */
  serverVersion: number;
  /**
   * The version the server gave this device's last change when it could not confirm that this content
   * is the record's (a conflict, a duplicate): the next change builds on it, while pulls still bring the
   * record's true state (their versions are above `serverVersion`).
   */
  pushedVersion?: number;
  /** When the server last confirmed this record. */
  syncedAt?: number;
  /** A delete from another device that arrived while a local change was still waiting (see sync-repo). */
  remoteDeleted?: boolean;
}

export type SegmentsDb = Dexie & {
  meta: EntityTable<MetaRecord, 'key'>;
  imports: EntityTable<ImportRecord, 'id'>;
  customerChunks: EntityTable<CustomerChunk, 'id'>;
  eventChunks: EntityTable<EventChunk, 'id'>;
  attributes: EntityTable<AttributeRecord, 'key'>;
  eventTypes: EntityTable<EventTypeRecord, 'name'>;
  segments: EntityTable<SegmentRecord, 'id'>;
  membershipChanges: EntityTable<MembershipChangeRecord, 'id'>;
  exports: EntityTable<ExportRecord, 'id'>;
  exportFiles: EntityTable<ExportFileRecord, 'id'>;
  outbox: EntityTable<OutboxEntry, 'seq'>;
  syncRecords: EntityTable<SyncRecord, 'id'>;
};

export const DB_NAME = 'segments';

export function openDb(name = DB_NAME): SegmentsDb {
  const db = new Dexie(name) as SegmentsDb;
  db.version(1).stores({
    meta: 'key',
    imports: 'id, startedAt, status, seq',
    customerChunks: '++id, importId',
    eventChunks: '++id, importId',
    attributes: 'key',
    eventTypes: 'name'
  });
  // Segments, their membership history and exports. No upgrade function: the new tables start empty.
  db.version(2).stores({
    segments: 'id, name, updatedAt, deletedAt',
    membershipChanges: '++id, segmentId, customerId, at, [segmentId+at]',
    exports: 'id, segmentId, at',
    exportFiles: 'id'
  });
  // Sync: the outbox of local changes and what the server has of each record. Segments and exports made
  // before sync existed are queued here, so they reach the server too.
  db.version(3)
    .stores({ outbox: '++seq, recordId, status', syncRecords: 'id' })
    .upgrade(async (tx) => {
      const now = Date.now();
      const segments = (await tx.table('segments').toArray()) as SegmentRecord[];
      const exports = (await tx.table('exports').toArray()) as ExportRecord[];
      const entries: OutboxEntry[] = [
        ...segments
          .filter((s) => s.deletedAt === undefined)
          .map((s) => outboxEntry('segment', s.id, 'put', now, segmentPayload(s))),
        ...exports.map((e) => outboxEntry('export', e.id, 'upload', now))
      ];
      if (entries.length > 0) await tx.table('outbox').bulkAdd(entries);
    });
  return db;
}
