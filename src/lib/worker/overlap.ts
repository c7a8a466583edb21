// How two or three segments overlap: for every combination of them, how many customers are in exactly
// that combination (the regions of a Venn diagram) and how many are in all of its segments (whatever
// else). Pure: it reads member lists as customer indices.

export interface OverlapRegion {
  /** Positions (into the segments given) of the segments this region is inside, ascending. */
  readonly sets: readonly number[];
  /** Customers in exactly these segments and none of the others. */
  readonly exactly: number;
  /** Customers in all of these segments (the intersection, whatever else they are in). */
  readonly all: number;
}

export interface OverlapCounts {
  /** Size of each segment, in the order given. */
  readonly sizes: readonly number[];
  /** Customers in at least one of them. */
  readonly union: number;
  /** Every non-empty combination, ordered by how many segments it has, then by position. */
  readonly regions: readonly OverlapRegion[];
}

export const MAX_OVERLAP_SETS = 3;

/** The positions of the bits set in `mask`, ascending. */
const setsOf = (mask: number, k: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < k; i++) if (mask & (1 << i)) out.push(i);
  return out;
};

/**
 * Overlap of `members` (each a list of customer indices in [0, n), duplicates ignored). Linear in the
 * members: one byte per customer holds the mask of the segments it is in.
 */
export function computeOverlap(members: readonly ArrayLike<number>[], n: number): OverlapCounts {
  const k = members.length;
  if (k < 1 || k > MAX_OVERLAP_SETS) throw new RangeError(`overlap of 1 to 3 sets, not ${k}`);
  const masks = new Uint8Array(n);
  for (let s = 0; s < k; s++) {
    const list = members[s];
    const bit = 1 << s;
    for (let j = 0; j < list.length; j++) {
      const c = list[j];
      if (c >= 0 && c < n) masks[c] |= bit;
    }
  }
  const exact = new Int32Array(1 << k);
  for (let c = 0; c < n; c++) exact[masks[c]]++;
  const full = (1 << k) - 1;
  const masksInOrder = Array.from({ length: full }, (_, i) => i + 1).sort(
    (a, b) => popcount(a) - popcount(b) || a - b
  );
  const regions = masksInOrder.map((mask) => {
    let all = 0;
    for (let m = mask; m <= full; m++) if ((m & mask) === mask) all += exact[m];
    return { sets: setsOf(mask, k), exactly: exact[mask], all };
  });
  const sizes = Array.from(
    { length: k },
    (_, s) => regions.find((r) => r.sets.length === 1 && r.sets[0] === s)?.all ?? 0
  );
  return { sizes, union: n - exact[0], regions };
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}
