// Registers the service worker with workbox-window and reports when a new version is waiting.
import { Workbox } from 'workbox-window';

export interface PwaHooks {
  onUpdateReady(activate: () => void): void;
  onOfflineReady?(): void;
}

export function registerServiceWorker(hooks: PwaHooks): void {
  if (!('serviceWorker' in navigator)) return;
  const wb = new Workbox('/service-worker.js', {
    type: import.meta.env.DEV ? 'module' : 'classic'
  });
  wb.addEventListener('waiting', () => {
    hooks.onUpdateReady(() => {
      // Reload once the new worker controls the page, so the page and its assets match.
      wb.addEventListener('controlling', () => window.location.reload());
      wb.messageSkipWaiting();
    });
  });
  wb.addEventListener('installed', (event) => {
    if (!event.isUpdate) hooks.onOfflineReady?.();
  });
  void wb.register();
}
