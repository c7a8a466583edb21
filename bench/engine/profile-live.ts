// Profiling aid: 20 live segments on a generated data set, then advanceTo over a simulated day and
// single new events, as the benchmark runs them, with timer-queue statistics. Run under
// `node --cpu-prof` (bundled with esbuild for line numbers). Not part of `npm run bench`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadCsv } from '../../src/cli/load-csv';
import { compileQuery } from '../../src/lib/engine/compile';
import { Evaluator } from '../../src/lib/engine/evaluate';
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
const queries = [...benchSegments(now).map((s) => s.query), ...EXTRA_LIVE_QUERIES];
const queryIds = new Map<object, string>();
queries.forEach((q, k) => {
  const c = compileQuery(q, store.schema());
  if (!c.ok) throw new Error(q);
  queryIds.set(c.value.ast, `s${k}`);
  const t0 = performance.now();
  engine.set(`s${k}`, c.value, now);
  console.log(`set s${k} ${(performance.now() - t0).toFixed(0)} ms  ${q}`);
});
console.log(`set-up ${(performance.now() - t).toFixed(0)} ms`);
const session = new Session();
session.connect();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((res, rej) => session.post(method, params, (err, r) => (err ? rej(err) : res(r))));
const profiling = process.argv.includes('--prof');
if (profiling) {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
}
let pops = 0;
if (process.argv.includes('--pops')) {
  const original = Evaluator.prototype.oneWithNext;
  Evaluator.prototype.oneWithNext = function (this: Evaluator, c: number, at: number): boolean {
    pops++;
    return original.call(this, c, at);
  };
}
t = performance.now();
let flips = 0;
const flipsBy = new Map<string, number>();
for (let minute = 1; minute <= 1440; minute++) {
  const changes = engine.advanceTo(now + minute * 60_000);
  flips += changes.length;
  for (const ch of changes) flipsBy.set(ch.segment, (flipsBy.get(ch.segment) ?? 0) + 1);
}
console.log(`advanceTo day ${(performance.now() - t).toFixed(1)} ms, ${flips} flips, ${pops} pops`);
if (profiling) {
  const { profile } = (await post('Profiler.stop')) as { profile: object };
  writeFileSync('/tmp/live.cpuprofile', JSON.stringify(profile));
}
if (process.argv.includes('--pops')) {
  // A second day with every timer pop counted per segment: pops that flip nothing are wasted work.
  const pops = new Map<string, number>();
  const proto = Evaluator.prototype;
  const original = proto.oneWithNext;
  proto.oneWithNext = function (this: Evaluator, c: number, at: number): boolean {
    const q = this.compiled.ast;
    const key = queryIds.get(q) ?? '?';
    pops.set(key, (pops.get(key) ?? 0) + 1);
    return original.call(this, c, at);
  };
  flipsBy.clear();
  for (let minute = 1441; minute <= 2880; minute++) {
    for (const ch of engine.advanceTo(now + minute * 60_000))
      flipsBy.set(ch.segment, (flipsBy.get(ch.segment) ?? 0) + 1);
  }
  proto.oneWithNext = original;
  for (const [id, n] of [...pops].sort((a, b) => b[1] - a[1]))
    console.log(
      `day 2 ${id}: ${n} pops, ${flipsBy.get(id) ?? 0} flips  ${queries[Number(id.slice(1))]}`
    );
}
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
