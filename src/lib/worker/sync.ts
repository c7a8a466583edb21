// Sync in the data worker: schedules sync runs (at start, on reconnect, when a change is queued, on a
// timer, and after failures with exponential backoff and jitter), one at a time across tabs (Web Lock),
// and serves the sync part of the worker's API (settings, connecting, conflict copies, refused changes).
import { liveQuery } from 'dexie';
import { fail, issue, ok, type Result } from '$lib/engine/result';
import type { SegmentsDb } from '$lib/storage/db';
import { SyncRepo } from '$lib/storage/sync-repo';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '$lib/sync/backoff';
import { SyncClient, type SyncRun } from '$lib/sync/client';
import { deviceNameFrom, tokenFromInput } from '$lib/sync/connect-link';
import type { Fetch } from '$lib/sync/http';
import { exclusively } from '$lib/sync/lock';
import type { ExportFile, SyncApi, SyncReport, SyncSettings } from './api';

export interface SyncServiceOptions {
  readonly origin: string;
  readonly fetch: Fetch;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Run on its own (timers, reconnects, queued changes); tests drive runs by hand instead. */
  readonly schedule?: boolean;
  /** How often to sync when all is well (ms). */
  readonly intervalMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly userAgent?: string;
  /** Told when a run changed local segments, so the live segment engine takes them in. */
  readonly onSegmentsChanged?: () => Promise<unknown>;
}

export interface SyncService extends SyncApi {
  /** The file of an export made on another device (fetched once, then kept here). */
  remoteExportFile(id: string): Promise<Result<ExportFile> | null>;
  /** Stops timers and observers (tests). */
  stop(): void;
}

export function createSyncService(db: SegmentsDb, options: SyncServiceOptions): SyncService {
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const repo = new SyncRepo(db);
  const defaultName = deviceNameFrom(
    options.userAgent ?? (globalThis.navigator as Navigator | undefined)?.userAgent ?? ''
  );
  const client = new SyncClient({
    repo,
    fetch: options.fetch,
    origin: options.origin,
    now,
    deviceName: defaultName,
    autoCreate: true,
    exclusive: exclusively
  });
  const interval = options.intervalMs ?? 30_000;

  let running: Promise<SyncRun> | null = null;
  let again = false;
  let failures = 0;
  let waitingForUser = false;
  let online = (globalThis.navigator as Navigator | undefined)?.onLine ?? true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const arm = (delay: number): void => {
    if (!options.schedule || stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runNow(), delay);
  };

  const afterRun = async (run: SyncRun): Promise<void> => {
    if (run.segmentsChanged) {
      await options.onSegmentsChanged?.().catch((error: unknown) => {
        console.error('Could not bring the segments up to date after a sync', error);
      });
    }
    if (run.ok) {
      failures = 0;
      waitingForUser = false;
      arm(interval);
      return;
    }
    if (run.reason !== 'retry') {
      // Nothing to retry until the user connects (again): no timer.
      waitingForUser = true;
      clearTimeout(timer);
      return;
    }
    failures++;
    const delay = backoffDelay(
      failures,
      random,
      options.backoff ?? DEFAULT_BACKOFF,
      run.retryAfterMs
    );
    await repo.setStatus({
      state: online ? 'retrying' : 'offline',
      message: run.message,
      nextAttemptAt: now() + delay
    });
    arm(delay);
  };

  /** One run at a time in this worker; a request during a run makes one more run after it. */
  const runNow = (): Promise<SyncRun> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let run: SyncRun;
      do {
        again = false;
        try {
          run = await client.run();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          console.error('Sync failed', error);
          await repo.setStatus({ state: 'retrying', message }).catch(() => undefined);
          run = { ok: false, reason: 'retry', message, ...EMPTY_COUNTS };
        }
        await afterRun(run);
      } while (again && run.ok);
      return run;
    })().finally(() => (running = null));
    return running;
  };

  // Sync soon after a change is queued (here or in another tab), unless backing off after failures.
  let lastPending = -1;
  const subscription = options.schedule
    ? liveQuery(() => repo.pendingCount()).subscribe({
        next: (pending) => {
          const grew = pending > lastPending && lastPending >= 0;
          lastPending = pending;
          if (grew && failures === 0 && !waitingForUser) arm(300);
        },
        error: (error: unknown) => console.error('Could not watch the outbox', error)
      })
    : null;
  const goOnline = (): void => {
    online = true;
    failures = 0;
    if (!waitingForUser) void runNow();
  };
  const goOffline = (): void => {
    online = false;
    void repo.setStatus({ state: 'offline', message: 'No network: changes wait on this device.' });
  };
  if (options.schedule) {
    globalThis.addEventListener?.('online', goOnline);
    globalThis.addEventListener?.('offline', goOffline);
    arm(0);
  }

  const settings = async (): Promise<SyncSettings> => {
    const [workspace, device] = await Promise.all([repo.workspace(), repo.device(defaultName)]);
    return {
      workspace: workspace
        ? { id: workspace.workspaceId, name: workspace.name, token: workspace.token }
        : null,
      device: { id: device.deviceId, name: device.deviceName }
    };
  };

  const report = (run: SyncRun): SyncReport => ({
    ok: run.ok,
    message: run.ok
      ? `Synced: ${run.pushed} change${run.pushed === 1 ? '' : 's'} sent, ${run.pulled} received.`
      : run.message,
    pushed: run.pushed,
    pulled: run.pulled,
    uploaded: run.uploaded,
    rejected: run.rejected
  });

  const segmentsChanged = async (): Promise<void> => {
    await options.onSegmentsChanged?.();
    // The change was queued: send it soon.
    if (!waitingForUser) arm(300);
  };

  return {
    async syncNow() {
      failures = 0;
      return report(await runNow());
    },

    async setOnline(isOnline) {
      if (isOnline === online) return;
      if (isOnline) goOnline();
      else goOffline();
    },

    syncSettings: settings,

    async connectWorkspace(input) {
      const token = tokenFromInput(input);
      if (!token) {
        return fail(
          issue('bad-token', 'Paste the access token or the connect link of the workspace.')
        );
      }
      const connected = await client.connect(token);
      if (!connected.ok) return fail(issue('connect-failed', connected.message));
      waitingForUser = false;
      failures = 0;
      void runNow();
      return ok(await settings());
    },

    async renameDevice(name) {
      const tidy = name.replace(/\s+/g, ' ').trim();
      if (tidy === '' || tidy.length > 100) {
        return fail(issue('bad-device-name', 'Give this device a name of 1 to 100 characters.'));
      }
      await repo.renameDevice(tidy, defaultName);
      return ok(await settings());
    },

    async restoreConflictCopy(id) {
      const restored = await repo.restoreConflictCopy(id, now());
      if (!restored) return fail(issue('unknown-copy', 'That conflict copy is no longer here.'));
      await segmentsChanged();
      return ok(undefined);
    },

    async discardConflictCopy(id) {
      if (!(await repo.discardConflictCopy(id, now()))) {
        return fail(issue('unknown-copy', 'That conflict copy is no longer here.'));
      }
      await segmentsChanged();
      return ok(undefined);
    },

    async retrySyncItem(seq) {
      await repo.retry(seq);
      failures = 0;
      void runNow();
    },

    async dismissSyncItem(seq) {
      await repo.dismiss(seq);
    },

    async remoteExportFile(id) {
      const record = await db.exports.get(id);
      if (!record?.remote) return null;
      const cached = await db.exportFiles.get(id);
      if (cached) return ok({ fileName: record.fileName, csv: cached.csv });
      const outcome = await client.downloadExport(id);
      if (outcome.kind !== 'ok') {
        return fail(
          issue(
            'export-unavailable',
            `This export was made on another device and could not be downloaded: ${outcome.message}`
          )
        );
      }
      await repo.cacheExportFile(id, outcome.value);
      return ok({ fileName: record.fileName, csv: outcome.value });
    },

    stop() {
      stopped = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      globalThis.removeEventListener?.('online', goOnline);
      globalThis.removeEventListener?.('offline', goOffline);
    }
  };
}

const EMPTY_COUNTS = {
  pushed: 0,
  rejected: 0,
  uploaded: 0,
  pulled: 0,
  segmentsChanged: false,
  exportsChanged: false
};
