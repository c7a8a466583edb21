// Profiling aid for bisecting the live engine: the SegmentEngine of several worktrees (given as
// paths) over ONE store loaded with this tree's loader; set-up, advanceTo over a simulated day, then
// the benchmark's single new events, each applied to the store once and handed to every engine in
// rotating order, with wall and CPU time per engine. Side by side in one process, so a busy machine
// disturbs them alike. `npx tsx bench/engine/profile-ab.ts bench/out/data-S 100000 /tmp/old .`
// (an old commit's engine: `git archive <commit> src/lib/engine | tar -x -C /tmp/old`; it must take
// this tree's store). The store comes from cached-store.ts (seconds after the first run). Not part
// of `npm run bench`.
import { resolve } from 'node:path';
import type { CompiledSegment } from '../../src/lib/engine/compile';
import type { Result } from '../../src/lib/engine/result';
import type { ChangeScope, MembershipChange } from '../../src/lib/engine/live';
import type { DataSchema } from '../../src/lib/engine/schema';
import type { ColumnarStore } from '../../src/lib/engine/store';
import { cachedStore } from './cached-store';
import { benchSegments, EXTRA_LIVE_QUERIES, newEvents } from './segments';

interface LiveEngine {
  set(id: string, compiled: CompiledSegment, now: number): unknown;
  advanceTo(now: number): readonly MembershipChange[];
  update(touched: readonly number[], now: number, scope?: ChangeScope): readonly MembershipChange[];
}
type Compile = (q: string, schema: DataSchema) => Result<CompiledSegment>;

const [dir = 'bench/out/data-S', countArg = '100000', ...trees] = process.argv.slice(2);
const incremental = Number(countArg);
const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const store = await cachedStore(dir);
const queries = [...benchSegments(NOW).map((s) => s.query), ...EXTRA_LIVE_QUERIES];

const engines: { name: string; engine: LiveEngine }[] = [];
for (const tree of trees.length > 0 ? trees : ['.']) {
  const root = resolve(tree);
  const live = (await import(`${root}/src/lib/engine/live.ts`)) as {
    SegmentEngine: new (s: ColumnarStore) => LiveEngine;
  };
  const { compileQuery } = (await import(`${root}/src/lib/engine/compile.ts`)) as {
    compileQuery: Compile;
  };
  const engine = new live.SegmentEngine(store);
  const c0 = cpuMs();
  const w0 = performance.now();
  queries.forEach((q, k) => {
    const c = compileQuery(q, store.schema());
    if (!c.ok) throw new Error(q);
    engine.set(`s${k}`, c.value, NOW);
  });
  console.log(
    `${root}: set-up wall ${(performance.now() - w0).toFixed(0)} ms, CPU ${(cpuMs() - c0).toFixed(0)} ms`
  );
  engines.push({ name: root, engine });
}
for (const { name, engine } of engines) {
  const c0 = cpuMs();
  const w0 = performance.now();
  let flips = 0;
  for (let minute = 1; minute <= 1440; minute++)
    flips += engine.advanceTo(NOW + minute * 60_000).length;
  console.log(
    `${name}: advanceTo over a day wall ${(performance.now() - w0).toFixed(1)} ms, CPU ${(cpuMs() - c0).toFixed(1)} ms, ${flips} flips`
  );
}

const nextEvent = newEvents(store, NOW + DAY);
const wall = engines.map(() => new Float64Array(incremental));
const cpu = new Float64Array(engines.length);
const changes = new Float64Array(engines.length);
for (let k = 0; k < incremental; k++) {
  const batch = nextEvent();
  const at = batch.timestamps[0];
  const r = store.addEvents(batch);
  for (let j = 0; j < engines.length; j++) {
    const e = (j + k) % engines.length;
    const c0 = process.cpuUsage();
    const t = performance.now();
    changes[e] += engines[e].engine.update(r.touched, at, { events: batch.names }).length;
    wall[e][k] = performance.now() - t;
    const u = process.cpuUsage(c0);
    cpu[e] += u.user + u.system;
  }
}
engines.forEach(({ name }, e) => {
  const sorted = [...wall[e]].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / incremental;
  console.log(
    `${name}: update (store.addEvents excluded) wall mean ${(mean * 1000).toFixed(2)} µs, p50 ${(sorted[incremental >> 1] * 1000).toFixed(2)} µs, p99 ${(sorted[Math.floor(incremental * 0.99)] * 1000).toFixed(1)} µs; CPU ${(cpu[e] / incremental).toFixed(2)} µs; ${changes[e]} changes`
  );
});
