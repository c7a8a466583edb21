// Push and pull through the real route handlers and database: idempotency, change order, pages,
// conflict copies, tombstones, rule validation, and workspace isolation.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as pushRoute } from '../../../src/routes/api/sync/push/+server';
import { GET as pullRoute } from '../../../src/routes/api/sync/pull/+server';
import { POST as createRoute } from '../../../src/routes/api/workspaces/+server';
import { GET as sessionRoute } from '../../../src/routes/api/session/+server';
import type {
  Change,
  CreateWorkspaceResponse,
  Mutation,
  MutationResult,
  PullResponse,
  SegmentPayload
} from '$lib/sync/protocol';
import { BACKEND, call, START_TIMEOUT, startTestServer, TEST_TIMEOUT } from './harness';
import { del, dynamicSegment, put, T0 } from './builders';

let stop: () => Promise<void>;
beforeAll(async () => {
  stop = (await startTestServer()).stop;
}, START_TIMEOUT);
afterAll(() => stop(), START_TIMEOUT);

async function workspace(): Promise<string> {
  const res = await call(createRoute, { json: { name: `ws ${randomUUID()}` } });
  expect(res.status).toBe(201);
  return (res.json as CreateWorkspaceResponse).token;
}

const deviceA = { deviceId: randomUUID(), deviceName: 'Device A' };
const deviceB = { deviceId: randomUUID(), deviceName: 'Device B' };

async function push(
  token: string,
  device: { deviceId: string; deviceName: string },
  ...mutations: Mutation[]
): Promise<MutationResult[]> {
  const res = await call(pushRoute, { token, json: { ...device, mutations } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return (res.json as { results: MutationResult[] }).results;
}

async function pullAll(token: string, after = 0, limit = 500): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor = after;
  for (;;) {
    const res = await call(pullRoute, {
      token,
      path: `/api/sync/pull?after=${cursor}&limit=${limit}`
    });
    expect(res.status).toBe(200);
    const page = res.json as PullResponse;
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.more) return changes;
  }
}

const segmentOf = (change: Change | undefined) =>
  change?.recordType === 'segment' ? change.segment : undefined;

const segmentsOf = (changes: Change[]) =>
  changes.flatMap((c) => (c.recordType === 'segment' && c.segment ? [c.segment] : []));

describe(`sync push and pull (${BACKEND})`, { timeout: TEST_TIMEOUT }, () => {
  it('applies a put once, acknowledges a retried mutation id as a duplicate, and pulls it', async () => {
    const token = await workspace();
    const vip = dynamicSegment();
    const m = put(vip, 0);
    const [first] = await push(token, deviceA, m);
    expect(first).toMatchObject({ mutationId: m.mutationId, status: 'applied', version: 1 });
    const [again] = await push(token, deviceA, m);
    expect(again).toMatchObject({ status: 'duplicate', version: 1, seq: first.seq });
    // The same id twice in one batch is applied once too.
    const twice = put({ ...vip, name: 'VIP 2' }, 1);
    const pair = await push(token, deviceA, twice, twice);
    expect(pair.map((r) => [r.status, r.version])).toEqual([
      ['applied', 2],
      ['duplicate', 2]
    ]);
    const changes = await pullAll(token);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      seq: pair[0].seq,
      recordId: vip.id,
      version: 2,
      deleted: false,
      deviceId: deviceA.deviceId,
      segment: { ...vip, name: 'VIP 2' }
    });
  });

  it('numbers changes per workspace in order and pages through them', async () => {
    const token = await workspace();
    const segments = Array.from({ length: 23 }, (_, i) => dynamicSegment({ name: `S${i}` }));
    const results = await push(token, deviceA, ...segments.map((s) => put(s, 0)));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    const changes = await pullAll(token, 0, 5);
    expect(changes.map((c) => c.seq)).toEqual(results.map((r) => r.seq));
    expect(segmentsOf(changes).map((s) => s.name)).toEqual(segments.map((s) => s.name));
    const tail = await pullAll(token, 20, 5);
    expect(tail.map((c) => c.seq)).toEqual([21, 22, 23]);
    const none = await call(pullRoute, { token, path: '/api/sync/pull?after=23' });
    expect(none.json).toEqual({ changes: [], cursor: 23, more: false });
  });

  it('numbers concurrent pushes without gaps, and a pull running alongside misses none', async () => {
    const token = await workspace();
    const devices = Array.from({ length: 6 }, (_, i) => ({
      deviceId: randomUUID(),
      deviceName: `D${i}`
    }));
    let pushing = true;
    const seen = new Set<string>();
    const puller = (async () => {
      let cursor = 0;
      while (pushing) {
        const res = await call(pullRoute, {
          token,
          path: `/api/sync/pull?after=${cursor}&limit=3`
        });
        const page = res.json as PullResponse;
        page.changes.forEach((c) => seen.add(c.recordId));
        cursor = page.cursor;
      }
      return cursor;
    })();
    const results = await Promise.all(
      devices.map(async (d) => {
        const out: MutationResult[] = [];
        for (let i = 0; i < 4; i++)
          out.push(...(await push(token, d, put(dynamicSegment(), 0), put(dynamicSegment(), 0))));
        return out;
      })
    );
    pushing = false;
    const cursor = await puller;
    (await pullAll(token, cursor)).forEach((c) => seen.add(c.recordId));
    const seqs = results
      .flat()
      .map((r) => r.seq!)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    expect(seen.size).toBe(48);
  });

  it('keeps the replaced version as a conflict copy when two devices edit apart', async () => {
    const token = await workspace();
    const vip = dynamicSegment();
    await push(token, deviceA, put(vip, 0));
    const atA = Date.UTC(2026, 10, 28, 14, 2);
    const atB = Date.UTC(2026, 10, 28, 14, 5);
    const fromA = { ...vip, rule: 'total_spent > 20000', updatedAt: atA };
    const fromB = { ...vip, name: 'VIP customers', rule: 'total_spent > 5000', updatedAt: atB };
    const [a] = await push(token, deviceA, put(fromA, 1, atA));
    expect(a).toMatchObject({ status: 'applied', version: 2 });
    const [b] = await push(token, deviceB, put(fromB, 1, atB));
    expect(b.status).toBe('conflict');
    expect(b.version).toBe(3);
    expect(b.conflictCopyId).toBeDefined();

    const changes = await pullAll(token);
    const latest = new Map(changes.map((c) => [c.recordId, c]));
    expect(latest.get(vip.id)).toMatchObject({ version: 3, segment: fromB });
    const copy = latest.get(b.conflictCopyId!);
    expect(segmentOf(copy)).toMatchObject({
      id: b.conflictCopyId,
      name: 'VIP (conflict from Device A, 14:02)',
      rule: 'total_spent > 20000',
      conflictOf: vip.id
    });
  });

  it("does not make copies of a device's own queued edits", async () => {
    const token = await workspace();
    const s = dynamicSegment();
    const results = await push(
      token,
      deviceA,
      put(s, 0),
      put({ ...s, name: 'Renamed' }, 0),
      put({ ...s, rule: 'total_spent > 1' }, 0)
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect(results.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(segmentsOf(await pullAll(token))).toHaveLength(1);
  });

  it('lets a delete win over an older edit, which survives as a copy', async () => {
    const token = await workspace();
    const s = dynamicSegment({ name: 'Churn risk' });
    await push(token, deviceA, put(s, 0));
    const [deleted] = await push(token, deviceA, del(s.id, 1));
    expect(deleted).toMatchObject({ status: 'applied', version: 2 });
    const late = Date.UTC(2026, 10, 28, 9, 30);
    const [edit] = await push(token, deviceB, put({ ...s, rule: 'total_spent < 10' }, 1, late));
    expect(edit).toMatchObject({ status: 'conflict', version: 2 });

    const latest = new Map((await pullAll(token)).map((c) => [c.recordId, c]));
    expect(latest.get(s.id)).toMatchObject({ deleted: true, version: 2 });
    expect(latest.get(s.id)).not.toHaveProperty('segment');
    expect(segmentOf(latest.get(edit.conflictCopyId!))).toMatchObject({
      name: 'Churn risk (conflict from Device B, 09:30)',
      rule: 'total_spent < 10',
      conflictOf: s.id
    });
  });

  it('keeps an edit the deleting device never saw as a copy', async () => {
    const token = await workspace();
    const s = dynamicSegment();
    await push(token, deviceA, put(s, 0));
    await push(token, deviceB, put({ ...s, rule: 'total_spent > 3' }, 1));
    const [d] = await push(token, deviceA, del(s.id, 1));
    expect(d).toMatchObject({ status: 'conflict', version: 3 });
    const latest = new Map((await pullAll(token)).map((c) => [c.recordId, c]));
    expect(latest.get(s.id)?.deleted).toBe(true);
    expect(segmentOf(latest.get(d.conflictCopyId!))).toMatchObject({
      rule: 'total_spent > 3',
      conflictOf: s.id
    });
  });

  it('re-parses dynamic rules with the engine and rejects invalid ones (every time)', async () => {
    const token = await workspace();
    const good = dynamicSegment();
    const bad = put(dynamicSegment({ rule: 'total_spent >' }), 0);
    const mismatched = put(good, 0);
    const wrongId = { ...mismatched, recordId: randomUUID() };
    const results = await push(token, deviceA, put(good, 0), bad, wrongId);
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected', 'rejected']);
    expect(results[1].error).toMatch(/rule is not valid/);
    expect(results[2].error).toMatch(/does not match/);
    const [retried] = await push(token, deviceA, bad);
    expect(retried).toMatchObject({ status: 'rejected', error: results[1].error });
    expect(segmentsOf(await pullAll(token)).map((s) => s.id)).toEqual([good.id]);
  });

  it('stores static segments with their members', async () => {
    const token = await workspace();
    const s: SegmentPayload = {
      id: randomUUID(),
      kind: 'static',
      name: 'Hand-picked',
      members: ['C1', 'C2', 'C3'],
      createdAt: T0,
      updatedAt: T0
    };
    await push(token, deviceA, put(s, 0));
    expect(segmentsOf(await pullAll(token))).toEqual([s]);
  });

  it("never shows or changes another workspace's records", async () => {
    const tokenA = await workspace();
    const tokenB = await workspace();
    const s = dynamicSegment();
    await push(tokenA, deviceA, put(s, 0));
    // B writes the same record id: it becomes B's own record, A's is untouched.
    const [b] = await push(tokenB, deviceB, put({ ...s, name: 'Hijack' }, 1), del(s.id, 1));
    expect(b.status).toBe('applied');
    expect(segmentsOf(await pullAll(tokenA))).toEqual([s]);
    const seenByB = await pullAll(tokenB);
    expect(
      seenByB.every((c) => c.recordType === 'segment' && c.deviceId === deviceB.deviceId)
    ).toBe(true);
    const session = await call(sessionRoute, { token: tokenB });
    expect(session.status).toBe(200);
  });
});
