// Keeps only the newest answer of an async call made repeatedly (a preview per keystroke): each call
// gets a sequence number, and an answer that arrives after a newer call was made is reported stale.

export type Answer<R> = { readonly stale: true } | { readonly stale: false; readonly value: R };

export interface Latest<A extends unknown[], R> {
  (...args: A): Promise<Answer<R>>;
  /** Makes every answer still in flight stale (e.g. when the page goes away). */
  cancel(): void;
}

export function latestOnly<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Latest<A, R> {
  let seq = 0;
  const call = async (...args: A): Promise<Answer<R>> => {
    const mine = ++seq;
    const value = await fn(...args);
    return mine === seq ? { stale: false, value } : { stale: true };
  };
  return Object.assign(call, { cancel: () => void ++seq });
}
