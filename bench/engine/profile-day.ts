// Profiling aid for the live engine at size L: 20 live segments, advanceTo over a simulated day, then
// the benchmark's single new events, with where the time goes: timer pops and flips, the slowest
// events by kind (did time flips run first, which table, a garbage collection), and optionally a CPU
// profile of either phase summarised by function. Not part of `npm run bench`.
// `npx tsx bench/engine/profile-day.ts bench/out/data-L [--prof day|events] [--events N] [--day2]`
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileQuery } from '../../src/lib/engine/compile';
import { Evaluator } from '../../src/lib/engine/evaluate';
import { SegmentEngine } from '../../src/lib/engine/live';
import { cachedStore } from './cached-store';
import { benchSegments, EXTRA_LIVE_QUERIES, newEvents } from './segments';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const argv = process.argv.slice(2);
const dir = argv[0] ?? 'bench/out/data-S';
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const prof = flag('--prof');
const incremental = Number(flag('--events') ?? 100_000);
const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

let t = performance.now();
const store = await cachedStore(dir);
console.log(`store ${(performance.now() - t).toFixed(0)} ms, ${store.customerCount} customers`);
const engine = new SegmentEngine(store);
const queries = [...benchSegments(NOW).map((s) => s.query), ...EXTRA_LIVE_QUERIES];
t = performance.now();
queries.forEach((q, k) => {
  const c = compileQuery(q, store.schema());
  if (!c.ok) throw new Error(q);
  engine.set(`s${k}`, c.value, NOW);
});
console.log(`set-up ${(performance.now() - t).toFixed(0)} ms`);

const session = new Session();
session.connect();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((res, rej) => session.post(method, params, (err, r) => (err ? rej(err) : res(r))));
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  positionTicks?: { line: number; ticks: number }[];
}
async function startProfile(): Promise<void> {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 50 });
  await post('Profiler.start');
}
async function stopProfile(): Promise<void> {
  const { profile } = (await post('Profiler.stop')) as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}:${f.lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(
      `  ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`
    );
  // Hot lines (of the file as run: bundle it with esbuild for lines that mean something).
  const lines = new Map<string, number>();
  let ticks = 0;
  for (const n of profile.nodes) {
    for (const p of n.positionTicks ?? []) {
      const key = `${n.callFrame.functionName || '(anon)'}:${p.line}`;
      lines.set(key, (lines.get(key) ?? 0) + p.ticks);
      ticks += p.ticks;
    }
  }
  for (const [key, n] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${((100 * n) / ticks).toFixed(1).padStart(5)}%  line ${key}`);
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
async function startHeap(): Promise<void> {
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  });
}
/** Allocated bytes (sampled, including what was collected) by function and caller. */
async function stopHeap(): Promise<void> {
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
  const by = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, parent: string): void => {
    const f = n.callFrame;
    const name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-1)[0]}`;
    const key = `${name} <- ${parent}`;
    by.set(key, (by.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c, name);
  };
  walk(profile.head, '');
  console.log(`sampled allocation ${(total / 1e6).toFixed(1)} MB`);
  for (const [key, b] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${(b / 1e6).toFixed(2).padStart(8)} MB  ${key}`);
}

// Counts of evaluator calls (timer pops and live updates both go through oneWithNext).
let calls = 0;
const original = Evaluator.prototype.oneWithNext;
if (!prof || prof === 'heap') {
  Evaluator.prototype.oneWithNext = function (this: Evaluator, c: number, at: number): boolean {
    calls++;
    return original.call(this, c, at);
  };
}

let gcMs = 0;
let gcCount = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
obs.observe({ entryTypes: ['gc'] });

gc();
if (prof === 'day') await startProfile();
const days = argv.includes('--day2') ? 2 : 1;
for (let day = 0; day < days; day++) {
  calls = 0;
  gcMs = 0;
  gcCount = 0;
  const c0 = process.cpuUsage();
  t = performance.now();
  let flips = 0;
  for (let minute = 1; minute <= 1440; minute++)
    flips += engine.advanceTo(NOW + day * DAY + minute * 60_000).length;
  const wall = performance.now() - t;
  await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(c0);
  console.log(
    `day ${day + 1}: advanceTo ${wall.toFixed(1)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms), ${flips} flips, ${calls} evaluations, GC ${gcCount}× ${gcMs.toFixed(1)} ms`
  );
  if (day === 0 && prof === 'day') await stopProfile();
}

const durations = new Float64Array(incremental);
const addMs = new Float64Array(incremental);
const popMs = new Float64Array(incremental);
const popCalls = new Int32Array(incremental);
const gcAt = new Float64Array(incremental);
const nameOf: string[] = [];
const nextEvent = newEvents(store, NOW + days * DAY);
if (prof === 'events') await startProfile();
if (prof === 'heap') await startHeap();
gc();
console.log('--- events');
gcMs = 0;
gcCount = 0;
for (let k = 0; k < incremental; k++) {
  const batch = nextEvent();
  const [name] = batch.names;
  const at = batch.timestamps[0];
  const g0 = gcMs;
  const t0 = performance.now();
  const r = store.addEvents(batch);
  const t1 = performance.now();
  calls = 0;
  engine.advanceTo(at);
  const t2 = performance.now();
  popCalls[k] = calls;
  engine.update(r.touched, at, { events: batch.names });
  durations[k] = performance.now() - t0;
  addMs[k] = t1 - t0;
  popMs[k] = t2 - t1;
  nameOf.push(name);
  gcAt[k] = gcMs - g0;
}
if (prof === 'events') await stopProfile();
if (prof === 'heap') await stopHeap();
const sorted = [...durations].sort((a, b) => a - b);
const mean = durations.reduce((s, x) => s + x, 0) / incremental;
const us = (x: number): string => `${(x * 1000).toFixed(1)} µs`;
console.log(
  `events: mean ${us(mean)}, p50 ${us(sorted[incremental >> 1])}, p90 ${us(sorted[Math.floor(incremental * 0.9)])}, p99 ${us(sorted[Math.floor(incremental * 0.99)])}, max ${us(sorted[incremental - 1])}; GC ${gcCount}× ${gcMs.toFixed(1)} ms`
);
const sum = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
console.log(
  `  of the mean: addEvents ${us(sum(addMs) / incremental)}, timer pops ${us(sum(popMs) / incremental)} (${popCalls.reduce((s, x) => s + x, 0)} pops), GC seen ${us(sum(gcAt) / incremental)}`
);
// The slowest 1%: what they have in common, and how much of the total they carry.
const cut = sorted[Math.floor(incremental * 0.99)];
const slow = new Map<string, { n: number; ms: number; add: number; pop: number; gc: number }>();
let slowMs = 0;
for (let k = 0; k < incremental; k++) {
  if (durations[k] < cut) continue;
  slowMs += durations[k];
  const key = `${nameOf[k]}${popCalls[k] > 0 ? ' +pops' : ''}${gcAt[k] > 0 ? ' +gc' : ''}`;
  const e = slow.get(key) ?? { n: 0, ms: 0, add: 0, pop: 0, gc: 0 };
  e.n++;
  e.ms += durations[k];
  e.add += addMs[k];
  e.pop += popMs[k];
  e.gc += gcAt[k];
  slow.set(key, e);
}
console.log(
  `  slowest 1% carry ${us(slowMs / incremental)} of the mean; by kind (count, total ms, addEvents, pops, gc):`
);
for (const [key, e] of [...slow].sort((a, b) => b[1].ms - a[1].ms))
  console.log(
    `    ${key.padEnd(28)} ${String(e.n).padStart(5)} ${e.ms.toFixed(1).padStart(8)} ${e.add.toFixed(1).padStart(8)} ${e.pop.toFixed(1).padStart(8)} ${e.gc.toFixed(1).padStart(8)}`
  );
// The slowest single events, each with its parts.
const worst = Array.from(durations.keys())
  .sort((a, b) => durations[b] - durations[a])
  .slice(0, 15);
for (const k of worst)
  console.log(
    `    #${k} ${nameOf[k].padEnd(15)} ${us(durations[k])} (addEvents ${us(addMs[k])}, pops ${us(popMs[k])} ×${popCalls[k]}, update ${us(durations[k] - addMs[k] - popMs[k])})`
  );
const byName = new Map<string, { n: number; ms: number }>();
for (let k = 0; k < incremental; k++) {
  const e = byName.get(nameOf[k]) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += durations[k] - popMs[k] - addMs[k];
  byName.set(nameOf[k], e);
}
for (const [name, e] of byName) console.log(`  update only, ${name}: mean ${us(e.ms / e.n)}`);
obs.disconnect();
