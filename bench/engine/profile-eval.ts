// Profiling aid: loads a generated data set once and runs each benchmark segment repeatedly, printing
// per-segment times (run under `node --cpu-prof --import tsx`). Not part of `npm run bench`.
import { loadCsv } from '../../src/cli/load-csv';
import { compileQuery } from '../../src/lib/engine/compile';
import { Evaluator } from '../../src/lib/engine/evaluate';
import { ColumnarStore } from '../../src/lib/engine/store';
import { benchSegments } from './segments';

const dir = process.argv[2] ?? 'bench/out/data-S';
const reps = Number(process.argv[3] ?? 50);
const now = Date.parse('2026-06-01T00:00:00Z');
const store = new ColumnarStore();
await loadCsv(store, `${dir}/customers.csv`, 'customers', { dedupe: false });
await loadCsv(store, `${dir}/events.csv`, 'events', { dedupe: false });
for (const seg of benchSegments(now)) {
  const c = compileQuery(seg.query, store.schema());
  if (!c.ok) throw new Error(seg.query);
  const ev = new Evaluator(c.value, store);
  ev.all(now);
  const t = performance.now();
  for (let k = 0; k < reps; k++) ev.all(now);
  console.log(`${seg.name}: ${((performance.now() - t) / reps).toFixed(2)} ms`);
}
