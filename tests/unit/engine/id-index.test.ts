// IdIndex against a Map: same indices for the same ids, through table growth and colliding probes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../src/lib/engine/id-index';

describe('IdIndex', () => {
  it('gives each id the index a Map would, across growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ max: 5000 }).map(String)), {
          maxLength: 3000
        }),
        (ids) => {
          const index = new IdIndex();
          const model = new Map<string, number>();
          for (const id of ids) {
            if (!model.has(id)) model.set(id, model.size);
            expect(index.getOrAdd(id)).toBe(model.get(id));
          }
          expect(index.size).toBe(model.size);
          for (const [id, i] of model) expect(index.get(id)).toBe(i);
          expect(index.get('\u0000absent')).toBe(-1);
          expect(index.ids).toEqual([...model.keys()]);
        }
      ),
      { numRuns: 60 }
    );
  });
});
