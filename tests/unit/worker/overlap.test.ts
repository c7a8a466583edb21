// Overlap of two or three segments: every region's "exactly" and "all" counts, checked against a model
// built from Sets on random member lists, plus a hand-worked example.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeOverlap } from '$lib/worker/overlap';

/** The reference: for each combination, count customers by set membership, one by one. */
function model(members: readonly number[][], n: number) {
  const sets = members.map((m) => new Set(m.filter((c) => c >= 0 && c < n)));
  const k = sets.length;
  const regions: { sets: number[]; exactly: number; all: number }[] = [];
  for (let mask = 1; mask < 1 << k; mask++) {
    const inside = [...Array(k).keys()].filter((i) => mask & (1 << i));
    let exactly = 0;
    let all = 0;
    for (let c = 0; c < n; c++) {
      const inAll = inside.every((i) => sets[i].has(c));
      if (inAll) all++;
      if (inAll && sets.every((s, i) => inside.includes(i) || !s.has(c))) exactly++;
    }
    regions.push({ sets: inside, exactly, all });
  }
  let union = 0;
  for (let c = 0; c < n; c++) if (sets.some((s) => s.has(c))) union++;
  return { sizes: sets.map((s) => s.size), union, regions };
}

const byKey = (regions: readonly { sets: readonly number[] }[]) =>
  [...regions].sort((a, b) => a.sets.join().localeCompare(b.sets.join()));

describe('computeOverlap', () => {
  it('counts the regions of a small example by hand', () => {
    // A = {0,1,2,3}, B = {2,3,4}, C = {3,5}; customer 6 is in none.
    const r = computeOverlap(
      [
        [0, 1, 2, 3],
        [2, 3, 4],
        [3, 5]
      ],
      7
    );
    expect(r.sizes).toEqual([4, 3, 2]);
    expect(r.union).toBe(6);
    expect(r.regions.map((x) => [x.sets.join('&'), x.exactly, x.all])).toEqual([
      ['0', 2, 4],
      ['1', 1, 3],
      ['2', 1, 2],
      ['0&1', 1, 2],
      ['0&2', 0, 1],
      ['1&2', 0, 1],
      ['0&1&2', 1, 1]
    ]);
  });

  it('ignores duplicates and indices outside the data', () => {
    const r = computeOverlap(
      [
        [1, 1, 2, 99],
        [2, -1]
      ],
      3
    );
    expect(r.sizes).toEqual([2, 1]);
    expect(r.regions.find((x) => x.sets.length === 2)).toEqual({
      sets: [0, 1],
      exactly: 1,
      all: 1
    });
  });

  it('refuses more than three sets', () => {
    expect(() => computeOverlap([[], [], [], []], 1)).toThrow(RangeError);
  });

  it('agrees with the model on random member lists (2 and 3 sets)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 2, max: 3 }).chain((k) =>
          fc.array(fc.array(fc.integer({ min: 0, max: 45 }), { maxLength: 30 }), {
            minLength: k,
            maxLength: k
          })
        ),
        (n, members) => {
          const got = computeOverlap(members, n);
          const want = model(members, n);
          expect(got.sizes).toEqual(want.sizes);
          expect(got.union).toBe(want.union);
          expect(byKey(got.regions)).toEqual(byKey(want.regions));
          // The exact regions partition the union.
          expect(got.regions.reduce((s, r) => s + r.exactly, 0)).toBe(got.union);
        }
      ),
      { numRuns: 300 }
    );
  });
});
