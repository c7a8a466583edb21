// Profiling aid: 20 live segments on a generated data set, then advanceTo over a simulated day and
// single new events, as the benchmark runs them, with timer-queue statistics. Run under
// `node --cpu-prof` (bundled with esbuild for line numbers). Not part of `npm run bench`.
import { loadCsv } from '../../src/cli/load-csv';
import { compileQuery } from '../../src/lib/engine/compile';
import { SegmentEngine } from '../../src/lib/engine/live';
import { ColumnarStore } from '../../src/lib/engine/store';
import { benchSegments, EXTRA_LIVE_QUERIES } from './segments';

const dir = process.argv[2] ?? 'bench/out/data-S';
const now = Date.parse('2026-06-01T00:00:00Z');
const store = new ColumnarStore();
await loadCsv(store, `${dir}/customers.csv`, 'customers', { dedupe: false });
await loadCsv(store, `${dir}/events.csv`, 'events', { dedupe: false });
for (const e of store.eventTypes()) store.eventTable(e.name);
const engine = new SegmentEngine(store);
let t = performance.now();
[...benchSegments(now).map((s) => s.query), ...EXTRA_LIVE_QUERIES].forEach((q, k) => {
  const c = compileQuery(q, store.schema());
  if (!c.ok) throw new Error(q);
  const t0 = performance.now();
  engine.set(`s${k}`, c.value, now);
  console.log(`set s${k} ${(performance.now() - t0).toFixed(0)} ms  ${q}`);
});
console.log(`set-up ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
let flips = 0;
for (let minute = 1; minute <= 1440; minute++)
  flips += engine.advanceTo(now + minute * 60_000).length;
console.log(`advanceTo day ${(performance.now() - t).toFixed(1)} ms, ${flips} flips`);
const names = ['Viewed Product', 'Added to Cart', 'Purchased', 'Opened Email'];
for (let rep = 0; rep < 2; rep++) {
  const count = 100_000;
  t = performance.now();
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
  console.log(`incremental ${(((performance.now() - t) / count) * 1000).toFixed(1)} µs per event`);
}
