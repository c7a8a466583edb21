// One sync run at a time across the tabs' data workers and the service worker: a Web Lock.
export const SYNC_LOCK = 'segments-sync';

/** Runs `run` holding the sync Web Lock where there is one (not in Node tests). */
export function exclusively<T>(run: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? locks.request(SYNC_LOCK, run) : run();
}
