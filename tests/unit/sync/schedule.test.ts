// The worker's sync scheduling with real timers: after failures it tries again by itself with growing
// delays (the backoff bound, here drawn at its top), records when the next try is due, and recovers on
// its own when the server is back; plus reading a pasted token or connect link.
import { describe, expect, it } from 'vitest';
import { freshDb } from '../../builders/data-service';
import { createSyncService } from '$lib/worker/sync';
import { SyncRepo } from '$lib/storage/sync-repo';
import { backoffBound, type BackoffPolicy } from '$lib/sync/backoff';
import { connectLink, deviceNameFrom, tokenFromInput } from '$lib/sync/connect-link';
import { ProtocolServer } from './protocol-server';

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('sync scheduling', () => {
  it('retries after failures with growing delays, and recovers by itself', async () => {
    const server = new ProtocolServer();
    let down = true;
    const attempts: number[] = [];
    const fetch = async (input: string, init?: RequestInit) => {
      attempts.push(performance.now());
      if (down) throw new TypeError('Failed to fetch');
      return server.fetch(input, init);
    };
    const policy: BackoffPolicy = { baseMs: 40, maxMs: 1_000, minMs: 10 };
    const db = freshDb();
    const repo = new SyncRepo(db);
    const sync = createSyncService(db, {
      origin: 'http://127.0.0.1',
      fetch,
      schedule: true,
      intervalMs: 60_000,
      backoff: policy,
      random: () => 0.999,
      userAgent: 'test'
    });
    try {
      // (Between tries the status says when the next is due; during one it says syncing.)
      await until(async () => attempts.length >= 4 && (await repo.status()).state === 'retrying');
      const status = await repo.status();
      expect(status.message).toMatch(/could not be reached/);
      expect(status.nextAttemptAt).toBeGreaterThan(status.lastAttemptAt ?? Infinity);
      // Timers never fire early: each gap is at least the delay drawn for that many failures.
      for (let i = 1; i < 4; i++) {
        expect(attempts[i] - attempts[i - 1]).toBeGreaterThanOrEqual(
          Math.floor(0.999 * backoffBound(i, policy)) - 2
        );
      }
      down = false;
      await until(async () => (await repo.status()).state === 'idle');
      expect((await repo.workspace())?.token).toBe(server.token);
      expect((await repo.status()).lastSuccessAt).toBeDefined();
    } finally {
      sync.stop();
    }
  });
});

describe('connect links', () => {
  it('reads the token from a connect link or a bare token, and nothing else', () => {
    const link = connectLink('https://app.example', 'abc/def+=');
    expect(link).toBe('https://app.example/sync#join=abc%2Fdef%2B%3D');
    expect(tokenFromInput(link)).toBe('abc/def+=');
    expect(tokenFromInput('  tok_123  ')).toBe('tok_123');
    expect(tokenFromInput('')).toBeNull();
    expect(tokenFromInput('https://app.example/sync')).toBeNull();
    expect(tokenFromInput('two words')).toBeNull();
    expect(tokenFromInput('https://app.example/sync#other=1')).toBeNull();
  });

  it('names the device from its browser', () => {
    expect(
      deviceNameFrom(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36'
      )
    ).toBe('Chrome on Linux');
    expect(
      deviceNameFrom('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5; rv:128.0) Gecko Firefox/128.0')
    ).toBe('Firefox on macOS');
  });
});
