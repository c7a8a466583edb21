// Profiling aid: the incremental path alone (20 live segments, single new events) on a small data set,
// reporting wall and CPU time per event. Not part of `npm run bench`.
import { loadCsv } from '../../src/cli/load-csv';
import { compileQuery } from '../../src/lib/engine/compile';
import { SegmentEngine } from '../../src/lib/engine/live';
import { ColumnarStore } from '../../src/lib/engine/store';
import { benchSegments, EXTRA_LIVE_QUERIES } from './segments';
const dir = process.argv[2] ?? 'bench/out/data-XS';
const now = Date.parse('2026-06-01T00:00:00Z');
const store = new ColumnarStore();
await loadCsv(store, `${dir}/customers.csv`, 'customers', { dedupe: false });
await loadCsv(store, `${dir}/events.csv`, 'events', { dedupe: false });
const engine = new SegmentEngine(store);
[...benchSegments(now).map((s) => s.query), ...EXTRA_LIVE_QUERIES].forEach((q, k) => {
  const c = compileQuery(q, store.schema());
  if (c.ok) engine.set(`s${k}`, c.value, now);
});
const names = ['Viewed Product', 'Added to Cart', 'Purchased', 'Opened Email'];
for (let rep = 0; rep < 3; rep++) {
  const count = 50_000;
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  for (let k = 0; k < count; k++) {
    const name = names[k % names.length];
    const at = now + 86_400_000 + (rep * count + k) * 500;
    const r = store.addEvents({
      customerIds: [store.idOf((k * 7919) % store.customerCount)],
      names: [name],
      timestamps: [at],
      properties: []
    });
    engine.update(r.touched, at, { events: [name] });
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `wall ${(((performance.now() - t) / count) * 1000).toFixed(1)} µs, cpu ${((cpu.user + cpu.system) / count).toFixed(1)} µs per event`
  );
}
