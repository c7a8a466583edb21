// The worker's notion of now. In production it is Date.now(); a test build (VITE_TEST_CLOCK=1 at build
// time) lets Playwright move it with an offset, so that time passing can be tested. In a production
// build TEST_CLOCK is the constant false and the offset stays 0.

/** Whether this build lets tests move the clock (statically replaced by Vite at build time). */
export const TEST_CLOCK: boolean = import.meta.env.VITE_TEST_CLOCK === '1';

/** Where a test build keeps the offset across reloads (the main thread's localStorage). */
export const TEST_CLOCK_KEY = 'segments:test-clock-offset';

let offset = 0;

/** Epoch ms, as the worker sees it. */
export function now(): number {
  return Date.now() + offset;
}

/**
 * Moves the clock so that now() runs `ms` ahead of the real time (a test build only; elsewhere it
 * returns false and changes nothing).
 */
export function setClockOffset(ms: number): boolean {
  if (!TEST_CLOCK || !Number.isFinite(ms)) return false;
  offset = ms;
  return true;
}
