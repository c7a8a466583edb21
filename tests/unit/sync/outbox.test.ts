// The outbox over fake-indexeddb: every segment and export change is queued in the same transaction as
// the change (a failed write leaves neither), entries keep the order of the changes, batches hold one
// change per record, and the backoff between failed tries grows, is capped and jittered.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { freshDb } from '../../builders/data-service';
import { SegmentsRepo } from '$lib/storage/segments-repo';
import { SyncRepo } from '$lib/storage/sync-repo';
import { openDb, type SegmentRecord } from '$lib/storage/db';
import { parse } from '$lib/engine/parser';
import { stripSpans } from '$lib/engine/model';
import { backoffBound, backoffDelay, DEFAULT_BACKOFF } from '$lib/sync/backoff';
import Dexie from 'dexie';

const rule = (q: string) => {
  const ast = parse(q);
  if (!ast.ok) throw new Error(q);
  return stripSpans(ast.value);
};

const segment = (id: string, name: string, at: number): SegmentRecord => ({
  id,
  name,
  kind: 'dynamic',
  rule: rule('total_spent > 100'),
  createdAt: at,
  updatedAt: at,
  version: 1
});

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('outbox: one entry per change, in the same transaction', () => {
  it('queues create, update, delete, restore and export, in order, with the state after each', async () => {
    const db = freshDb();
    const repo = new SegmentsRepo(db);
    await repo.create(segment(ID(1), 'VIP', 10));
    await repo.update(ID(1), { name: 'VIP 2', rule: rule('vip = true') }, 20);
    await repo.remove(ID(1), 30);
    await repo.restore(ID(1), 40);
    await repo.addExport(
      {
        id: ID(9),
        segmentId: ID(1),
        segmentName: 'VIP 2',
        fileName: 'vip.csv',
        at: 50,
        rows: 0,
        columns: ['customer_id'],
        bytes: 13
      },
      'customer_id\r\n'
    );
    const entries = await db.outbox.orderBy('seq').toArray();
    expect(entries.map((e) => [e.recordId, e.op, e.at])).toEqual([
      [ID(1), 'put', 10],
      [ID(1), 'put', 20],
      [ID(1), 'delete', 30],
      [ID(1), 'put', 40],
      [ID(9), 'upload', 50]
    ]);
    expect(entries[1].segment).toMatchObject({
      name: 'VIP 2',
      rule: 'vip = true',
      kind: 'dynamic'
    });
    expect(new Set(entries.map((e) => e.mutationId)).size).toBe(5);
    expect(entries.every((e) => e.status === 'pending')).toBe(true);
  });

  it('a change whose outbox write fails is not made, and a failed change queues nothing', async () => {
    const db = freshDb();
    const repo = new SegmentsRepo(db);
    await repo.create(segment(ID(1), 'VIP', 10));
    const failing = () => {
      throw new Error('disk full');
    };
    db.outbox.hook('creating', failing);
    await expect(repo.create(segment(ID(2), 'Other', 20))).rejects.toThrow('disk full');
    await expect(repo.update(ID(1), { name: 'Renamed' }, 30)).rejects.toThrow('disk full');
    await expect(repo.remove(ID(1), 40)).rejects.toThrow('disk full');
    db.outbox.hook('creating').unsubscribe(failing);
    expect(await db.segments.get(ID(2))).toBeUndefined();
    expect(await db.segments.get(ID(1))).toMatchObject({ name: 'VIP', version: 1 });
    expect(await db.outbox.count()).toBe(1);

    // The other way round: the segment write fails (its id is taken), so nothing is queued.
    await expect(repo.create(segment(ID(1), 'Again', 50))).rejects.toThrow();
    expect(await db.outbox.count()).toBe(1);
  });

  it('segments and exports made before sync existed are queued by the upgrade', async () => {
    const name = `upgrade-${Math.random().toString(36).slice(2)}`;
    const old = new Dexie(name);
    old.version(1).stores({ meta: 'key' });
    old.version(2).stores({
      segments: 'id, name, updatedAt, deletedAt',
      membershipChanges: '++id, segmentId, customerId, at, [segmentId+at]',
      exports: 'id, segmentId, at',
      exportFiles: 'id'
    });
    await old
      .table('segments')
      .bulkAdd([segment(ID(1), 'Kept', 10), { ...segment(ID(2), 'Gone', 10), deletedAt: 20 }]);
    await old.table('exports').add({ id: ID(3), segmentId: ID(1), at: 5 });
    old.close();
    const db = openDb(name);
    const entries = await db.outbox.orderBy('seq').toArray();
    expect(entries.map((e) => [e.recordId, e.op])).toEqual([
      [ID(1), 'put'],
      [ID(3), 'upload']
    ]);
  });
});

type Op = { kind: 'create' | 'update' | 'remove' | 'restore'; record: number };

describe('outbox: order and batches', () => {
  it('keeps every change in order; batches send them in that order, one per record per batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('create', 'update', 'remove', 'restore'),
            record: fc.integer({ min: 1, max: 4 })
          }),
          { minLength: 1, maxLength: 25 }
        ),
        fc.integer({ min: 1, max: 5 }),
        async (ops: Op[], max) => {
          const db = freshDb();
          const repo = new SegmentsRepo(db);
          const sync = new SyncRepo(db);
          // The reference: which changes took place, in order.
          const made: string[] = [];
          let t = 1;
          for (const op of ops) {
            const id = ID(op.record);
            const at = t++;
            const done =
              op.kind === 'create'
                ? await repo.create(segment(id, `S${op.record}`, at)).catch(() => undefined)
                : op.kind === 'update'
                  ? await repo.update(id, { name: `S${op.record} at ${at}` }, at)
                  : op.kind === 'remove'
                    ? await repo.remove(id, at)
                    : await repo.restore(id, at);
            if (done) made.push(`${id}@${at}`);
          }
          const entries = await db.outbox.orderBy('seq').toArray();
          expect(entries.map((e) => `${e.recordId}@${e.at}`)).toEqual(made);

          // Draining the outbox batch by batch replays the changes in their order.
          const sent: string[] = [];
          for (let round = 0; round < 100; round++) {
            const batch = await sync.nextBatch(max);
            if (batch.length === 0) break;
            expect(batch.length).toBeLessThanOrEqual(max);
            const ids = batch.map((b) => b.entry.recordId);
            expect(new Set(ids).size).toBe(ids.length);
            for (const b of batch) sent.push(`${b.entry.recordId}@${b.entry.at}`);
            await sync.acknowledge(
              batch,
              batch.map((b, i) => ({
                mutationId: b.entry.mutationId,
                status: 'applied' as const,
                version: b.baseVersion + 1,
                seq: round * 10 + i
              })),
              0
            );
          }
          // Each batch is a prefix of what remains (it stops at a record's second change).
          expect(sent).toEqual(made);
          expect(await db.outbox.count()).toBe(0);
        }
      ),
      { numRuns: 40 }
    );
  });

  it('a chained change is sent with the version the server gave the change before it', async () => {
    const db = freshDb();
    const repo = new SegmentsRepo(db);
    const sync = new SyncRepo(db);
    await repo.create(segment(ID(1), 'VIP', 1));
    await repo.update(ID(1), { name: 'VIP 2' }, 2);
    const first = await sync.nextBatch(10);
    expect(first.map((b) => b.baseVersion)).toEqual([0]);
    await sync.acknowledge(
      first,
      [{ mutationId: first[0].entry.mutationId, status: 'applied', version: 7, seq: 1 }],
      3
    );
    const second = await sync.nextBatch(10);
    expect(second.map((b) => [b.entry.at, b.baseVersion])).toEqual([[2, 7]]);
  });

  it('a rejected change stays, marked with the reason, and is not sent again until retried', async () => {
    const db = freshDb();
    const repo = new SegmentsRepo(db);
    const sync = new SyncRepo(db);
    await repo.create(segment(ID(1), 'Bad', 1));
    await repo.create(segment(ID(2), 'Good', 2));
    const batch = await sync.nextBatch(10);
    const result = await sync.acknowledge(
      batch,
      [
        { mutationId: batch[0].entry.mutationId, status: 'rejected', error: 'Name refused.' },
        { mutationId: batch[1].entry.mutationId, status: 'applied', version: 1, seq: 1 }
      ],
      3
    );
    expect(result).toMatchObject({ acknowledged: 1, rejected: 1 });
    expect(await sync.nextBatch(10)).toEqual([]);
    expect(await sync.pendingCount()).toBe(0);
    const [kept] = await db.outbox.toArray();
    expect(kept).toMatchObject({ recordId: ID(1), status: 'rejected', error: 'Name refused.' });
    await sync.retry(kept.seq as number);
    expect((await sync.nextBatch(10)).map((b) => b.entry.recordId)).toEqual([ID(1)]);
    await sync.reject(kept.seq as number, 'Still refused.');
    await sync.dismiss(kept.seq as number);
    expect(await db.outbox.count()).toBe(0);
    // The segment itself stays on this device.
    expect(await db.segments.get(ID(1))).toBeDefined();
  });
});

describe('backoff', () => {
  it('grows exponentially to a cap; every delay lies between the floor and the bound', () => {
    expect([1, 2, 3, 4].map((n) => backoffBound(n))).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffBound(50)).toBe(DEFAULT_BACKOFF.maxMs);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, r) => {
          const delay = backoffDelay(failures, () => r);
          expect(delay).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.minMs);
          expect(delay).toBeLessThanOrEqual(backoffBound(failures));
        }
      )
    );
  });

  it('is jittered (different draws, different delays) and honours Retry-After as a floor', () => {
    expect(backoffDelay(5, () => 0.1)).not.toBe(backoffDelay(5, () => 0.9));
    expect(backoffDelay(1, () => 0, DEFAULT_BACKOFF, 30_000)).toBe(30_000);
  });
});
