// Sync as the UI sees it: the status, pending and refused changes and conflict copies observed from
// storage, each record's badge state, and the user's sync actions (sync now, connect a workspace, name
// this device, restore or discard a conflict copy, retry or dismiss a refused change), run in the worker.
import type { Result } from '$lib/engine/result';
import {
  observeRecordSync,
  observeSyncOverview,
  type RecordSyncState,
  type SyncOverview
} from '$lib/storage/sync-live';
import type { SyncSettings } from '$lib/worker/api';
import { dataWorker } from '$lib/worker/client';
import { app, handleError } from './app.svelte';

/** The Background Sync tag the service worker answers (src/service-worker.ts). */
export const BACKGROUND_SYNC_TAG = 'segments-sync';

interface SyncRegistration {
  readonly sync?: { register(tag: string): Promise<void> };
}

class SyncUiState {
  overview = $state<SyncOverview | null>(null);
  records = $state<ReadonlyMap<string, RecordSyncState>>(new Map());
  settings = $state<SyncSettings | null>(null);
  busy = $state(false);

  /** Observes sync until the returned function is called; tells the worker about the network. */
  watch(): () => void {
    const stopOverview = observeSyncOverview(
      (overview) => {
        this.overview = overview;
        if (overview.pending > 0 && !navigator.onLine) void this.#registerBackgroundSync();
      },
      (error) => handleError(error, 'Could not read the sync status')
    );
    const stopRecords = observeRecordSync(
      (records) => (this.records = records),
      (error) => handleError(error, 'Could not read the sync status')
    );
    const online = () => void dataWorker().setOnline(true);
    const offline = () => {
      void dataWorker().setOnline(false);
      if ((this.overview?.pending ?? 0) > 0) void this.#registerBackgroundSync();
    };
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      stopOverview();
      stopRecords();
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }

  stateOf(id: string): RecordSyncState {
    return this.records.get(id) ?? 'local';
  }

  /** Asks the browser to run a sync from the service worker once the network is back. */
  async #registerBackgroundSync(): Promise<void> {
    try {
      if (!('serviceWorker' in navigator)) return;
      const registration = (await navigator.serviceWorker.ready) as SyncRegistration;
      await registration.sync?.register(BACKGROUND_SYNC_TAG);
    } catch {
      // Not supported or not allowed: the worker syncs on reconnect and on its timer anyway.
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await dataWorker().syncSettings();
    } catch (error) {
      handleError(error, 'Could not read the sync settings');
    }
  }

  async syncNow(): Promise<void> {
    this.busy = true;
    try {
      const report = await dataWorker().syncNow();
      app.notify(report.message, report.ok ? 'info' : 'error');
    } catch (error) {
      handleError(error, 'Could not sync');
    } finally {
      this.busy = false;
    }
  }

  async connect(tokenOrLink: string): Promise<Result<SyncSettings>> {
    return this.#settingsAction(
      () => dataWorker().connectWorkspace(tokenOrLink),
      'Could not connect'
    );
  }

  async renameDevice(name: string): Promise<Result<SyncSettings>> {
    return this.#settingsAction(() => dataWorker().renameDevice(name), 'Could not rename');
  }

  async #settingsAction(
    run: () => Promise<Result<SyncSettings>>,
    context: string
  ): Promise<Result<SyncSettings>> {
    this.busy = true;
    try {
      const r = await run();
      if (r.ok) this.settings = r.value;
      return r;
    } catch (error) {
      handleError(error, context);
      return { ok: false, issues: [] };
    } finally {
      this.busy = false;
    }
  }

  async restoreCopy(id: string, name: string): Promise<void> {
    await this.#copyAction(() => dataWorker().restoreConflictCopy(id), `Restored “${name}”.`);
  }

  async discardCopy(id: string, name: string): Promise<void> {
    await this.#copyAction(() => dataWorker().discardConflictCopy(id), `Discarded “${name}”.`);
  }

  async #copyAction(run: () => Promise<Result<void>>, done: string): Promise<void> {
    try {
      const r = await run();
      if (r.ok) app.notify(done);
      else app.notify(r.issues.map((i) => i.message).join(' '), 'error');
    } catch (error) {
      handleError(error, 'Could not change the conflict copy');
    }
  }

  async retry(seq: number): Promise<void> {
    try {
      await dataWorker().retrySyncItem(seq);
    } catch (error) {
      handleError(error, 'Could not retry');
    }
  }

  async dismiss(seq: number): Promise<void> {
    try {
      await dataWorker().dismissSyncItem(seq);
    } catch (error) {
      handleError(error, 'Could not dismiss');
    }
  }
}

export const sync = new SyncUiState();
