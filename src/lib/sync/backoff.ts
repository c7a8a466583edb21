// Retry delays for sync after a failure: exponential in the number of failures in a row, capped, with
// "full jitter" (a uniform draw below the exponential bound) so that many devices coming back at once
// after an outage do not knock on the server in step.
export interface BackoffPolicy {
  /** The bound after the first failure, in ms. */
  readonly baseMs: number;
  /** The bound never exceeds this. */
  readonly maxMs: number;
  /** The smallest delay returned (so a lucky draw never means an immediate hammer). */
  readonly minMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 5 * 60_000, minMs: 500 };

/** The upper bound of the delay after `failures` failures in a row (failures >= 1). */
export function backoffBound(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/**
 * The delay before the next try after `failures` failures in a row; `random` returns [0, 1). A
 * server's Retry-After (ms), when given, is a floor.
 */
export function backoffDelay(
  failures: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  retryAfterMs = 0
): number {
  const bound = backoffBound(failures, policy);
  return Math.max(policy.minMs, Math.floor(random() * bound), retryAfterMs);
}
