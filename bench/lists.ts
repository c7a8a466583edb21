// Static lists, overlap and the store view that lets rules name static segments: figures on this
// machine. The view (a Proxy over the store) sits on every segment evaluation, so its cost is measured
// against the bare store, side by side, for full evaluations and for one-customer-at-a-time updates.
import { compileQuery } from '../src/lib/engine/compile';
import { SegmentEngine } from '../src/lib/engine/live';
import { ColumnarStore } from '../src/lib/engine/store';
import { ListMatcher } from '../src/lib/csv/list-match';
import { computeOverlap } from '../src/lib/worker/overlap';
import { StaticMembers } from '../src/lib/worker/static-members';
import type { SegmentRecord } from '../src/lib/storage/db';

const N = 1_000_000;
const NOW = Date.UTC(2026, 5, 15);

function time<T>(label: string, fn: () => T, runs = 3): { result: T; ms: number } {
  let best = Infinity;
  let result!: T;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = fn();
    best = Math.min(best, performance.now() - t);
  }
  console.log(`${label.padEnd(58)} ${best.toFixed(1).padStart(8)} ms`);
  return { result, ms: best };
}

const store = new ColumnarStore();
const ids = Array.from({ length: N }, (_, i) => `C${String(i + 1).padStart(7, '0')}`);
store.upsertCustomers({
  ids,
  columns: [
    {
      def: { key: 'total_spent', label: 'total_spent', type: 'number' },
      values: ids.map((_, i) => (i * 7919) % 20000)
    },
    {
      def: { key: 'email', label: 'email', type: 'string' },
      values: ids.map((id) => `${id.toLowerCase()}@example.com`)
    }
  ]
});
const list: SegmentRecord = {
  id: 'list',
  name: 'VIP list',
  kind: 'static',
  members: ids.filter((_, i) => i % 4 === 0),
  createdAt: 0,
  updatedAt: 0,
  version: 1
};
const lists = new StaticMembers();
time(
  `hidden column for a static list of ${list.members?.length} (sync)`,
  () => lists.sync([list], store),
  1
);
const grown: SegmentRecord = { ...list, version: 2, members: [...(list.members ?? []), ids[1]] };
time(
  'add one member to that list in place (patch, then sync)',
  () => {
    lists.patch(grown, [ids[1]], [], store);
    lists.sync([grown], store);
  },
  1
);
const view = lists.view(store);
const schema = lists.schema(store.schema());
const refs = lists.refs([list]);

const plain = compileQuery('total_spent > 10000', store.schema());
const named = compileQuery('total_spent > 10000 AND in segment "VIP list"', schema, {
  segments: refs
});
if (!plain.ok || !named.ok) throw new Error('compile failed');

const bare = new SegmentEngine(store);
const viewed = new SegmentEngine(view);

/** Best of several runs of each, interleaved, so that warm-up and machine noise hit both alike. */
function pair(label: string, fa: () => unknown, fb: () => unknown, runs = 5): void {
  let a = Infinity;
  let b = Infinity;
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    fa();
    a = Math.min(a, performance.now() - t);
    t = performance.now();
    fb();
    b = Math.min(b, performance.now() - t);
  }
  console.log(
    `${label.padEnd(46)} bare ${a.toFixed(1).padStart(7)} ms, view ${b.toFixed(1).padStart(7)} ms (${(b / a).toFixed(2)}×)`
  );
}

pair(
  'full evaluation (total_spent > 10000)',
  () => bare.set('s', plain.value, NOW),
  () => viewed.set('s', plain.value, NOW)
);
time('full evaluation, view, AND in segment "VIP list"', () => viewed.set('t', named.value, NOW));
viewed.remove('t');
const touched = Array.from({ length: 200_000 }, (_, i) => i * 5);
pair(
  'update 200k touched customers one by one',
  () => bare.update(touched, NOW),
  () => viewed.update(touched, NOW)
);

const sets = [0, 1, 2].map((s) => ids.map((_, i) => i).filter((i) => i % (3 + s) === 0));
time(`overlap of 3 segments over ${N} customers`, () => computeOverlap(sets, N));

const emails = new Map(ids.map((id) => [`${id.toLowerCase()}@example.com`, [id]]));
const rows = ids.slice(0, 100_000).map((id) => [` ${id}@Example.COM `]);
time(
  'match a list of 100k emails',
  () => {
    const m = new ListMatcher(0, 'email', (_by, key) => emails.get(key) ?? []);
    m.addRows(rows, 2);
    return m.result().customerIds.length;
  },
  1
);
const phones = new Map<string, string[]>();
const phoneRows: string[][] = [];
for (let i = 0; i < 20_000; i++) {
  const d = String(9_800_000_000 + i);
  phones.set(`+91${d}`, [ids[i]]);
  phoneRows.push([`${d.slice(0, 5)} ${d.slice(5)}`]);
}
time(
  'match a list of 20k local phones (libphonenumber)',
  () => {
    const m = new ListMatcher(0, 'phone', (_by, key) => phones.get(key) ?? [], 'IN');
    m.addRows(phoneRows, 2);
    return m.result().customerIds.length;
  },
  1
);
