// The test clock's handle in the page (test builds only): Playwright calls window.__segmentsClock to move
// the worker's now; the offset is kept in localStorage so that it holds across reloads, and is sent to
// every new worker before anything else.
import type { Remote } from 'comlink';
import type { WorkerApi } from './api';
import { TEST_CLOCK_KEY } from './clock';

export interface TestClockHandle {
  /** The worker's now (epoch ms), as this page last set it. */
  now(): number;
  /** Moves the worker's now to `at` (it keeps running from there); resolves once flips are applied. */
  set(at: number): Promise<number>;
}

declare global {
  interface Window {
    __segmentsClock?: TestClockHandle;
  }
}

const storedOffset = (): number => {
  const n = Number(localStorage.getItem(TEST_CLOCK_KEY) ?? '0');
  return Number.isFinite(n) ? n : 0;
};

export function installTestClock(remote: Remote<WorkerApi>): void {
  const offset = storedOffset();
  // Comlink delivers calls in order: this one reaches the worker before init().
  if (offset !== 0) void remote.setTestClock(offset);
  window.__segmentsClock = {
    now: () => Date.now() + storedOffset(),
    async set(at) {
      const next = at - Date.now();
      localStorage.setItem(TEST_CLOCK_KEY, String(next));
      const result = await remote.setTestClock(next);
      if (!result.ok) throw new Error(result.issues.map((i) => i.message).join(' '));
      return result.value;
    }
  };
}
