// The outbox's write side: turns a local change of a synced record into its outbox entry, to be written
// inside the transaction of the change itself (segments-repo calls these there), so that no change can
// be made without being queued for the server.
import { print } from '$lib/engine/printer';
import type {
  ExportRecord,
  OutboxEntry,
  SegmentPayloadRecord,
  SegmentRecord,
  SegmentsDb
} from './db';

/** The tables a transaction must include for the enqueue functions. */
export const outboxTables = (db: SegmentsDb) => [db.outbox] as const;

/** A segment as it travels: dynamic rules as canonical query text, static segments with their members. */
export function segmentPayload(s: SegmentRecord): SegmentPayloadRecord {
  const conflictOf = s.conflictOf === undefined ? {} : { conflictOf: s.conflictOf };
  if (s.kind === 'static') {
    return {
      id: s.id,
      kind: 'static',
      name: s.name,
      members: [...(s.members ?? [])],
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      ...conflictOf
    };
  }
  return {
    id: s.id,
    kind: 'dynamic',
    name: s.name,
    rule: s.rule ? print(s.rule) : '',
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...conflictOf
  };
}

export function outboxEntry(
  recordType: OutboxEntry['recordType'],
  recordId: string,
  op: OutboxEntry['op'],
  at: number,
  segment?: SegmentPayloadRecord
): OutboxEntry {
  return {
    mutationId: crypto.randomUUID(),
    recordType,
    recordId,
    op,
    ...(segment ? { segment } : {}),
    at,
    status: 'pending',
    attempts: 0
  };
}

/**
 * Queues a segment's change (inside a transaction that includes `outboxTables`). The base version it is
 * sent with is read at push time (see sync-repo): while a change waits, pulls leave the record alone.
 */
export async function enqueueSegment(
  db: SegmentsDb,
  record: SegmentRecord,
  op: 'put' | 'delete',
  at: number
): Promise<void> {
  await db.outbox.add(
    outboxEntry('segment', record.id, op, at, op === 'put' ? segmentPayload(record) : undefined)
  );
}

/** Queues an export's upload (inside a transaction that includes `outboxTables`). */
export async function enqueueExport(db: SegmentsDb, record: ExportRecord): Promise<void> {
  await db.outbox.add(outboxEntry('export', record.id, 'upload', record.at));
}
