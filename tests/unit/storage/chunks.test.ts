// Chunk columns survive the trip to IndexedDB's representation and back unchanged, and the store
// ingests them encoded exactly as it would the decoded batches.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeColumn,
  decodeCustomerChunk,
  decodeEventChunk,
  decodeStrings,
  encodeColumn,
  encodeStrings,
  selectEventRows
} from '$lib/storage/data-repo';
import { ColumnarStore } from '$lib/engine/store';
import { encodeCustomerColumns, encodeEventColumns } from '$lib/worker/import-stage';
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

  it('round-trips long columns of nearly distinct values (encoded without hashing)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 3000 }),
        fc.integer({ min: 2, max: 50 }),
        (n, every) => {
          // Distinct values with repeats and gaps: nearly all distinct, or not quite.
          const values = Array.from({ length: n }, (_, i) =>
            i % every === 0 ? null : i % (every + 1) === 0 ? 'same' : `v${i % (n - every)}`
          );
          const encoded = encodeStrings(values);
          expect(decodeStrings(encoded)).toEqual(values);
          expect(encoded.dict.length).toBeLessThanOrEqual(n);
        }
      ),
      { numRuns: 30 }
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

describe('ingesting encoded chunks', () => {
  const types: ValueType[] = ['number', 'date', 'boolean', 'string'];
  const valueOf = (type: ValueType): fc.Arbitrary<Value> =>
    type === 'boolean'
      ? fc.boolean()
      : type === 'string'
        ? fc.constantFrom('x', 'y', 'Zed', ' z ', '')
        : fc.integer({ min: -1000, max: 1000 });
  const column = (keys: readonly string[], rows: number) =>
    fc
      .record({ key: fc.constantFrom(...keys), type: fc.constantFrom(...types) })
      .chain(({ key, type }) =>
        fc
          .array(fc.option(valueOf(type), { nil: null, freq: 3 }), {
            minLength: rows,
            maxLength: rows
          })
          .map((values) => ({ def: { key, label: key.toUpperCase(), type }, values }))
      );
  const ids = fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5', 'c6');
  const customers = fc.integer({ min: 0, max: 8 }).chain((rows) =>
    fc.record({
      ids: fc.array(ids, { minLength: rows, maxLength: rows }),
      columns: fc.uniqueArray(column(['city', 'spent', 'vip'], rows), {
        selector: (c) => c.def.key,
        maxLength: 3
      })
    })
  );
  const events = fc.integer({ min: 0, max: 12 }).chain((rows) =>
    fc.record({
      customerIds: fc.array(ids, { minLength: rows, maxLength: rows }),
      names: fc.array(fc.constantFrom('Viewed', 'viewed ', 'Purchased', 'Opened'), {
        minLength: rows,
        maxLength: rows
      }),
      timestamps: fc
        .array(fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.constant(NaN)), {
          minLength: rows,
          maxLength: rows
        })
        .map((t) => Float64Array.from(t)),
      properties: fc.uniqueArray(column(['amount', 'category', 'gift'], rows), {
        selector: (c) => c.def.key,
        maxLength: 3
      })
    })
  );
  const snapshot = (store: ColumnarStore) => ({
    ids: Array.from({ length: store.customerCount }, (_, i) => store.idOf(i)),
    attributes: store.attributes(),
    values: Array.from({ length: store.customerCount }, (_, i) =>
      store.attributes().map((a) => store.value(i, a.def.key))
    ),
    eventTypes: store.eventTypes(),
    events: Array.from({ length: store.customerCount }, (_, i) => store.events(i, 0, 100)),
    total: store.totalEvents
  });

  it('gives the same store as decoding the chunks and upserting or adding them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            customers.map((c) => ({ c })),
            events.map((e) => ({ e }))
          ),
          {
            maxLength: 6
          }
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        (batches, dropped) => {
          const decoded = new ColumnarStore();
          const encoded = new ColumnarStore();
          for (const batch of batches) {
            if ('c' in batch) {
              const chunk = encodeCustomerColumns(batch.c);
              const a = decoded.upsertCustomers(decodeCustomerChunk(chunk));
              const b = encoded.ingestEncoded(chunk);
              expect(b).toMatchObject({ ...a, touched: a.touched });
            } else {
              const fingerprints = batch.e.customerIds.map((_, i) => i);
              // Some rows dropped as duplicates: the dictionaries keep entries no row uses.
              const keep = Int32Array.from(fingerprints.filter((i) => !dropped.includes(i)));
              const chunk = selectEventRows(encodeEventColumns(batch.e, fingerprints), keep);
              const a = decoded.addEvents(decodeEventChunk(chunk));
              const b = encoded.ingestEncoded(chunk);
              expect(b).toMatchObject({ ...a, touched: a.touched });
            }
          }
          expect(snapshot(encoded)).toEqual(snapshot(decoded));
        }
      )
    );
  });

  it('selects rows of an encoded chunk as filtering the decoded rows would', () => {
    fc.assert(
      fc.property(events, fc.array(fc.boolean(), { maxLength: 12 }), (batch, mask) => {
        const n = batch.customerIds.length;
        const fingerprints = Array.from({ length: n }, (_, i) => i * 3);
        const keep = Int32Array.from(
          fingerprints.map((_, i) => i).filter((i) => mask[i] !== false)
        );
        const chunk = encodeEventColumns(batch, fingerprints);
        const selected = decodeEventChunk(selectEventRows(chunk, keep));
        const all = decodeEventChunk(chunk);
        const pick = <T>(xs: ArrayLike<T>) => Array.from(keep, (i) => xs[i]);
        expect(selected.customerIds).toEqual(pick(all.customerIds));
        expect(selected.names).toEqual(pick(all.names));
        expect(Array.from(selected.timestamps)).toEqual(pick(all.timestamps));
        expect(Array.from(selectEventRows(chunk, keep).fingerprints)).toEqual(pick(fingerprints));
        expect(selected.properties.map((p) => p.values)).toEqual(
          all.properties.map((p) => pick(p.values))
        );
      })
    );
  });
});
