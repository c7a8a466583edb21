// Push and pull through the real route handlers and database: idempotency, change order, pages,
// conflict copies (also for edits queued apart, against a reference model of what must be kept),
// tombstones, unique segment names, rule validation, and workspace isolation.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
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
    expect(edit.status).toBe('conflict');
    // No version: the record stays deleted, and B has not seen that version.
    expect(edit).not.toHaveProperty('version');

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

  it("keeps another device's edit once when a device's queued edits all carry the same old base version", async () => {
    const token = await workspace();
    const s = dynamicSegment();
    await push(token, deviceA, put(s, 0));
    // B edits while A is offline with three edits queued, each made on version 1.
    const fromB = { ...s, rule: 'total_spent > 7' };
    expect((await push(token, deviceB, put(fromB, 1)))[0].status).toBe('applied');
    const queued = [1, 2, 3].map((i) => put({ ...s, rule: `total_spent > ${100 * i}` }, 1));
    const separately: MutationResult[] = [];
    for (const m of queued) separately.push(...(await push(token, deviceA, m)));
    expect(separately.map((r) => [r.status, r.version])).toEqual([
      ['conflict', 3],
      ['applied', 4],
      ['applied', 5]
    ]);
    const latest = new Map((await pullAll(token)).map((c) => [c.recordId, c]));
    expect(segmentOf(latest.get(s.id))).toMatchObject({ rule: 'total_spent > 300' });
    const copies = segmentsOf([...latest.values()]).filter((c) => c.conflictOf === s.id);
    expect(copies.map((c) => [c.name, c.kind === 'dynamic' && c.rule])).toEqual([
      ['VIP (conflict from Device B, 14:02)', 'total_spent > 7']
    ]);

    // The same in one batch, on another segment.
    const t = dynamicSegment({ name: 'Other' });
    await push(token, deviceA, put(t, 0));
    await push(token, deviceB, put({ ...t, rule: 'total_spent > 8' }, 1));
    const batch = await push(
      token,
      deviceA,
      ...[1, 2, 3].map((i) => put({ ...t, rule: `total_spent > ${1000 * i}` }, 1))
    );
    expect(batch.map((r) => r.status)).toEqual(['conflict', 'applied', 'applied']);
    const all = segmentsOf(await pullAll(token));
    expect(
      all.filter((c) => c.conflictOf === t.id).map((c) => c.kind === 'dynamic' && c.rule)
    ).toEqual(['total_spent > 8']);
  });

  it('keeps every version another device replaced without seeing it, and no other (reference model)', async () => {
    // Two or three devices edit one segment; each queues edits and pushes them one by one, every
    // edit carrying the version the device last pulled (the same old base for all its queued ones).
    const step = fc.oneof(
      fc.record({ kind: fc.constant('edit' as const), device: fc.nat(2) }),
      fc.record({ kind: fc.constant('push' as const), device: fc.nat(2) }),
      fc.record({ kind: fc.constant('pull' as const), device: fc.nat(2) })
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const token = await workspace();
        const s = dynamicSegment();
        const devices = [0, 1, 2].map((i) => ({
          deviceId: randomUUID(),
          deviceName: `D${i}`,
          seen: 1,
          queue: [] as string[]
        }));
        await push(token, devices[0], put(s, 0));
        // The reference: the server's current content, who wrote it and its version.
        let current = { rule: s.rule, device: 0, version: 1 };
        const mustKeep: string[] = [];
        let n = 0;
        const pushOne = async (d: number) => {
          const dev = devices[d];
          const rule = dev.queue.shift();
          if (rule === undefined) return;
          const [r] = await push(token, dev, put({ ...s, rule }, dev.seen));
          expect(['applied', 'conflict']).toContain(r.status);
          if (current.device !== d && dev.seen !== current.version) mustKeep.push(current.rule);
          current = { rule, device: d, version: current.version + 1 };
          expect(r.version).toBe(current.version);
        };
        for (const st of steps) {
          const dev = devices[st.device];
          if (st.kind === 'edit') dev.queue.push(`total_spent > ${++n}`);
          else if (st.kind === 'push') await pushOne(st.device);
          else if (dev.queue.length === 0) dev.seen = current.version;
        }
        for (let d = 0; d < 3; d++) while (devices[d].queue.length > 0) await pushOne(d);
        const latest = new Map((await pullAll(token)).map((c) => [c.recordId, c]));
        expect(segmentOf(latest.get(s.id))).toMatchObject({ rule: current.rule });
        const kept = segmentsOf([...latest.values()])
          .filter((c) => c.conflictOf === s.id)
          .map((c) => (c.kind === 'dynamic' ? c.rule : ''));
        expect(kept.sort()).toEqual(mustKeep.sort());
      }),
      { numRuns: 25 }
    );
  });

  it("sends a device's queued edits of a segment another device deleted to one copy, and the delete stays", async () => {
    const token = await workspace();
    const s = dynamicSegment({ name: 'Churn risk' });
    await push(token, deviceA, put(s, 0));
    await push(token, deviceB, del(s.id, 1));
    const results: MutationResult[] = [];
    for (const i of [1, 2, 3])
      results.push(...(await push(token, deviceA, put({ ...s, rule: `total_spent > ${i}` }, 1))));
    expect(results.map((r) => r.status)).toEqual(['conflict', 'conflict', 'conflict']);
    expect(new Set(results.map((r) => r.conflictCopyId)).size).toBe(1);
    results.forEach((r) => expect(r).not.toHaveProperty('version'));
    // The same edits sent again with the version the first answer gave (none): still not revived.
    const [late] = await push(token, deviceA, put({ ...s, rule: 'total_spent > 4' }, 1));
    expect(late.conflictCopyId).toBe(results[0].conflictCopyId);
    const latest = new Map((await pullAll(token)).map((c) => [c.recordId, c]));
    expect(latest.get(s.id)).toMatchObject({ deleted: true, version: 2 });
    const copies = segmentsOf([...latest.values()]).filter((c) => c.conflictOf === s.id);
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({
      name: 'Churn risk (conflict from Device A, 14:02)',
      rule: 'total_spent > 4'
    });
    // Once the copy is discarded, a further stale edit makes a new one (it is not lost either).
    await push(token, deviceA, del(copies[0].id, 1));
    const [again] = await push(token, deviceA, put({ ...s, rule: 'total_spent > 5' }, 1));
    expect(again.conflictCopyId).not.toBe(copies[0].id);
  });

  it('makes no copy when an edit made apart is the same as the version it replaces', async () => {
    const token = await workspace();
    const s = dynamicSegment();
    await push(token, deviceA, put(s, 0));
    const same = { ...s, rule: 'total_spent > 1', updatedAt: T0 + 1 };
    await push(token, deviceA, put(same, 1));
    // B made the same change apart; a third device that never saw the segment sends it as new.
    const [b] = await push(token, deviceB, put({ ...same, updatedAt: T0 + 2 }, 1));
    expect(b).toMatchObject({ status: 'applied', version: 3 });
    const [c] = await push(token, { deviceId: randomUUID(), deviceName: 'C' }, put(same, 0));
    expect(c).toMatchObject({ status: 'applied', version: 4 });
    expect(segmentsOf(await pullAll(token))).toHaveLength(1);
  });

  it("keeps the workspace's version when a joining device sends another version as new, and the device's as a copy", async () => {
    const token = await workspace();
    const s = dynamicSegment({ name: 'Shared' });
    await push(token, deviceA, put(s, 0));
    await push(token, deviceA, put({ ...s, rule: 'total_spent > 2' }, 1));
    // C had this segment from another workspace (an older version) and joins with it, base version 0.
    const deviceC = { deviceId: randomUUID(), deviceName: 'Device C' };
    const [c] = await push(token, deviceC, put(s, 0));
    expect(c.status).toBe('conflict');
    expect(c).not.toHaveProperty('version');
    const [again] = await push(token, deviceC, put({ ...s, rule: 'total_spent > 3' }, 0));
    expect(again.conflictCopyId).toBe(c.conflictCopyId);
    const latest = new Map((await pullAll(token)).map((x) => [x.recordId, x]));
    expect(latest.get(s.id)).toMatchObject({ version: 2, segment: { rule: 'total_spent > 2' } });
    expect(segmentOf(latest.get(c.conflictCopyId!))).toMatchObject({
      name: 'Shared (conflict from Device C, 14:02)',
      rule: 'total_spent > 3',
      conflictOf: s.id
    });
    expect(segmentsOf([...latest.values()])).toHaveLength(2);
  });

  it('never lets two live segments share a name: the later one gets a number, the same way for everyone', async () => {
    const token = await workspace();
    const first = dynamicSegment({ name: 'VIP' });
    const second = dynamicSegment({ name: 'vip' });
    const third = dynamicSegment({ name: 'VIP' });
    const [a] = await push(token, deviceA, put(first, 0));
    expect(a).not.toHaveProperty('renamedTo');
    const [b, c] = await push(token, deviceB, put(second, 0), put(third, 0));
    expect(b).toMatchObject({ status: 'applied', renamedTo: 'vip (2)' });
    expect(c).toMatchObject({ status: 'applied', renamedTo: 'VIP (3)' });
    // Names compare with spaces collapsed and case ignored, as `in segment "…"` does.
    const [d] = await push(token, deviceB, put(dynamicSegment({ name: 'Vip  (2)' }), 0));
    expect(d.renamedTo).toBe('Vip  (2) (2)');
    // An edit keeps its number; renaming one away frees the name within the same batch.
    const [keep] = await push(
      token,
      deviceB,
      put({ ...second, name: 'vip (2)', rule: 'vip = true' }, 2)
    );
    expect(keep).not.toHaveProperty('renamedTo');
    const [away, into] = await push(
      token,
      deviceA,
      put({ ...first, name: 'Old VIP' }, 1),
      put({ ...third, name: 'VIP' }, 1)
    );
    expect(away).not.toHaveProperty('renamedTo');
    expect(into).not.toHaveProperty('renamedTo');
    // A delete frees a name too.
    await push(token, deviceA, del(first.id, 2));
    const [reuse] = await push(token, deviceA, put(dynamicSegment({ name: 'Old VIP' }), 0));
    expect(reuse).not.toHaveProperty('renamedTo');
    const live = segmentsOf(await pullAll(token));
    const names = live.map((x) => x.name.replace(/\s+/g, ' ').toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    expect(live.map((x) => x.name).sort()).toEqual(['Old VIP', 'VIP', 'Vip  (2) (2)', 'vip (2)']);
  });

  it('numbers a conflict copy whose name is taken', async () => {
    const token = await workspace();
    const s = dynamicSegment();
    await push(token, deviceA, put(s, 0));
    await push(token, deviceB, put({ ...s, rule: 'total_spent > 1' }, 1));
    const [first] = await push(token, deviceA, put({ ...s, rule: 'total_spent > 2' }, 1));
    // Each edit replaces the other device's without having seen it, within the same minute: the
    // copies' names repeat, so the later ones are numbered.
    const [second] = await push(token, deviceB, put({ ...s, rule: 'total_spent > 3' }, 2));
    await push(token, deviceA, put({ ...s, rule: 'total_spent > 4' }, 3));
    const [third] = await push(token, deviceB, put({ ...s, rule: 'total_spent > 5' }, 4));
    expect([first, second, third].map((r) => r.status)).toEqual([
      'conflict',
      'conflict',
      'conflict'
    ]);
    const names = segmentsOf(await pullAll(token))
      .filter((c) => c.conflictOf === s.id)
      .map((c) => c.name)
      .sort();
    expect(names).toEqual([
      'VIP (conflict from Device A, 14:02)',
      'VIP (conflict from Device A, 14:02) (2)',
      'VIP (conflict from Device B, 14:02)',
      'VIP (conflict from Device B, 14:02) (2)'
    ]);
  });
});
