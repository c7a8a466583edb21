// Journeys of two devices of one workspace (two browser contexts) against the built app and its API,
// which this spec starts itself (PGlite in a temp dir), each device behind its own network: a segment
// made offline on A reaches B once A reconnects; several edits queued apart on A keep B's edit as a
// conflict copy on both; the server stopped in the middle of a push and restarted, with every change
// applied exactly once; an export made offline on A downloads on B with the same bytes; and Background
// Sync (fired through the DevTools protocol) sends queued changes with no tab of the app open.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  expectAccessible,
  ExportsPage,
  OverviewPage,
  SegmentEditorPage,
  SegmentsPage
} from './pages';
import { AppServer, DeviceNetwork, SyncSettingsPage, SyncStatusPanel } from './sync-pages';
import { PATHS, type PullResponse } from '../../src/lib/sync/protocol';

// The spec's own server and the two devices' proxies: SYNC_E2E_PORT moves all three (to port, +1, +2),
// so that runs side by side do not collide.
const SERVER_PORT = Number(process.env.SYNC_E2E_PORT ?? 4340);
const PORT_A = SERVER_PORT + 1;
const PORT_B = SERVER_PORT + 2;

let server: AppServer;
let netA: DeviceNetwork;
let netB: DeviceNetwork;

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

test.beforeAll(async () => {
  server = new AppServer(SERVER_PORT);
  await server.start();
  netA = new DeviceNetwork(PORT_A, server);
  netB = new DeviceNetwork(PORT_B, server);
  await Promise.all([netA.listen(), netB.listen()]);
});

test.afterAll(async () => {
  await Promise.all([netA?.close(), netB?.close()]);
  await server?.dispose();
});

interface Device {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly status: SyncStatusPanel;
  readonly net: DeviceNetwork;
}

async function openDevice(browser: Browser, net: DeviceNetwork): Promise<Device> {
  const context = await browser.newContext({ baseURL: net.origin });
  const page = await context.newPage();
  return { context, page, status: new SyncStatusPanel(page), net };
}

/** Offline the way a device is: the browser says so, and nothing reaches the server. */
async function setOffline(device: Device, offline: boolean): Promise<void> {
  device.net.cut = offline;
  await device.context.setOffline(offline);
}

/**
 * A with the sample data (and a workspace made on its first sync), B connected to A's workspace with
 * A's access token; each device named.
 */
async function twoDevices(browser: Browser) {
  const a = await openDevice(browser, netA);
  const b = await openDevice(browser, netB);
  const overview = new OverviewPage(a.page);
  await overview.open();
  await overview.loadSampleData();
  const settingsA = new SyncSettingsPage(a.page);
  await settingsA.open();
  const token = await settingsA.token();
  await settingsA.nameDevice('Laptop A');
  const settingsB = new SyncSettingsPage(b.page);
  await settingsB.open();
  await settingsB.token(); // B made a workspace of its own on its first visit…
  await settingsB.connect(token); // …and now joins A's.
  await expect(b.page.getByTestId('workspace-name')).toHaveText(await settingsA.workspaceName());
  await settingsB.nameDevice('Phone B');
  await expectAccessible(b.page);
  return { a, b, token };
}

/** Creates a segment from a template on the device (it needs the sample data). */
async function createFromTemplate(page: Page, template: string): Promise<string> {
  const list = new SegmentsPage(page);
  await list.open();
  await list.startFromTemplate(template);
  const editor = new SegmentEditorPage(page);
  await expect(editor.previewCount()).toBeVisible();
  await editor.create();
  return editor.name().inputValue();
}

const badge = (list: SegmentsPage, name: string) => list.row(name).getByTestId('sync-badge');

/** Everything the server holds for the workspace (latest state per record), read with the token. */
async function serverState(token: string) {
  const records: PullResponse['changes'] = [];
  let after = 0;
  for (;;) {
    const r = await fetch(`${server.origin}${PATHS.pull}?after=${after}&limit=500`, {
      headers: { authorization: `Bearer ${token}` }
    });
    expect(r.status).toBe(200);
    const page = (await r.json()) as PullResponse;
    records.push(...page.changes);
    if (!page.more) return records;
    after = page.cursor;
  }
}

test('a segment created offline on A appears on B after A reconnects', async ({ browser }) => {
  const { a, b } = await twoDevices(browser);

  await setOffline(a, true);
  const name = await createFromTemplate(a.page, 'Inactive loyal customers');
  const listA = new SegmentsPage(a.page);
  await listA.open();
  await expect(badge(listA, name)).toHaveText('Pending');
  await expect(a.status.button()).toContainText('1 pending');
  await a.status.open();
  await expect(a.page.getByTestId('sync-network')).toHaveText('Offline');
  await expect(a.page.getByTestId('sync-pending')).toHaveText('1');
  await expectAccessible(a.page);
  await a.status.close();

  const listB = new SegmentsPage(b.page);
  await listB.open();
  await expect(b.page.getByTestId('segments-empty')).toBeVisible();

  // Back online: A sends the change by itself (no click), and B receives it on its next sync.
  await setOffline(a, false);
  await expect(badge(listA, name)).toHaveText('Synced', { timeout: 30_000 });
  await expect(a.status.button()).toHaveText(/Synced/);
  await b.status.syncNow();
  await expect(listB.row(name)).toBeVisible();
  await expect(badge(listB, name)).toHaveText('Synced');
  await expectAccessible(b.page);
  await Promise.all([a.context.close(), b.context.close()]);
});

test('edits queued apart on A keep the edit B made meanwhile: a conflict copy on both, and only one', async ({
  browser
}) => {
  const { a, b } = await twoDevices(browser);
  const name = await createFromTemplate(a.page, 'Inactive loyal customers');
  const listA = new SegmentsPage(a.page);
  const listB = new SegmentsPage(b.page);
  await listA.open();
  await expect(badge(listA, name)).toHaveText('Synced', { timeout: 30_000 });
  await listB.open();
  await b.status.syncNow();
  await expect(listB.row(name)).toBeVisible();

  // Apart, A renames the segment twice (two queued edits, both made on the version it last saw)…
  await setOffline(a, true);
  await setOffline(b, true);
  await listA.rename(name, 'Lapsed VIPs');
  await listA.rename('Lapsed VIPs', 'Lapsed VIPs 2026');
  await expect(a.status.button()).toContainText('2 pending');
  // …and B renames it once, and reaches the server first.
  await listB.rename(name, 'Win-back list');
  await setOffline(b, false);
  await expect(badge(listB, 'Win-back list')).toHaveText('Synced', { timeout: 30_000 });

  // A reconnects later: its last edit wins, B's version is kept, and A's edits make no copies of
  // each other.
  await setOffline(a, false);
  await expect(badge(listA, 'Lapsed VIPs 2026')).toHaveText('Synced', { timeout: 30_000 });
  await b.status.syncNow();
  await a.status.syncNow();
  for (const [list, page] of [
    [listA, a.page],
    [listB, b.page]
  ] as const) {
    await expect(list.row('Lapsed VIPs 2026')).toBeVisible();
    await expect(
      list
        .table()
        .getByRole('rowheader', { name: /^Win-back list \(conflict from Phone B, \d\d:\d\d\)$/ })
    ).toBeVisible();
    await expect(list.table().getByTestId('segment-row')).toHaveCount(2);
    await expect(page.getByTestId('sync-status')).toContainText('1 conflict');
  }

  // On A: the panel lists the copy; restoring it puts B's name back, on both devices.
  await a.status.open();
  await expect(a.status.conflictCopies()).toHaveCount(1);
  await expectAccessible(a.page);
  await a.status
    .conflictCopies()
    .getByRole('button', { name: /^Restore / })
    .click();
  await expect(a.page.getByText(/^Restored/)).toBeVisible();
  await a.status.close();
  await expect(listA.row('Win-back list')).toBeVisible();
  await a.status.syncNow();
  await b.status.syncNow();
  await expect(listB.row('Win-back list')).toBeVisible();
  await expect(listB.table().getByTestId('segment-row')).toHaveCount(1);
  await Promise.all([a.context.close(), b.context.close()]);
});

test('the server stopped in the middle of a push and restarted: every change arrives exactly once', async ({
  browser
}) => {
  const { a, b, token } = await twoDevices(browser);
  const name = await createFromTemplate(a.page, 'Inactive loyal customers');
  const listA = new SegmentsPage(a.page);
  await listA.open();
  await expect(badge(listA, name)).toHaveText('Synced', { timeout: 30_000 });

  // Offline, A makes five more changes: four copies and a rename.
  await setOffline(a, true);
  for (let i = 0; i < 4; i++) {
    await listA.duplicate(name);
    await expect(listA.table().getByTestId('segment-row')).toHaveCount(i + 2);
  }
  await listA.rename(name, 'Renamed while offline');
  await expect(a.status.button()).toContainText('5 pending');

  // The push reaches the server and is applied; the server then stops before A hears back.
  let stopped: () => void = () => undefined;
  const serverDown = new Promise<void>((resolve) => (stopped = resolve));
  netA.loseNextPushAnswer(async () => {
    await server.stop();
    stopped();
  });
  await setOffline(a, false);
  await serverDown;
  await expect(a.status.button()).toContainText('5 pending');
  await a.status.open();
  await expect(a.page.getByRole('region', { name: 'Sync' })).toContainText(
    /could not be reached|answered 5\d\d/
  );
  await a.status.close();

  // Restarted: A retries by itself (backoff), and the server acknowledges what it already applied.
  await server.start();
  await expect(a.status.button()).toHaveText(/Synced/, { timeout: 90_000 });
  await expect(listA.table().getByTestId('sync-badge')).toHaveText(Array(5).fill('Synced'));

  const records = await serverState(token);
  const segments = records.filter((r) => r.recordType === 'segment' && !r.deleted);
  expect(segments).toHaveLength(5);
  expect(segments.map((s) => (s.recordType === 'segment' ? s.segment?.name : '')).sort()).toEqual([
    'Inactive loyal customers (copy 2)',
    'Inactive loyal customers (copy 3)',
    'Inactive loyal customers (copy 4)',
    'Inactive loyal customers (copy)',
    'Renamed while offline'
  ]);
  // Each copy was created once (version 1); the original was created and renamed (version 2).
  expect(segments.map((s) => s.version).sort()).toEqual([1, 1, 1, 1, 2]);
  expect(netA.pushes.length).toBeGreaterThanOrEqual(2);

  const listB = new SegmentsPage(b.page);
  await listB.open();
  await b.status.syncNow();
  await expect(listB.table().getByTestId('segment-row')).toHaveCount(5);
  await expect(b.page.getByText(/conflict from/)).toHaveCount(0);
  await Promise.all([a.context.close(), b.context.close()]);
});

test('an export made offline on A is downloadable on B with the same bytes', async ({
  browser
}) => {
  const { a, b } = await twoDevices(browser);
  const name = await createFromTemplate(a.page, 'Inactive loyal customers');
  await setOffline(a, true);
  const editor = new SegmentEditorPage(a.page);
  const made = await editor.exportCsv();
  expect(made.text.split('\n').length).toBeGreaterThan(2);
  const exportsA = new ExportsPage(a.page);
  await exportsA.open();
  const rowA = exportsA.rows().filter({ hasText: made.fileName });
  await expect(rowA.getByTestId('sync-badge')).toHaveText('Pending');

  await setOffline(a, false);
  await expect(rowA.getByTestId('sync-badge')).toHaveText('Synced', { timeout: 30_000 });

  const exportsB = new ExportsPage(b.page);
  await exportsB.open();
  await b.status.syncNow();
  const rowB = exportsB.rows().filter({ hasText: made.fileName });
  await expect(rowB).toContainText('made on another device');
  await expect(rowB).toContainText(name);
  await expectAccessible(b.page);
  const downloaded = await exportsB.download(made.fileName);
  expect(downloaded.fileName).toBe(made.fileName);
  expect(Buffer.from(downloaded.text)).toEqual(Buffer.from(made.text));
  await Promise.all([a.context.close(), b.context.close()]);
});

test('Background Sync: with no tab of the app open, the service worker sends what was queued offline', async ({
  browser
}) => {
  const a = await openDevice(browser, netA);
  const overview = new OverviewPage(a.page);
  await overview.open();
  await overview.loadSampleData();
  const settings = new SyncSettingsPage(a.page);
  await settings.open();
  const token = await settings.token();
  await a.page.evaluate(async () => void (await navigator.serviceWorker.ready));

  await setOffline(a, true);
  const name = await createFromTemplate(a.page, 'Inactive loyal customers');
  await expect(a.status.button()).toContainText('1 pending');

  // The tab goes away while offline; then the network comes back. Only the service worker is left.
  const blank = await a.context.newPage();
  await a.page.close();
  await setOffline(a, false);
  const named = async () =>
    (await serverState(token)).filter(
      (c) => c.recordType === 'segment' && !c.deleted && c.segment?.name === name
    ).length;
  expect(await named()).toBe(0);

  // The browser's Background Sync, fired through the DevTools protocol, as Chromium does once online.
  const cdp = await a.context.newCDPSession(blank);
  const scopes = new Map<string, string>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    for (const r of registrations) if (!r.isDeleted) scopes.set(r.scopeURL, r.registrationId);
  });
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => scopes.get(`${netA.origin}/`)).toBeDefined();
  await cdp.send('ServiceWorker.dispatchSyncEvent', {
    origin: netA.origin,
    registrationId: scopes.get(`${netA.origin}/`) as string,
    tag: 'segments-sync',
    lastChance: false
  });
  await expect.poll(named, { timeout: 60_000 }).toBe(1);

  // Back in the app, the change shows as synced and nothing waits.
  const page = await a.context.newPage();
  const list = new SegmentsPage(page);
  await list.open();
  await expect(badge(list, name)).toHaveText('Synced');
  await expect(new SyncStatusPanel(page).button()).toHaveText(/Synced/);
  await a.context.close();
});
