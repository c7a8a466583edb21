// Profiling aid: loads a generated data set once and runs each benchmark segment repeatedly, printing
// per-segment times (run under `node --cpu-prof --import tsx`). Not part of `npm run bench`.
import { loadCsv } from '../../src/cli/load-csv';
import { compileQuery } from '../../src/lib/engine/compile';
import { Evaluator } from '../../src/lib/engine/evaluate';
import { ColumnarStore } from '../../src/lib/engine/store';
import { benchSegments } from './segments';

const dir = process.argv[2] ?? 'bench/out/data-S';
const reps = Number(process.argv[3] ?? 50);
const only = process.argv[4];
const now = Date.parse('2026-06-01T00:00:00Z');
const store = new ColumnarStore();
await loadCsv(store, `${dir}/customers.csv`, 'customers', { dedupe: false });
await loadCsv(store, `${dir}/events.csv`, 'events', { dedupe: false });
for (const seg of benchSegments(now).filter((s) => !only || s.name.includes(only))) {
  const c = compileQuery(seg.query, store.schema());
  if (!c.ok) throw new Error(seg.query);
  const ev = new Evaluator(c.value, store);
  ev.count(now);
  const t = performance.now();
  for (let k = 0; k < reps; k++) ev.count(now);
  console.log(`${seg.name}: ${((performance.now() - t) / reps).toFixed(2)} ms`);
}

if (process.argv.includes('--incremental')) {
  const { SegmentEngine } = await import('../../src/lib/engine/live');
  const { EXTRA_LIVE_QUERIES } = await import('./segments');
  const engine = new SegmentEngine(store);
  const queries = [...benchSegments(now).map((s) => s.query), ...EXTRA_LIVE_QUERIES];
  queries.forEach((q, k) => {
    const c = compileQuery(q, store.schema());
    if (c.ok) engine.set(`s${k}`, c.value, now);
  });
  const names = ['Viewed Product', 'Added to Cart', 'Purchased', 'Opened Email'];
  const t = performance.now();
  const count = 50_000;
  for (let k = 0; k < count; k++) {
    const name = names[k % names.length];
    const r = store.addEvents({
      customerIds: [store.idOf((k * 7919) % store.customerCount)],
      names: [name],
      timestamps: [now + 86_400_000 + k * 500],
      properties: []
    });
    engine.update(r.touched, now + 86_400_000 + k * 500, { events: [name] });
  }
  console.log(`incremental: ${(((performance.now() - t) / count) * 1000).toFixed(1)} µs per event`);
}
