// The fingerprint set behaves exactly like a Set<number> of safe integers (fast-check against Set).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FingerprintSet } from '$lib/worker/fingerprint-set';

describe('FingerprintSet', () => {
  it('agrees with Set<number> on any sequence of adds and lookups', () => {
    const key = fc.oneof(
      fc.constantFrom(0, 1, 2 ** 32, 2 ** 53 - 1),
      fc.integer({ min: 0, max: 40 }),
      fc.maxSafeInteger().map((n) => Math.abs(n))
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 3000 }), (ops) => {
        const model = new Set<number>();
        const set = new FingerprintSet(4);
        for (const [isAdd, k] of ops) {
          if (isAdd) expect(set.add(k)).toBe(!model.has(k));
          else expect(set.has(k)).toBe(model.has(k));
          if (isAdd) model.add(k);
        }
        expect(set.size).toBe(model.size);
      })
    );
  });

  it('merges another set', () => {
    const a = new FingerprintSet();
    const b = new FingerprintSet();
    for (let i = 0; i < 5000; i++) (i % 2 ? a : b).add(i * 2654435761);
    a.addAll(b);
    expect(a.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(a.has(i * 2654435761)).toBe(true);
    expect(a.has(7)).toBe(false);
  });
});
