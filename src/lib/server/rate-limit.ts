// Per-key token buckets: each key (a token's hash, or a client address) may make `burst` requests at
// once and `perSecond` on average; past that the caller is told how long to wait (Retry-After).

export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_KEYS = 10_000;

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now()
  ) {}

  /** Takes one token for `key`: 0 when allowed, else the seconds to wait before the next try. */
  take(key: string): number {
    const now = this.now();
    const { perSecond, burst } = this.limit;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_KEYS) this.#evictFull(now);
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Forgets buckets that have refilled (they behave like new ones), so memory stays bounded. */
  #evictFull(now: number): void {
    const { perSecond, burst } = this.limit;
    for (const [key, b] of this.#buckets)
      if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(key);
    if (this.#buckets.size >= MAX_KEYS) this.#buckets.clear();
  }
}
