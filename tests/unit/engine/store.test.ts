import { describe, expect, it } from 'vitest';
import { Column } from '../../../src/lib/engine/column';
import { ColumnarStore } from '../../../src/lib/engine/store';
import type { FieldDef } from '../../../src/lib/engine/schema';

const f = (key: string, type: FieldDef['type'], label = key): FieldDef => ({ key, label, type });

describe('ColumnarStore customers', () => {
  it('upserts by external id, changing only present columns', () => {
    const s = new ColumnarStore();
    const r1 = s.upsertCustomers({
      ids: ['a', 'b'],
      columns: [
        { def: f('city', 'string', 'City'), values: ['Pune', 'Delhi'] },
        { def: f('total_spent', 'number'), values: [10, null] }
      ]
    });
    expect(r1).toEqual({ inserted: 2, updated: 0, touched: [0, 1] });
    const r2 = s.upsertCustomers({
      ids: ['b', 'c'],
      columns: [{ def: f('total_spent', 'number'), values: [5, 7] }]
    });
    expect(r2).toEqual({ inserted: 1, updated: 1, touched: [1, 2] });
    expect(s.customerCount).toBe(3);
    expect(s.value(1, 'city')).toBe('Delhi');
    expect(s.value(1, 'total_spent')).toBe(5);
    expect(s.value(2, 'city')).toBeNull();
    expect(s.indexOf('c')).toBe(2);
    expect(s.indexOf('zz')).toBe(-1);
    expect(s.idOf(0)).toBe('a');
    expect(s.attributes()).toEqual([
      { def: f('city', 'string', 'City'), present: 2 },
      { def: f('total_spent', 'number'), present: 3 }
    ]);
  });

  it('clears a value when a present column holds null', () => {
    const s = new ColumnarStore();
    s.upsertCustomers({ ids: ['a'], columns: [{ def: f('city', 'string'), values: ['Pune'] }] });
    s.upsertCustomers({ ids: ['a'], columns: [{ def: f('city', 'string'), values: [null] }] });
    expect(s.value(0, 'city')).toBeNull();
    expect(s.attributes()[0].present).toBe(0);
  });

  it('re-types a column, keeping convertible values', () => {
    const s = new ColumnarStore();
    s.upsertCustomers({
      ids: ['a', 'b', 'c'],
      columns: [{ def: f('code', 'string'), values: ['12', 'x', ' 3.5 '] }]
    });
    s.upsertCustomers({ ids: ['d'], columns: [{ def: f('code', 'number'), values: [4] }] });
    expect([0, 1, 2, 3].map((i) => s.value(i, 'code'))).toEqual([12, null, 3.5, 4]);
    expect(s.attributes()[0]).toEqual({ def: f('code', 'number'), present: 3 });
    s.upsertCustomers({ ids: ['e'], columns: [{ def: f('code', 'string'), values: ['z'] }] });
    expect(s.value(0, 'code')).toBe('12');
    expect(s.value(4, 'code')).toBe('z');
  });

  it('keeps dates as epoch ms and booleans as booleans', () => {
    const s = new ColumnarStore();
    s.upsertCustomers({
      ids: ['a', 'b'],
      columns: [
        { def: f('signup', 'date'), values: [Date.UTC(2026, 0, 2), null] },
        { def: f('vip', 'boolean'), values: [true, false] }
      ]
    });
    expect(s.value(0, 'signup')).toBe(Date.UTC(2026, 0, 2));
    expect(s.value(1, 'vip')).toBe(false);
    expect(s.value(0, 'vip')).toBe(true);
  });

  it('grows past its initial capacity', () => {
    const s = new ColumnarStore();
    const n = 5000;
    const ids = Array.from({ length: n }, (_, i) => `c${i}`);
    s.upsertCustomers({ ids, columns: [{ def: f('n', 'number'), values: ids.map((_, i) => i) }] });
    expect(s.customerCount).toBe(n);
    expect(s.value(4999, 'n')).toBe(4999);
    expect(s.value(1234, 'n')).toBe(1234);
  });
});

describe('ColumnarStore events', () => {
  it('appends events, creating minimal customers, and lists them newest first', () => {
    const s = new ColumnarStore();
    s.upsertCustomers({ ids: ['a'], columns: [{ def: f('city', 'string'), values: ['Pune'] }] });
    const r = s.addEvents({
      customerIds: ['a', 'b', 'a', 'a'],
      names: ['Purchased', 'purchased', 'Viewed', 'PURCHASED '],
      timestamps: [3000, 1000, 2000, 1000],
      properties: [{ def: f('amount', 'number'), values: [10, 20, null, 5] }]
    });
    expect(r).toEqual({ added: 4, createdCustomers: 1, touched: [0, 1] });
    expect(s.customerCount).toBe(2);
    expect(s.totalEvents).toBe(4);
    expect(s.eventCount(0)).toBe(3);
    expect(s.eventCount(1)).toBe(1);
    expect(s.events(0, 0, 10)).toEqual([
      { name: 'Purchased', timestamp: 3000, properties: { amount: 10 } },
      { name: 'Viewed', timestamp: 2000, properties: {} },
      { name: 'Purchased', timestamp: 1000, properties: { amount: 5 } }
    ]);
    expect(s.events(0, 1, 1)).toHaveLength(1);
    const types = s.eventTypes();
    expect(types).toEqual([
      { name: 'Purchased', count: 3, first: 1000, last: 3000, properties: [f('amount', 'number')] },
      { name: 'Viewed', count: 1, first: 2000, last: 2000, properties: [] }
    ]);
  });

  it('keeps groups sorted across many out-of-order batches and trickled single events', () => {
    const s = new ColumnarStore();
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const expected = new Map<string, number[]>();
    const push = (id: string, t: number): void => {
      const list = expected.get(id) ?? [];
      list.push(t);
      expected.set(id, list);
    };
    for (let b = 0; b < 20; b++) {
      const size = b < 3 ? 3000 : 1 + Math.floor(rnd() * 5);
      const customerIds: string[] = [];
      const timestamps: number[] = [];
      for (let k = 0; k < size; k++) {
        const id = `c${Math.floor(rnd() * 300)}`;
        const t = Math.floor(rnd() * 1e6);
        customerIds.push(id);
        timestamps.push(t);
        push(id, t);
      }
      s.addEvents({ customerIds, names: customerIds.map(() => 'E'), timestamps, properties: [] });
      // Interleave reads so both the bulk rebuild and the incremental insert paths run.
      expect(s.eventCount(s.indexOf(customerIds[0]))).toBe(expected.get(customerIds[0])!.length);
    }
    for (const [id, list] of expected) {
      const got = s.events(s.indexOf(id), 0, 1e9).map((e) => e.timestamp);
      expect(got).toEqual([...list].sort((a, b) => b - a));
    }
  });

  it('keeps groups that outgrow their room again and again intact (events, prefix sums)', () => {
    const s = new ColumnarStore();
    const amount = f('amount', 'number');
    const expected = new Map<string, [number, number][]>();
    const add = (id: string, t: number, a: number): void => {
      expected.set(id, [...(expected.get(id) ?? []), [t, a]]);
    };
    // A bulk load packs 40 customers' groups (enough rows that the trickle's holes never trigger
    // a rebuild); then trickles grow some far past any room.
    s.upsertCustomers({ ids: Array.from({ length: 40 }, (_, c) => `c${c}`), columns: [] });
    const ids: string[] = [];
    const ts: number[] = [];
    const amounts: number[] = [];
    for (let c = 0; c < 40; c++) {
      // Customers 0 and 39 have none yet (an empty group at each end).
      const count = c === 0 || c === 39 ? 0 : (c % 6) + 70;
      for (let k = 0; k < count; k++) {
        ids.push(`c${c}`);
        ts.push(100 * k + c);
        amounts.push(c + k);
        add(`c${c}`, 100 * k + c, c + k);
      }
    }
    s.addEvents({
      customerIds: ids,
      names: ids.map(() => 'E'),
      timestamps: ts,
      properties: [{ def: amount, values: amounts }]
    });
    const table = s.eventTable('E')!;
    expect(table.prefix('amount')).toBeDefined();
    for (let k = 0; k < 600; k++) {
      // Customers 0, 5 and 39 take most of the trickle.
      const id = `c${[0, 5, 39, k % 40][k % 4]}`;
      const t = (k * 7919) % 5000;
      add(id, t, k);
      s.addEvents({
        customerIds: [id],
        names: ['E'],
        timestamps: [t],
        properties: [{ def: amount, values: [k] }]
      });
      if (k % 37 === 0) s.eventTable('E');
    }
    const t = s.eventTable('E')!;
    const p = t.prefix('amount')!;
    for (const [id, list] of expected) {
      const c = s.indexOf(id);
      // Sorted by time, equal times in arrival order.
      const want = list.map((e, i) => ({ e, i })).sort((a, b) => a.e[0] - b.e[0] || a.i - b.i);
      expect(t.gLen[c]).toBe(list.length);
      let sum = 0;
      want.forEach(({ e }, k) => {
        const slot = t.gStart[c] + k;
        expect(t.slotTs[slot]).toBe(e[0]);
        sum += e[1];
        expect(p.sum[slot]).toBe(sum);
      });
    }
  });

  it('indexes a file sorted by customer and time in place, then takes trickled events', () => {
    const s = new ColumnarStore();
    const expected = new Map<string, number[]>();
    const customerIds: string[] = [];
    const timestamps: number[] = [];
    for (let c = 0; c < 200; c++) {
      const id = `c${String(c).padStart(3, '0')}`;
      const list: number[] = [];
      for (let k = 0; k < (c % 7) + 1; k++) list.push(1000 * c + 10 * k);
      // Equal timestamps keep arrival order.
      if (c % 5 === 0) list.push(list[list.length - 1]);
      expected.set(id, list);
      for (const t of list) {
        customerIds.push(id);
        timestamps.push(t);
      }
    }
    s.addEvents({ customerIds, names: customerIds.map(() => 'E'), timestamps, properties: [] });
    expect(s.eventCount(s.indexOf('c006'))).toBe(7);
    // Trickled events, some older than the customer's newest, after the in-place index.
    for (let k = 0; k < 300; k++) {
      const id = `c${String((k * 37) % 200).padStart(3, '0')}`;
      const t = 1000 * ((k * 37) % 200) + ((k * 13) % 90);
      expected.get(id)!.push(t);
      s.addEvents({ customerIds: [id], names: ['E'], timestamps: [t], properties: [] });
      if (k % 50 === 0) expect(s.eventCount(s.indexOf(id))).toBe(expected.get(id)!.length);
    }
    for (const [id, list] of expected) {
      const got = s.events(s.indexOf(id), 0, 1e9).map((e) => e.timestamp);
      expect(got).toEqual([...list].sort((a, b) => b - a));
    }
  });

  it('re-types an event property when a later batch declares another type', () => {
    const s = new ColumnarStore();
    s.addEvents({
      customerIds: ['a', 'a'],
      names: ['E', 'E'],
      timestamps: [1, 2],
      properties: [{ def: f('v', 'string'), values: ['5', 'x'] }]
    });
    s.addEvents({
      customerIds: ['a'],
      names: ['e'],
      timestamps: [3],
      properties: [{ def: f('v', 'number'), values: [7] }]
    });
    expect(s.events(0, 0, 10).map((e) => e.properties)).toEqual([{ v: 7 }, {}, { v: 5 }]);
    expect(s.eventTypes()[0].properties).toEqual([f('v', 'number')]);
  });

  it('skips events without a valid timestamp', () => {
    const s = new ColumnarStore();
    const r = s.addEvents({
      customerIds: ['a', 'b'],
      names: ['E', 'E'],
      timestamps: [NaN, 5],
      properties: []
    });
    expect(r.added).toBe(1);
    expect(s.totalEvents).toBe(1);
  });
});

describe('Column dictionary', () => {
  it('gives one code per distinct text, also for texts that share a look-up cache slot', () => {
    const col = new Column(f('s', 'string'));
    // Same length and the same first, middle and last characters: the same cache slot.
    const texts = ['abcde', 'aXcde', 'abcde', '', 'aYcde', 'aXcde', '', 'abcde', 'x', 'x'];
    const codes = texts.map((t) => col.intern(t));
    expect(codes.every((c) => c > 0)).toBe(true);
    const byText = new Map<string, number>();
    texts.forEach((t, i) => {
      if (!byText.has(t)) byText.set(t, codes[i]);
      expect(codes[i]).toBe(byText.get(t));
      expect(col.dict[codes[i]]).toBe(t);
    });
    expect(new Set(codes).size).toBe(byText.size);
  });

  it('keeps codes right after a re-type rebuilds the dictionary', () => {
    const col = new Column(f('s', 'string'), 4);
    col.setMany(Int32Array.from([0, 1, 2]), ['10', 'x', '10']);
    col.retype(f('s', 'number'), 3);
    col.retype(f('s', 'string'), 3);
    col.setMany(Int32Array.from([1, 3]), ['10', 'y']);
    expect([0, 1, 2, 3].map((i) => col.get(i))).toEqual(['10', '10', '10', 'y']);
    expect(col.codes[0]).toBe(col.codes[1]);
    expect(col.codes[0]).not.toBe(col.codes[3]);
  });
});
