// Chunk columns survive the trip to IndexedDB's representation and back unchanged.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeColumn, decodeStrings, encodeColumn, encodeStrings } from '$lib/storage/data-repo';
import type { Value, ValueType } from '$lib/engine/schema';

describe('string chunk encoding', () => {
  it('round-trips any strings and missing values, small and large dictionaries alike', async () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.oneof(fc.constantFrom('a', 'b', ''), fc.string()), { nil: null }), {
          maxLength: 300
        }),
        (values) => {
          expect(decodeStrings(encodeStrings(values))).toEqual(values);
        }
      )
    );
  });

  it('round-trips typed columns with missing values', () => {
    const cases: [ValueType, fc.Arbitrary<Value>][] = [
      ['number', fc.double({ noNaN: true })],
      ['date', fc.integer({ min: -8.64e12, max: 8.64e12 })],
      ['boolean', fc.boolean()],
      ['string', fc.string()]
    ];
    for (const [type, value] of cases) {
      fc.assert(
        fc.property(fc.array(fc.option(value, { nil: null }), { maxLength: 200 }), (values) => {
          const def = { key: 'k', label: 'K', type };
          expect(decodeColumn(encodeColumn({ def, values })).values).toEqual(values);
        })
      );
    }
  });
});
