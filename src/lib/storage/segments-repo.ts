// Persistence of segments (tombstoned deletes, versioned updates), their membership history (enter/leave
// records with instants) and exports (metadata plus the CSV text, stored apart).
// Every write of a synced record queues its outbox entry in the same transaction (./outbox).
import type { ExportRecord, MembershipChangeRecord, SegmentRecord, SegmentsDb } from './db';
import { enqueueExport, enqueueSegment, outboxTables } from './outbox';

/** Meta key of the instant up to which membership changes have been recorded on this device. */
const CLOCK_KEY = 'segmentsClock';

export class SegmentsRepo {
  constructor(private readonly db: SegmentsDb) {}

  /** Segments not deleted, oldest first (then by id, for a stable order). */
  async active(): Promise<SegmentRecord[]> {
    const all = await this.db.segments.toArray();
    return all
      .filter((s) => s.deletedAt === undefined)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): Promise<SegmentRecord | undefined> {
    return this.db.segments.get(id);
  }

  async create(record: SegmentRecord): Promise<SegmentRecord> {
    return this.db.transaction('rw', [this.db.segments, ...outboxTables(this.db)], async () => {
      await this.db.segments.add(record);
      await enqueueSegment(this.db, record, 'put', record.updatedAt);
      return record;
    });
  }

  /** Applies a change and bumps `version` and `updatedAt`; undefined when the segment is unknown. */
  async update(
    id: string,
    change: Partial<Pick<SegmentRecord, 'name' | 'rule' | 'members'>>,
    now: number
  ): Promise<SegmentRecord | undefined> {
    return this.db.transaction('rw', [this.db.segments, ...outboxTables(this.db)], async () => {
      const current = await this.db.segments.get(id);
      if (!current) return undefined;
      const next: SegmentRecord = {
        ...current,
        ...change,
        updatedAt: now,
        version: current.version + 1
      };
      await this.db.segments.put(next);
      await enqueueSegment(this.db, next, next.deletedAt === undefined ? 'put' : 'delete', now);
      return next;
    });
  }

  /** Marks deleted (a tombstone, so undo and sync can see it); returns the tombstoned record. */
  async remove(id: string, now: number): Promise<SegmentRecord | undefined> {
    return this.db.transaction('rw', [this.db.segments, ...outboxTables(this.db)], async () => {
      const current = await this.db.segments.get(id);
      if (!current || current.deletedAt !== undefined) return undefined;
      const next: SegmentRecord = {
        ...current,
        deletedAt: now,
        updatedAt: now,
        version: current.version + 1
      };
      await this.db.segments.put(next);
      await enqueueSegment(this.db, next, 'delete', now);
      return next;
    });
  }

  /** Undoes a delete. */
  async restore(id: string, now: number): Promise<SegmentRecord | undefined> {
    return this.db.transaction('rw', [this.db.segments, ...outboxTables(this.db)], async () => {
      const current = await this.db.segments.get(id);
      if (!current || current.deletedAt === undefined) return undefined;
      const { deletedAt: _deleted, ...rest } = current;
      const next: SegmentRecord = { ...rest, updatedAt: now, version: current.version + 1 };
      await this.db.segments.put(next);
      await enqueueSegment(this.db, next, 'put', now);
      return next;
    });
  }

  async addChanges(changes: readonly MembershipChangeRecord[]): Promise<void> {
    if (changes.length > 0) await this.db.membershipChanges.bulkAdd([...changes]);
  }

  /** The lowest and highest record ids of the membership history (undefined when it is empty). */
  async changeIdRange(): Promise<{ first: number; last: number } | undefined> {
    const keys = this.db.membershipChanges.orderBy(':id');
    const [first, last] = await Promise.all([keys.firstKey(), keys.lastKey()]);
    return typeof first === 'number' && typeof last === 'number' ? { first, last } : undefined;
  }

  /** Every membership change recorded after record id `afterId`, in id order. */
  changesAfter(afterId: number): Promise<MembershipChangeRecord[]> {
    return this.db.membershipChanges.where(':id').above(afterId).toArray();
  }

  /** The instant up to which membership changes have been recorded (undefined before the first). */
  async clock(): Promise<number | undefined> {
    const value = (await this.db.meta.get(CLOCK_KEY))?.value;
    return typeof value === 'number' ? value : undefined;
  }

  /** Moves the recording clock forward to `at` (never back: several tabs may write it). */
  async advanceClock(at: number): Promise<void> {
    await this.db.transaction('rw', this.db.meta, async () => {
      const current = (await this.db.meta.get(CLOCK_KEY))?.value;
      if (typeof current !== 'number' || current < at) {
        await this.db.meta.put({ key: CLOCK_KEY, value: at });
      }
    });
  }

  /** The membership of this version of the segment is in the log now (unless it changed meanwhile). */
  async markRecorded(id: string, version: number): Promise<void> {
    await this.db.segments
      .where('id')
      .equals(id)
      .modify((s: { version: number; unrecorded?: true }) => {
        if (s.version === version) delete s.unrecorded;
      });
  }

  /** One customer's membership changes in every segment, newest first. */
  async changesOfCustomer(customerId: string): Promise<MembershipChangeRecord[]> {
    const all = await this.db.membershipChanges.where('customerId').equals(customerId).toArray();
    return all.sort((a, b) => b.at - a.at || (b.id ?? 0) - (a.id ?? 0));
  }

  /** For each current member with a recorded entry: when they last entered. */
  async enteredAt(segmentId: string): Promise<Map<string, number>> {
    const entered = new Map<string, number>();
    await this.db.membershipChanges
      .where('[segmentId+at]')
      .between([segmentId, -Infinity], [segmentId, Infinity])
      .each((c) => {
        if (c.kind === 'enter') entered.set(c.customerId, c.at);
        else entered.delete(c.customerId);
      });
    return entered;
  }

  async addExport(record: ExportRecord, csv: string): Promise<void> {
    await this.db.transaction(
      'rw',
      [this.db.exports, this.db.exportFiles, ...outboxTables(this.db)],
      async () => {
        await this.db.exports.add(record);
        await this.db.exportFiles.add({ id: record.id, csv });
        await enqueueExport(this.db, record);
      }
    );
  }

  /** Past exports, newest first. */
  exports(): Promise<ExportRecord[]> {
    return this.db.exports.orderBy('at').reverse().toArray();
  }

  async exportFile(id: string): Promise<{ record: ExportRecord; csv: string } | undefined> {
    const [record, file] = await Promise.all([
      this.db.exports.get(id),
      this.db.exportFiles.get(id)
    ]);
    return record && file ? { record, csv: file.csv } : undefined;
  }
}
