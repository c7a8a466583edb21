// The main thread's handle on the data worker: one module Web Worker, wrapped by Comlink, typed by api.ts.
import * as Comlink from 'comlink';
import type { SyncApi, WorkerApi } from './api';
import { TEST_CLOCK } from './clock';
import { installTestClock } from './test-clock';

let remote: Comlink.Remote<WorkerApi & SyncApi> | undefined;

export function dataWorker(): Comlink.Remote<WorkerApi & SyncApi> {
  if (!remote) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'data'
    });
    remote = Comlink.wrap<WorkerApi & SyncApi>(worker);
    if (TEST_CLOCK) installTestClock(remote);
  }
  return remote;
}

/** Wraps a callback so the worker can call it back (progress reports). */
export const callback = <T extends (...args: never[]) => unknown>(fn: T): T & Comlink.ProxyMarked =>
  Comlink.proxy(fn);
