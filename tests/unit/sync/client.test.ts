// Two devices (two fake-indexeddb databases, each with the real data service and sync service) syncing
// through a server: offline changes arrive after reconnecting, concurrent edits leave a conflict copy on
// both, deletes win, lost answers are retried without applying anything twice, refused changes are shown
// and not retried, and exports upload in resumable chunks. Run against the real API route handlers (on
// PGlite in a temp dir) and against an in-memory server written from the protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';
import { createSyncService, type SyncService } from '$lib/worker/sync';
import type { WorkerApi } from '$lib/worker/api';
import type { SegmentsDb } from '$lib/storage/db';
import { outboxEntry } from '$lib/storage/outbox';
import { LIMITS, PATHS, type PullResponse } from '$lib/sync/protocol';
import { ProtocolServer } from './protocol-server';
import { apiFetch, Network } from './api-fetch';
import { startTestServer, START_TIMEOUT, TEST_TIMEOUT } from '../server/harness';

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
  readonly net: Network;
}

type ServerFetch = (input: string, init?: RequestInit) => Promise<Response>;

async function device(server: ServerFetch, clock = { now: Date.UTC(2026, 10, 28, 14, 2) }) {
  const db = freshDb();
  const { api } = freshService(db, { now: () => clock.now });
  await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
  const net = new Network(server);
  const sync = createSyncService(db, {
    origin: 'http://127.0.0.1',
    fetch: net.fetch,
    now: () => clock.now,
    userAgent: 'test',
    onSegmentsChanged: () => api.segments()
  });
  return { api, sync, db, net } satisfies Device;
}

const token = async (d: Device) => (await d.sync.syncSettings()).workspace?.token ?? '';

/** A and B in one workspace: A made it on its first sync, B joined with A's token. */
async function pair(server: ServerFetch) {
  const a = await device(server);
  const b = await device(server);
  expect((await a.sync.syncNow()).ok).toBe(true);
  const joined = await b.sync.connectWorkspace(await token(a));
  expect(joined.ok).toBe(true);
  await a.sync.renameDevice('Device A');
  await b.sync.renameDevice('Device B');
  return { a, b };
}

/** Everything the server holds for the workspace, as a pull from scratch sees it (latest per record). */
async function serverState(server: ServerFetch, d: Device) {
  const latest = new Map<string, PullResponse['changes'][number]>();
  let after = 0;
  for (;;) {
    const r = await server(
      `http://127.0.0.1${PATHS.pull}?after=${after}&limit=${LIMITS.maxPullPage}`,
      {
        headers: { authorization: `Bearer ${await token(d)}` }
      }
    );
    const page = (await r.json()) as PullResponse;
    for (const c of page.changes) latest.set(c.recordId, c);
    if (!page.more) break;
    after = page.cursor;
  }
  return [...latest.values()];
}

const names = async (api: WorkerApi) => (await api.segments()).map((s) => s.name).sort();

async function create(api: WorkerApi, name: string, query: string) {
  const r = await api.createSegment({ name, query });
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return r.value;
}

let stopReal: (() => Promise<void>) | undefined;
const servers: [string, () => ServerFetch][] = [
  ['an in-memory server of the protocol', () => new ProtocolServer().fetch],
  ['the API route handlers on PGlite', () => apiFetch]
];

beforeAll(async () => {
  const started = await startTestServer();
  stopReal = started.stop;
}, START_TIMEOUT);
afterAll(async () => stopReal?.());

describe.each(servers)('sync between two devices through %s', (_, makeServer) => {
  it(
    'a segment made offline on A reaches B after A reconnects, with its members live on B',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b } = await pair(makeServer());
      a.net.down = true;
      await create(a.api, 'Big spenders', 'total_spent > 10000');
      const offline = await a.sync.syncNow();
      expect(offline.ok).toBe(false);
      const [waiting] = await a.db.outbox.toArray();
      expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
      expect(waiting.error).toMatch(/could not be reached/);
      expect((await a.db.meta.get('sync.status'))?.value).toMatchObject({ state: 'retrying' });

      a.net.down = false;
      expect((await a.sync.syncNow()).ok).toBe(true);
      expect(await a.db.outbox.count()).toBe(0);
      await b.sync.syncNow();
      const [onB] = await b.api.segments();
      expect(onB).toMatchObject({ name: 'Big spenders', query: 'total_spent > 10000', members: 2 });

      // An edit and a delete on B come back to A; the engine on A follows.
      await b.api.updateSegment(onB.id, { query: 'total_spent > 20000' });
      await b.sync.syncNow();
      await a.sync.syncNow();
      expect((await a.api.segments())[0]).toMatchObject({
        members: 1,
        query: 'total_spent > 20000'
      });
      await b.api.deleteSegment(onB.id);
      await b.sync.syncNow();
      await a.sync.syncNow();
      expect(await a.api.segments()).toEqual([]);
    }
  );

  it(
    'segments pulled from another device start their entered/left log there, and edits continue it',
    { timeout: TEST_TIMEOUT },
    async () => {
      const clock = { now: Date.UTC(2026, 10, 28, 14, 2) };
      const server = makeServer();
      const a = await device(server, clock);
      const b = await device(server, clock);
      expect((await a.sync.syncNow()).ok).toBe(true);
      expect((await b.sync.connectWorkspace(await token(a))).ok).toBe(true);
      const list = await a.api.createStaticSegment('Newsletter', ['c1', 'c2']);
      if (!list.ok) throw new Error('no list');
      const rule = await create(a.api, 'Big spenders', 'total_spent > 10000');
      await a.sync.syncNow();
      clock.now += 60_000;
      await b.sync.syncNow();
      const log = async (id: string) => {
        const page = await b.api.segmentLog(id, { offset: 0, limit: 50 });
        if (!page.ok) throw new Error('no log');
        return page.value.rows.map((r) => `${r.kind} ${r.customerId}`).sort();
      };
      expect(await log(list.value.id)).toEqual(['enter c1', 'enter c2']);
      expect(await log(rule.id)).toEqual(['enter c1', 'enter c2']);
      // Listing again (another refresh) records nothing twice.
      await b.api.segments();
      expect(await log(rule.id)).toEqual(['enter c1', 'enter c2']);

      // A changes both; B's log follows with who left and who entered.
      await a.api.changeStaticMembers(list.value.id, 'replace', ['c1', 'c3']);
      await a.api.updateSegment(rule.id, { query: 'total_spent > 20000' });
      await a.sync.syncNow();
      clock.now += 60_000;
      await b.sync.syncNow();
      expect(await log(list.value.id)).toEqual(['enter c1', 'enter c2', 'enter c3', 'leave c2']);
      expect(await log(rule.id)).toEqual(['enter c1', 'enter c2', 'leave c2']);
      const c2 = await b.api.customerSegments('c2');
      if (!c2.ok) throw new Error('no customer');
      const history = c2.value.find((s) => s.id === rule.id)?.history ?? [];
      expect(history.map((h) => [h.kind, h.at])).toEqual([
        ['leave', clock.now],
        ['enter', clock.now - 60_000]
      ]);
    }
  );

  it(
    'a concurrent edit keeps the losing version as a conflict copy on both devices',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b } = await pair(makeServer());
      const vip = await create(a.api, 'VIP', 'vip = true');
      await a.sync.syncNow();
      await b.sync.syncNow();
      a.net.down = b.net.down = true;
      await a.api.updateSegment(vip.id, { query: 'vip = true AND total_spent > 1000' });
      await b.api.updateSegment(vip.id, { query: 'vip = false' });
      a.net.down = b.net.down = false;
      await a.sync.syncNow();
      await b.sync.syncNow(); // B's edit arrives later at the server: it wins.
      await a.sync.syncNow();
      for (const d of [a, b]) {
        const list = await d.api.segments();
        expect(list.map((s) => [s.name.replace(/\d\d:\d\d/, 'HH:MM'), s.query]).sort()).toEqual([
          ['VIP (conflict from Device A, HH:MM)', 'vip = true AND total_spent > 1000'],
          ['VIP', 'vip = false']
        ]);
      }

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
    }
  );

  it(
    'a delete on one device wins over an edit made apart on the other; the edit is kept as a copy',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b } = await pair(makeServer());
      const vip = await create(a.api, 'VIP', 'vip = true');
      await a.sync.syncNow();
      await b.sync.syncNow();
      a.net.down = b.net.down = true;
      await a.api.deleteSegment(vip.id);
      await b.api.updateSegment(vip.id, { query: 'vip = false' });
      a.net.down = b.net.down = false;
      await a.sync.syncNow();
      await b.sync.syncNow();
      await a.sync.syncNow();
      for (const d of [a, b]) {
        const list = await d.api.segments();
        expect(list.map((s) => [s.name.replace(/\d\d:\d\d/, 'HH:MM'), s.query])).toEqual([
          ['VIP (conflict from Device B, HH:MM)', 'vip = false']
        ]);
      }
      const copy = (await b.db.segments.toArray()).find((s) => s.conflictOf === vip.id);
      expect((await b.sync.discardConflictCopy(copy?.id ?? '')).ok).toBe(true);
      await b.sync.syncNow();
      await a.sync.syncNow();
      expect(await names(a.api)).toEqual([]);
      expect(await names(b.api)).toEqual([]);
    }
  );

  it(
    'answers lost on the way back are retried: every change is applied exactly once',
    { timeout: TEST_TIMEOUT },
    async () => {
      const server = makeServer();
      const { a, b } = await pair(server);
      for (let i = 0; i < 7; i++) await create(a.api, `S${i}`, `total_spent > ${i * 1000}`);
      const first = (await a.api.segments())[0];
      await a.api.updateSegment(first.id, { name: 'S0 renamed' });
      a.net.loseResponses = 1;
      expect((await a.sync.syncNow()).ok).toBe(false);
      expect(await a.db.outbox.count()).toBe(8);
      expect((await a.sync.syncNow()).ok).toBe(true);
      expect(await a.db.outbox.count()).toBe(0);
      // On the server: 7 segments, each at the version of the changes made to it (1, or 2 for S0).
      const state = await serverState(server, a);
      expect(
        state.map((c) => [c.recordType === 'segment' && c.segment?.name, c.version]).sort()
      ).toEqual([
        ['S0 renamed', 2],
        ['S1', 1],
        ['S2', 1],
        ['S3', 1],
        ['S4', 1],
        ['S5', 1],
        ['S6', 1]
      ]);
      await b.sync.syncNow();
      expect(await names(b.api)).toEqual(await names(a.api));
      expect((await b.api.segments()).some((s) => s.name.includes('conflict'))).toBe(false);
    }
  );

  it(
    'a change the server refuses is marked with its reason, not retried, and others still go',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a } = await pair(makeServer());
      // A change no valid edit can make (a rule that does not parse), as a faulty client would send it.
      const id = crypto.randomUUID();
      await a.db.outbox.add(
        outboxEntry('segment', id, 'put', 5, {
          id,
          kind: 'dynamic',
          name: 'Broken',
          rule: 'total_spent >',
          createdAt: 5,
          updatedAt: 5
        })
      );
      await create(a.api, 'Fine', 'vip = false');
      const run = await a.sync.syncNow();
      expect(run).toMatchObject({ ok: true, rejected: 1, pushed: 1 });
      const [refused] = await a.db.outbox.toArray();
      expect(refused).toMatchObject({ status: 'rejected', recordId: id });
      expect(refused.error).toMatch(/rule/i);
      const pushes = () => a.net.requests.filter((r) => r.path === PATHS.push).length;
      const before = pushes();
      await a.sync.syncNow();
      expect(pushes()).toBe(before);
      await a.sync.dismissSyncItem(refused.seq as number);
      expect(await a.db.outbox.count()).toBe(0);
    }
  );

  it(
    'a token the server does not know is refused; a connect link works like its token',
    { timeout: TEST_TIMEOUT },
    async () => {
      const server = makeServer();
      const a = await device(server);
      await a.sync.syncNow();
      const b = await device(server);
      const wrong = await b.sync.connectWorkspace('not-a-token');
      expect(wrong.ok).toBe(false);
      const link = await b.sync.connectWorkspace(`http://app/sync#join=${await token(a)}`);
      const settingsA = await a.sync.syncSettings();
      expect(link.ok && link.value.workspace?.id).toBe(settingsA.workspace?.id);
    }
  );

  it(
    'an export uploads in chunks, resumes after a dropped connection, and downloads on B with the same bytes',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b } = await pair(makeServer());
      const vip = await create(a.api, 'Big spenders', 'total_spent > 0');
      const exported = await a.api.exportSegment(vip.id);
      if (!exported.ok) throw new Error('export failed');
      // Make the file span three chunks, with text that is not ASCII.
      const filler = `"${'é'.repeat(LIMITS.exportChunkBytes)}",x\r\n`;
      const csvText = (await a.db.exportFiles.get(exported.value.id))?.csv + filler;
      await a.db.exportFiles.update(exported.value.id, { csv: csvText });
      a.net.failChunksAfter = 2;
      expect((await a.sync.syncNow()).ok).toBe(false);
      a.net.failChunksAfter = Infinity;
      expect((await a.sync.syncNow()).ok).toBe(true);
      const chunkPuts = a.net.requests
        .filter((r) => r.method === 'PUT')
        .map((r) => r.path.split('/').pop());
      // Chunks 0 and 1 went through the first time and were not sent again.
      expect(chunkPuts.sort()).toEqual(['0', '1', '2']);

      await b.sync.syncNow();
      const listed = await b.api.exports();
      expect(listed.map((e) => e.fileName)).toEqual([exported.value.fileName]);
      const remote = await b.sync.remoteExportFile(exported.value.id);
      expect(remote?.ok && remote.value.csv).toBe(csvText);
    }
  );
});

describe('sync between devices through the API route handlers on PGlite', () => {
  const view = async (api: WorkerApi) =>
    (await api.segments()).map((s) => [s.name.replace(/\d\d:\d\d/, 'HH:MM'), s.query]).sort();
  /** VIP synced to both, then three edits of it made on A offline (queued, not sent). */
  const threeEditsQueuedOnA = async () => {
    const { a, b } = await pair(apiFetch);
    const vip = await create(a.api, 'VIP', 'vip = true');
    await a.sync.syncNow();
    await b.sync.syncNow();
    a.net.down = true;
    for (const n of [1, 2, 3]) await a.api.updateSegment(vip.id, { query: `total_spent > ${n}` });
    return { a, b, vip };
  };

  it(
    'several edits queued offline on A keep the edit B made meanwhile, and make no copies of each other',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b, vip } = await threeEditsQueuedOnA();
      await b.api.updateSegment(vip.id, { query: 'vip = false' });
      expect((await b.sync.syncNow()).ok).toBe(true);
      a.net.down = false;
      expect(await a.sync.syncNow()).toMatchObject({ ok: true, pushed: 3 });
      await b.sync.syncNow();
      for (const d of [a, b]) {
        expect(await view(d.api)).toEqual([
          ['VIP (conflict from Device B, HH:MM)', 'vip = false'],
          ['VIP', 'total_spent > 3']
        ]);
      }
    }
  );

  it(
    'several edits queued offline on A of a segment B deleted meanwhile: it stays deleted, A’s last edit is one copy',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b, vip } = await threeEditsQueuedOnA();
      await b.api.deleteSegment(vip.id);
      expect((await b.sync.syncNow()).ok).toBe(true);
      a.net.down = false;
      expect((await a.sync.syncNow()).ok).toBe(true);
      await b.sync.syncNow();
      for (const d of [a, b]) {
        expect(await view(d.api)).toEqual([
          ['VIP (conflict from Device A, HH:MM)', 'total_spent > 3']
        ]);
      }
    }
  );

  it(
    'a device with segments of its own joins a workspace: they are uploaded, once, also when it joins again',
    { timeout: TEST_TIMEOUT },
    async () => {
      const a = await device(apiFetch);
      const b = await device(apiFetch);
      await b.sync.renameDevice('Device B');
      await create(a.api, 'From A', 'vip = true');
      expect((await a.sync.syncNow()).ok).toBe(true);
      await create(b.api, 'From B', 'total_spent > 100');
      await create(b.api, 'Also from B', 'vip = false');
      expect((await b.sync.syncNow()).ok).toBe(true); // into a workspace B made for itself
      const own = await token(b);
      expect((await b.sync.connectWorkspace(await token(a))).ok).toBe(true);
      expect((await b.sync.syncNow()).ok).toBe(true);
      await a.sync.syncNow();
      const all = ['Also from B', 'From A', 'From B'];
      expect(await names(a.api)).toEqual(all);
      expect(await names(b.api)).toEqual(all);

      // B goes back to its own workspace (taking "From A" there) and joins A's again; meanwhile A
      // edited "From A": A's version stays, B's older one comes back as a copy, nothing doubles.
      expect((await b.sync.connectWorkspace(own)).ok).toBe(true);
      await b.sync.syncNow();
      const fromA = (await a.api.segments()).find((s) => s.name === 'From A');
      await a.api.updateSegment(fromA?.id ?? '', { query: 'vip = true AND total_spent > 10' });
      await a.sync.syncNow();
      expect((await b.sync.connectWorkspace(await token(a))).ok).toBe(true);
      await b.sync.syncNow();
      await a.sync.syncNow();
      for (const d of [a, b]) {
        expect(await view(d.api)).toEqual([
          ['Also from B', 'vip = false'],
          ['From A (conflict from Device B, HH:MM)', 'vip = true'],
          ['From A', 'vip = true AND total_spent > 10'],
          ['From B', 'total_spent > 100']
        ]);
      }
      // The same join once more changes nothing at all.
      await b.sync.connectWorkspace(own);
      await b.sync.syncNow();
      await b.sync.connectWorkspace(await token(a));
      await b.sync.syncNow();
      await a.sync.syncNow();
      expect((await a.api.segments()).length).toBe(4);
      expect((await b.api.segments()).length).toBe(4);
      const live = (await serverState(apiFetch, a)).filter((c) => !c.deleted);
      expect(live).toHaveLength(4);
    }
  );

  it(
    'two devices name a segment alike apart: the later arrival is numbered on both, and rules that named it follow',
    { timeout: TEST_TIMEOUT },
    async () => {
      const { a, b } = await pair(apiFetch);
      a.net.down = b.net.down = true;
      await create(a.api, 'VIP', 'vip = true');
      await create(a.api, 'VIP big', 'in segment "VIP" AND total_spent > 1000');
      await create(b.api, 'vip', 'total_spent > 20000');
      await create(b.api, 'Not VIP', 'NOT in segment "vip"');
      a.net.down = b.net.down = false;
      await a.sync.syncNow();
      await b.sync.syncNow();
      await a.sync.syncNow();
      const expected = [
        ['Not VIP', 'not in segment "vip (2)"'],
        ['VIP big', 'in segment "VIP" AND total_spent > 1000'],
        ['VIP', 'vip = true'],
        ['vip (2)', 'total_spent > 20000']
      ];
      for (const d of [a, b]) expect(await view(d.api)).toEqual(expected);
      // B's rule still finds B's segment: 1 customer above 20000, so 2 are not in it.
      const notVip = (await b.api.segments()).find((s) => s.name === 'Not VIP');
      expect(notVip?.members).toBe(2);
      expect((await b.db.outbox.toArray()).filter((e) => e.status === 'pending')).toEqual([]);
    }
  );
});
