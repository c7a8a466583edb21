// The worker's implementation of WorkerApi: composes storage, the workspace (in-memory store), the
// importer and browsing. Runs in the data worker; Node tests can run it over fake-indexeddb.
import { fail, issue, ok, type Result } from '$lib/engine/result';
import { openDb, type ImportRecord, type SegmentsDb } from '$lib/storage/db';
import { DataRepo } from '$lib/storage/data-repo';
import { SegmentsRepo } from '$lib/storage/segments-repo';
import { sampleStore, toCsvLine, CUSTOMER_HEADER, EVENT_HEADER } from '$lib/sample/generate';
import type { DataSummary, ImportProgress, Settings, StorageInfo, WorkerApi } from './api';
import { Browser } from './browse';
import { Importer, importLockName } from './importer';
import { rejectedRowsToCsv } from '$lib/csv/report';
import { SegmentService } from './segments';
import { StaticLists } from './static-lists';
import { setClockOffset } from './clock';
import { Workspace } from './workspace';
import { topValues } from '$lib/builder/values';

const SETTINGS_KEY = 'settings';
const DEFAULT_SETTINGS: Settings = { defaultCountry: 'IN' };

async function estimateStorage(): Promise<StorageInfo> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return { usage: null, quota: null, persisted: false };
  const [estimate, persisted] = await Promise.all([
    storage.estimate(),
    storage.persisted?.().catch(() => false) ?? Promise.resolve(false)
  ]);
  return { usage: estimate.usage ?? null, quota: estimate.quota ?? null, persisted };
}

/**
 * Discards imports left half-done by a closed or reloaded tab. A running import holds its Web Lock for
 * as long as its tab lives: a free lock means its tab is gone. A held lock may belong to a page that is
 * still unloading (or to another tab really importing): wait for it, then discard it if still unfinished.
 */
async function discardInterrupted(repo: DataRepo): Promise<number> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  let discarded = 0;
  for (const record of await repo.runningImports()) {
    if (!locks) {
      if (await repo.discardInterrupted(record.id)) discarded++;
      continue;
    }
    const name = importLockName(record.id);
    const free = await locks.request(name, { ifAvailable: true }, async (lock) => lock !== null);
    if (free) {
      if (await repo.discardInterrupted(record.id)) discarded++;
    } else {
      void locks.request(name, () => repo.discardInterrupted(record.id));
    }
  }
  return discarded;
}

const LEADER_LOCK = 'segments-leader';

/**
 * One tab's worker records the membership changes that passing time causes (the others would record
 * the same flips again): the first to take this Web Lock holds it until its tab closes. Without Web
 * Locks (Node tests) this worker leads.
 */
function electLeader(onLeader: () => void): void {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) {
    onLeader();
    return;
  }
  void locks.request(LEADER_LOCK, () => {
    onLeader();
    return new Promise<void>(() => undefined);
  });
}

export interface DataServiceOptions {
  /** The clock (tests pass a controllable one). */
  readonly now?: () => number;
  /** Whether to run the timer that applies time-driven membership flips as they fall due. */
  readonly timers?: boolean;
}

export function createDataService(
  db: SegmentsDb = openDb(),
  options: DataServiceOptions = {}
): WorkerApi {
  const repo = new DataRepo(db);
  const workspace = new Workspace(repo);
  const importer = new Importer(repo, workspace, { estimate: estimateStorage });
  const browser = new Browser(workspace);
  let leader = false;
  electLeader(() => (leader = true));
  const segments = new SegmentService(new SegmentsRepo(db), workspace, {
    now: options.now,
    timers: options.timers,
    isLeader: () => leader,
    columns: () => browser.columns()
  });
  const lists = new StaticLists(workspace);
  let discardedImports = 0;
  /** Everything stored is in memory. */
  let ready: Promise<void> | undefined;
  /** The customers are in memory (their events may still be loading): enough to list them. */
  let customersReady: Promise<void> | undefined;
  let eventsLoaded = false;

  const start = (): void => {
    if (ready) return;
    let customersIn = (): void => undefined;
    customersReady = new Promise<void>((resolve) => (customersIn = resolve));
    ready = (async () => {
      try {
        discardedImports = await discardInterrupted(repo);
        await workspace.loadCommitted(customersIn);
        eventsLoaded = true;
        const schema = workspace.schemaRecords();
        await repo.saveSchema(schema.attributes, schema.eventTypes);
        // Live segments from now on, so that imports and passing time are tracked.
        await segments.refresh().catch((error: unknown) => {
          console.error('Could not bring the segments up to date', error);
        });
      } finally {
        customersIn();
      }
    })();
  };
  const ensureReady = (): Promise<void> => {
    start();
    return ready as Promise<void>;
  };
  const ensureCustomers = async (): Promise<void> => {
    start();
    await customersReady;
    // A failed start surfaces here too, not only in ensureReady.
    if (eventsLoaded) await ready;
  };

  const summary = async (): Promise<DataSummary> => {
    await ensureCustomers();
    const store = workspace.store;
    return {
      loading: !eventsLoaded,
      customers: store.customerCount,
      events: store.totalEvents,
      attributes: store.attributes().length,
      eventTypes: store.eventTypes().length,
      imports: (await repo.committedImports()).length,
      discardedImports,
      storage: await estimateStorage(),
      load: workspace.lastLoad
    };
  };

  const api: WorkerApi = {
    async init() {
      try {
        await ensureCustomers();
        return ok(await summary());
      } catch (error) {
        ready = undefined;
        return fail(
          issue(
            'open-failed',
            `The local database could not be opened: ${error instanceof Error ? error.message : String(error)}`
          )
        );
      }
    },

    summary,

    async whenLoaded() {
      await ensureReady();
      return summary();
    },

    async sync() {
      await ensureReady();
      await workspace.loadCommitted();
      return summary();
    },

    async inspectFile(file, fileName, options) {
      await ensureReady();
      return importer.inspect(file, fileName, options);
    },

    async importFile(file, fileName, setup, onProgress) {
      await ensureReady();
      return importer.run(file, fileName, setup, onProgress);
    },

    async cancelImport() {
      importer.cancel();
    },

    async loadSampleData(onProgress) {
      await ensureReady();
      const now = options.now?.() ?? Date.now();
      const store = sampleStore(now);
      const customers = csvBlob(CUSTOMER_HEADER, store.customerRows());
      const events = csvBlob(EVENT_HEADER, store.eventRows());
      const total = customers.size + events.size;
      const records: ImportRecord[] = [];
      for (const [file, name, offset] of [
        [customers, 'sample-customers.csv', 0],
        [events, 'sample-events.csv', customers.size]
      ] as const) {
        const inspected = await importer.inspect(file, name, {});
        if (!inspected.ok) return inspected;
        const { setup } = inspected.value;
        const result = await importer.run(file, name, setup, (p: ImportProgress) =>
          onProgress({ ...p, bytesDone: offset + p.bytesDone, totalBytes: total })
        );
        if (!result.ok) return result;
        records.push(result.value);
      }
      return ok(records);
    },

    async importReportCsv(importId) {
      const record = await repo.getImport(importId);
      if (!record) return fail(issue('unknown-import', 'That import no longer exists.'));
      return ok(rejectedRowsToCsv(record.rejectedRows));
    },

    async customers(query) {
      await ensureCustomers();
      return browser.page(query);
    },

    async customer(id) {
      await ensureCustomers();
      const store = workspace.store;
      const i = store.indexOf(id);
      if (i < 0) return notFound(id);
      return ok({
        id,
        attributes: browser.columns().map((def) => ({ def, value: store.value(i, def.key) })),
        eventCount: store.eventCount(i)
      });
    },

    async timeline(id, offset, limit) {
      await ensureReady();
      const store = workspace.store;
      const i = store.indexOf(id);
      if (i < 0) return notFound(id);
      return ok({
        total: store.eventCount(i),
        events: store.events(i, Math.max(0, offset), Math.min(500, Math.max(0, limit)))
      });
    },

    async eventTypes() {
      await ensureReady();
      return [...workspace.store.eventTypes()].sort((a, b) => b.count - a.count);
    },

    async attributes() {
      await ensureCustomers();
      const present = new Map(workspace.store.attributes().map((a) => [a.def.key, a.present]));
      return browser.columns().map((def) => ({ def, present: present.get(def.key) ?? 0 }));
    },

    async settings() {
      const stored = (await db.meta.get(SETTINGS_KEY))?.value as Partial<Settings> | undefined;
      return { ...DEFAULT_SETTINGS, ...stored };
    },

    async saveSettings(settings) {
      await db.meta.put({ key: SETTINGS_KEY, value: settings });
    },

    async segments() {
      await ensureReady();
      return segments.list();
    },

    async segment(id) {
      await ensureReady();
      return segments.get(id);
    },

    async segmentTemplates() {
      await ensureReady();
      return segments.templates();
    },

    async createSegment(input) {
      await ensureReady();
      return segments.create(input);
    },

    async updateSegment(id, change) {
      await ensureReady();
      return segments.update(id, change);
    },

    async duplicateSegment(id) {
      await ensureReady();
      return segments.duplicate(id);
    },

    async freezeSegment(id) {
      await ensureReady();
      return segments.freeze(id);
    },

    async deleteSegment(id) {
      await ensureReady();
      return segments.remove(id);
    },

    async restoreSegment(id) {
      await ensureReady();
      return segments.restore(id);
    },

    async checkQuery(text, segmentId) {
      await ensureReady();
      return segments.checkQuery(text, segmentId);
    },

    async previewSegment(text, savedId, sampleSize) {
      await ensureReady();
      return segments.preview(text, savedId, sampleSize);
    },

    async segmentMembers(id, offset, limit, order) {
      await ensureReady();
      return segments.members(id, offset, limit, order);
    },

    async segmentHistory(id, days) {
      await ensureReady();
      return segments.history(id, days);
    },

    async segmentLog(id, query) {
      await ensureReady();
      return segments.log(id, query);
    },

    async fieldValues(field, typed, limit) {
      await ensureReady();
      const store = workspace.store;
      if ('attribute' in field) {
        return topValues(store.attributeColumn(field.attribute), store.customerCount, typed, limit);
      }
      const table = store.eventTable(field.event);
      return topValues(table?.props.get(field.property), table?.n ?? 0, typed, limit);
    },

    async customerSegments(customerId) {
      await ensureReady();
      return segments.ofCustomer(customerId);
    },

    async exportSegment(id, options, onProgress) {
      await ensureReady();
      return segments.exportMembers(id, options, onProgress);
    },

    async cancelExport() {
      segments.cancelExport();
    },

    async inspectList(file, fileName) {
      await ensureReady();
      return lists.inspect(file, fileName);
    },

    async matchList(file, fileName, setup, onProgress) {
      await ensureReady();
      return lists.match(file, fileName, setup, onProgress);
    },

    async cancelListMatch() {
      lists.cancel();
    },

    async createStaticSegment(name, customerIds) {
      await ensureReady();
      return segments.createStatic(name, customerIds);
    },

    async changeStaticMembers(id, mode, customerIds) {
      await ensureReady();
      return segments.changeStatic(id, mode, customerIds);
    },

    async findSegmentCandidates(id, search, limit) {
      await ensureReady();
      const text = search.trim();
      if (text === '') return ok([]);
      const found = browser.page({
        search: text,
        offset: 0,
        limit: Math.min(50, Math.max(1, limit))
      });
      return segments.candidates(
        id,
        found.rows.map((r) => workspace.store.indexOf(r.id))
      );
    },

    async segmentOverlap(ids) {
      await ensureReady();
      return segments.overlap(ids);
    },

    async exports() {
      return segments.exports();
    },

    async exportFile(exportId) {
      return segments.exportFile(exportId);
    },

    async deleteAllData() {
      importer.cancel();
      await repo.clearAll();
      workspace.reset();
    },

    async setTestClock(offsetMs) {
      if (!setClockOffset(offsetMs)) {
        return fail(issue('no-test-clock', 'This build has no test clock (see VITE_TEST_CLOCK).'));
      }
      await ensureReady();
      return ok(await segments.clockMoved());
    }
  };
  return api;
}

const notFound = <T>(id: string): Result<T> =>
  fail(issue('unknown-customer', `There is no customer with the id “${id}” on this device.`));

/** The generator's rows as a CSV file in memory (the sample store is a few MB). */
function csvBlob(header: readonly string[], rows: Iterable<string[]>): Blob {
  const lines = [toCsvLine(header)];
  for (const row of rows) lines.push(toCsvLine(row));
  return new Blob([lines.join('\n') + '\n'], { type: 'text/csv' });
}
