// A small, fast, seedable PRNG (mulberry32) and the draws the sample generator needs. Streams are
// derived from (seed, index, stream) by hashing, so any customer's numbers can be replayed alone.

const fmix32 = (input: number): number => {
  let h = input | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** A 32-bit seed for stream `stream` of item `index` under the user's `seed` (any safe integer). */
export const deriveSeed = (seed: number, index: number, stream: number): number => {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x9e3779b9);
  h = fmix32(h ^ hi ^ 0x7f4a7c15);
  h = fmix32(h ^ Math.imul(index >>> 0, 0x27d4eb2d));
  h = fmix32(h ^ Math.floor(index / 4294967296) ^ Math.imul(stream + 1, 0x165667b1));
  return h;
};

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box-Muller; one value per call keeps replay simple). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Exponential with mean 1. */
  exponential(): number {
    return -Math.log(1 - this.next());
  }

  /** Index drawn from cumulative weights (ascending, last = total). */
  weighted(cumulative: readonly number[]): number {
    const x = this.next() * cumulative[cumulative.length - 1];
    let i = 0;
    while (i < cumulative.length - 1 && cumulative[i] <= x) i++;
    return i;
  }
}

/** Running sums of `weights`, for `Rng.weighted`. */
export const cumulate = (weights: readonly number[]): readonly number[] => {
  let total = 0;
  return weights.map((w) => (total += w));
};
