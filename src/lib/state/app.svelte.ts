// App-wide UI state: connectivity, service-worker updates, notices, and the data summary the pages show.
import { dataWorker } from '$lib/worker/client';
import type { DataSummary } from '$lib/worker/api';

export interface NoticeAction {
  readonly label: string;
  readonly run: () => void;
}

export interface Notice {
  readonly id: number;
  readonly kind: 'info' | 'error';
  readonly text: string;
  /** A button next to the text, such as Undo. */
  readonly action?: NoticeAction;
}

class AppState {
  online = $state(true);
  /** Set when a new version is installed and waiting: calling it activates it and reloads. */
  activateUpdate = $state<(() => void) | null>(null);
  offlineReady = $state(false);
  summary = $state<DataSummary | null>(null);
  notices = $state<Notice[]>([]);
  #nextNotice = 1;

  notify(text: string, kind: Notice['kind'] = 'info', action?: NoticeAction): void {
    const id = this.#nextNotice++;
    this.notices = [...this.notices, { id, kind, text, action }];
    // A notice with an action stays longer, so that keyboard and screen-reader users can reach it.
    if (kind === 'info') setTimeout(() => this.dismiss(id), action ? 12000 : 6000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Asks the worker for fresh counts (after an import, or when another tab imported). */
  async refreshSummary(): Promise<void> {
    try {
      this.summary = await dataWorker().summary();
    } catch (error) {
      handleError(error, 'Could not read the local data');
    }
  }
}

export const app = new AppState();

/**
 * Asks the browser to keep this origin's data under storage pressure (Chromium decides from site
 * engagement; an installed app is granted). Called when the user first stores data.
 */
export async function requestPersistentStorage(): Promise<void> {
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) {
      await navigator.storage.persist();
    }
  } catch {
    // Not granted or not supported: the data is still stored, only without the guarantee.
  }
}

/** The one place unexpected failures go: the user is told something useful, the console gets the rest. */
export function handleError(error: unknown, context: string): void {
  console.error(context, error);
  const detail = error instanceof Error ? error.message : String(error);
  app.notify(`${context}: ${detail}`, 'error');
}
