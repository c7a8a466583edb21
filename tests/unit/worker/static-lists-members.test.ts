// The hidden columns behind `in segment "<static>"`: patched in place after add/remove, re-resolved when
// customers arrive, they must always equal a rebuild from scratch (property test); and the store view
// answers them while everything else reads (and writes) the store itself.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ColumnarStore } from '$lib/engine/store';
import { listedKey, StaticMembers } from '$lib/worker/static-members';
import type { SegmentRecord } from '$lib/storage/db';

const record = (members: readonly string[], version: number, name = 'L'): SegmentRecord => ({
  id: 'seg',
  name,
  kind: 'static',
  members: [...members].sort(),
  createdAt: 0,
  updatedAt: 0,
  version
});

const storeOf = (n: number): ColumnarStore => {
  const store = new ColumnarStore();
  store.upsertCustomers({
    ids: Array.from({ length: n }, (_, i) => `c${i}`),
    columns: [{ def: { key: 'x', label: 'x', type: 'number' }, values: Array(n).fill(1) }]
  });
  return store;
};

const listed = (lists: StaticMembers, store: ColumnarStore, name = 'L'): string[] => {
  const view = lists.view(store);
  const out: string[] = [];
  for (let c = 0; c < store.customerCount; c++)
    if (view.value(c, listedKey(name)) === true) out.push(store.idOf(c));
  return out;
};

describe('static members as hidden columns', () => {
  it('the view answers the hidden column and passes the rest (reads and writes) to the store', () => {
    const store = storeOf(3);
    const lists = new StaticMembers();
    lists.sync([record(['c1', 'c9'], 1)], store);
    const view = lists.view(store);
    expect(lists.view(store)).toBe(view);
    expect(view.customerCount).toBe(3);
    expect(view.attributeColumn('x')).toBe(store.attributeColumn('x'));
    expect(view.value(1, listedKey('L'))).toBe(true);
    expect(view.value(0, listedKey('L'))).toBeNull();
    expect(store.attributeColumn(listedKey('L'))).toBeUndefined();
    expect(lists.schema(store.schema()).attributes.map((a) => a.key)).toEqual([
      'x',
      listedKey('L')
    ]);
    // c9 arrives later (an import): the next sync finds it.
    view.upsertCustomers({ ids: ['c9'], columns: [] });
    expect(store.customerCount).toBe(4);
    lists.sync([record(['c1', 'c9'], 1)], store);
    expect(listed(lists, store)).toEqual(['c1', 'c9']);
  });

  it('patching after add/remove always equals a rebuild from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            add: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
            remove: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
            grow: fc.integer({ min: 0, max: 2 })
          }),
          { maxLength: 8 }
        ),
        (steps) => {
          const store = storeOf(8);
          const lists = new StaticMembers();
          let members = new Set<string>();
          let version = 1;
          lists.sync([record([...members], version)], store);
          for (const step of steps) {
            const add = step.add.map((i) => `c${i}`).filter((id) => !members.has(id));
            const remove = step.remove.map((i) => `c${i}`).filter((id) => members.has(id));
            const next = new Set([...members, ...add].filter((id) => !remove.includes(id)));
            const added = [...next].filter((id) => !members.has(id));
            const removed = [...members].filter((id) => !next.has(id));
            members = next;
            const r = record([...members], ++version);
            lists.patch(r, added, removed, store);
            lists.sync([r], store);
            for (let g = 0; g < step.grow; g++)
              store.upsertCustomers({ ids: [`c${store.customerCount}`], columns: [] });
            lists.sync([r], store);
            const fresh = new StaticMembers();
            fresh.sync([r], store);
            expect(listed(lists, store)).toEqual(listed(fresh, store));
          }
        }
      ),
      { numRuns: 200 }
    );
  });
});
