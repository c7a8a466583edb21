// The editor's guard against stale answers: when answers arrive out of order, only the newest call's
// answer is used.
import { describe, expect, it } from 'vitest';
import { latestOnly } from '$lib/state/latest';

const deferred = <T>() => {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('latestOnly', () => {
  it('reports an older answer arriving after a newer call as stale', async () => {
    const slow = deferred<string>();
    const fast = deferred<string>();
    const ask = latestOnly((d: { promise: Promise<string> }) => d.promise);
    const first = ask(slow);
    const second = ask(fast);
    fast.resolve('new');
    expect(await second).toEqual({ stale: false, value: 'new' });
    slow.resolve('old');
    expect(await first).toEqual({ stale: true });
  });

  it('cancel makes answers in flight stale', async () => {
    const d = deferred<number>();
    const ask = latestOnly(() => d.promise);
    const pending = ask();
    ask.cancel();
    d.resolve(1);
    expect(await pending).toEqual({ stale: true });
  });
});
