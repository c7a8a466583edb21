// Two devices (two fake-indexeddb databases, each with the real data service and sync service) syncing
// through an in-memory server of the protocol: offline changes arrive after reconnecting, concurrent
// edits leave a conflict copy on both, deletes win, lost answers are retried without applying anything
// twice, refused changes are shown and not retried, and exports upload in resumable chunks.
import { describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';
import { createSyncService, type SyncService } from '$lib/worker/sync';
import type { WorkerApi } from '$lib/worker/api';
import type { SegmentsDb } from '$lib/storage/db';
import { ProtocolServer } from './protocol-server';

const CUSTOMERS = [
  'id,name,total_spent,vip',
  'c1,Ana,25000,true',
  'c2,Ben,15000,false',
  'c3,Chloé,500,true'
].join('\n');

interface Device {
  readonly api: WorkerApi;
  readonly sync: SyncService;
  readonly db: SegmentsDb;
}

async function device(
  server: ProtocolServer,
  name: string,
  clock = { now: 1_000 }
): Promise<Device> {
  const db = freshDb();
  const { api } = freshService(db, { now: () => clock.now });
  await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
  const sync = createSyncService(db, {
    origin: 'http://server',
    fetch: server.fetch,
    now: () => clock.now,
    userAgent: name,
    onSegmentsChanged: () => api.segments()
  });
  return { api, sync, db };
}

/** A and B in one workspace: A created it on first sync, B joined with A's token. */
async function pair(server = new ProtocolServer()) {
  const a = await device(server, 'Device A');
  const b = await device(server, 'Device B');
  expect((await a.sync.syncNow()).ok).toBe(true);
  const joined = await b.sync.connectWorkspace(server.token);
  expect(joined.ok).toBe(true);
  await a.sync.renameDevice('Device A');
  await b.sync.renameDevice('Device B');
  return { server, a, b };
}

const names = async (api: WorkerApi) => (await api.segments()).map((s) => s.name).sort();

async function create(api: WorkerApi, name: string, query: string) {
  const r = await api.createSegment({ name, query });
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return r.value;
}

describe('sync between two devices', () => {
  it('a segment made offline on A reaches B after A reconnects, with its members live on B', async () => {
    const { server, a, b } = await pair();
    server.down = true;
    await create(a.api, 'Big spenders', 'total_spent > 10000');
    const offline = await a.sync.syncNow();
    expect(offline.ok).toBe(false);
    const [waiting] = await a.db.outbox.toArray();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting.error).toMatch(/could not be reached/);
    expect((await a.db.meta.get('sync.status'))?.value).toMatchObject({ state: 'retrying' });

    server.down = false;
    expect((await a.sync.syncNow()).ok).toBe(true);
    expect(await a.db.outbox.count()).toBe(0);
    await b.sync.syncNow();
    const [onB] = await b.api.segments();
    expect(onB).toMatchObject({ name: 'Big spenders', query: 'total_spent > 10000', members: 2 });

    // An edit and a delete on B come back to A; the engine on A follows.
    await b.api.updateSegment(onB.id, { query: 'total_spent > 20000' });
    await b.sync.syncNow();
    await a.sync.syncNow();
    expect((await a.api.segments())[0]).toMatchObject({ members: 1, query: 'total_spent > 20000' });
    await b.api.deleteSegment(onB.id);
    await b.sync.syncNow();
    await a.sync.syncNow();
    expect(await a.api.segments()).toEqual([]);
  });

  it('a concurrent edit keeps the losing version as a conflict copy on both devices', async () => {
    const { server, a, b } = await pair();
    const vip = await create(a.api, 'VIP', 'vip = true');
    await a.sync.syncNow();
    await b.sync.syncNow();
    server.down = true;
    await a.api.updateSegment(vip.id, { query: 'vip = true AND total_spent > 1000' });
    await b.api.updateSegment(vip.id, { query: 'vip = false' });
    server.down = false;
    await a.sync.syncNow();
    await b.sync.syncNow(); // B's edit arrives later at the server: it wins.
    await a.sync.syncNow();
    for (const d of [a, b]) {
      const list = await d.api.segments();
      expect(list.map((s) => [s.name, s.query]).sort()).toEqual([
        ['VIP (conflict from Device B)', 'vip = true AND total_spent > 1000'],
        ['VIP', 'vip = false']
      ]);
    }
    expect([...server.applied.values()].every((n) => n === 1)).toBe(true);

    // Restore the copy on A: its version is back in VIP, the copy is gone, on both devices.
    const copy = (await a.db.segments.toArray()).find((s) => s.conflictOf === vip.id);
    expect(copy).toBeDefined();
    expect((await a.sync.restoreConflictCopy(copy?.id ?? '')).ok).toBe(true);
    await a.sync.syncNow();
    await b.sync.syncNow();
    for (const d of [a, b]) {
      const list = await d.api.segments();
      expect(list.map((s) => [s.name, s.query])).toEqual([
        ['VIP', 'vip = true AND total_spent > 1000']
      ]);
    }
  });

  it('a delete on one device wins over an edit made apart on the other; the edit is kept as a copy', async () => {
    const { server, a, b } = await pair();
    const vip = await create(a.api, 'VIP', 'vip = true');
    await a.sync.syncNow();
    await b.sync.syncNow();
    server.down = true;
    await a.api.deleteSegment(vip.id);
    await b.api.updateSegment(vip.id, { query: 'vip = false' });
    server.down = false;
    await a.sync.syncNow();
    await b.sync.syncNow();
    await a.sync.syncNow();
    for (const d of [a, b]) {
      expect(await names(d.api)).toEqual(['VIP (conflict from Device B)']);
    }
    const copy = (await b.db.segments.toArray()).find((s) => s.conflictOf === vip.id);
    expect((await b.sync.discardConflictCopy(copy?.id ?? '')).ok).toBe(true);
    await b.sync.syncNow();
    await a.sync.syncNow();
    expect(await names(a.api)).toEqual([]);
    expect(await names(b.api)).toEqual([]);
  });

  it('answers lost on the way back are retried: every change is applied exactly once', async () => {
    const { server, a, b } = await pair();
    for (let i = 0; i < 7; i++) await create(a.api, `S${i}`, `total_spent > ${i * 1000}`);
    const first = (await a.api.segments())[0];
    await a.api.updateSegment(first.id, { name: 'S0 renamed' });
    server.loseResponses = 1;
    expect((await a.sync.syncNow()).ok).toBe(false);
    expect(await a.db.outbox.count()).toBe(8);
    expect((await a.sync.syncNow()).ok).toBe(true);
    expect(await a.db.outbox.count()).toBe(0);
    expect(server.applied.size).toBe(8);
    expect([...server.applied.values()].every((n) => n === 1)).toBe(true);
    await b.sync.syncNow();
    expect(await names(b.api)).toEqual(await names(a.api));
    // No conflict copies: the rename built on the version the server gave the create.
    expect((await b.api.segments()).some((s) => s.name.includes('conflict'))).toBe(false);
  });

  it('a change the server refuses is marked with its reason, not retried, and others still go', async () => {
    const { server, a } = await pair();
    server.refuseNames.add('Refused');
    await create(a.api, 'Refused', 'vip = true');
    await create(a.api, 'Fine', 'vip = false');
    const run = await a.sync.syncNow();
    expect(run).toMatchObject({ ok: true, rejected: 1, pushed: 1 });
    const [refused] = await a.db.outbox.toArray();
    expect(refused).toMatchObject({ status: 'rejected', error: 'That name is refused.' });
    const pushes = server.requests.filter((r) => r.path === '/api/sync/push').length;
    await a.sync.syncNow();
    expect(server.requests.filter((r) => r.path === '/api/sync/push').length).toBe(pushes);
    await a.sync.dismissSyncItem(refused.seq as number);
    expect(await a.db.outbox.count()).toBe(0);
  });

  it('a token the server does not know stops sync until the device connects again', async () => {
    const server = new ProtocolServer();
    const a = await device(server, 'A');
    const wrong = await a.sync.connectWorkspace('not-a-token');
    expect(wrong.ok).toBe(false);
    const link = await a.sync.connectWorkspace(`http://app/sync#join=${server.token}`);
    expect(link.ok && link.value.workspace?.id).toBe(server.workspaceId);
  });

  it('an export uploads in chunks, resumes after a dropped connection, and downloads on B with the same bytes', async () => {
    const { server, a, b } = await pair();
    const vip = await create(a.api, 'Big spenders', 'total_spent > 0');
    const exported = await a.api.exportSegment(vip.id);
    if (!exported.ok) throw new Error('export failed');
    // Make the file span several 1 KiB chunks.
    const big = `${'x'.repeat(3000)}\r\n`;
    await a.db.exportFiles.update(exported.value.id, {
      csv: (await a.db.exportFiles.get(exported.value.id))?.csv + big
    });
    server.failChunksAfter = 2;
    expect((await a.sync.syncNow()).ok).toBe(false);
    server.failChunksAfter = Infinity;
    expect((await a.sync.syncNow()).ok).toBe(true);
    const chunkPuts = server.requests
      .filter((r) => r.method === 'PUT')
      .map((r) => r.path.split('/').pop());
    // Chunks 0 and 1 went through the first time and were not sent again.
    expect(chunkPuts.filter((i) => i === '0').length).toBe(1);
    expect(chunkPuts.filter((i) => i === '1').length).toBe(1);

    await b.sync.syncNow();
    const listed = await b.api.exports();
    expect(listed.map((e) => e.fileName)).toEqual([exported.value.fileName]);
    const remote = await b.sync.remoteExportFile(exported.value.id);
    const local = await a.api.exportFile(exported.value.id);
    expect(remote?.ok && local.ok && remote.value.csv === local.value.csv).toBe(true);
  });
});
