// `tsx bench/engine/run.ts --sizes S,L [--runs N]`: the engine against DuckDB (threads = 2) on the
// generator's CSVs. Prints full-evaluation times and ratios per segment and size, the incremental cost
// of one new event with 20 live segments, advanceTo over a simulated day, and store build time and
// memory. Exits 1 if any member count differs from DuckDB's (or on a bad argument).
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compileQuery } from '../../src/lib/engine/compile';
import { Evaluator } from '../../src/lib/engine/evaluate';
import { SegmentEngine } from '../../src/lib/engine/live';
import { ColumnarStore } from '../../src/lib/engine/store';
import { decodeCustomerChunk, decodeEventChunk } from '../../src/lib/storage/data-repo';
import { readChunks, type Chunk } from './cached-store';
import { benchSegments, EXTRA_LIVE_QUERIES, newEvents } from './segments';

const SIZES: Readonly<Record<string, { customers: number; events: number }>> = {
  XS: { customers: 10_000, events: 100_000 },
  S: { customers: 100_000, events: 1_000_000 },
  L: { customers: 1_000_000, events: 10_000_000 }
};
const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function args(): { sizes: string[]; runs: number; incremental: number } {
  const argv = process.argv.slice(2);
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0
      ? argv[i + 1]
      : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const sizes = (get('--sizes') ?? 'S').split(',').map((s) => s.trim().toUpperCase());
  for (const s of sizes)
    if (!SIZES[s]) throw new Error(`Unknown size ${s} (use ${Object.keys(SIZES).join(', ')})`);
  return {
    sizes,
    runs: Number(get('--runs') ?? 7),
    incremental: Number(get('--incremental') ?? 100_000)
  };
}

function ensureData(size: string): string {
  const dir = join('bench', 'out', `data-${size}`);
  if (existsSync(join(dir, 'customers.csv')) && existsSync(join(dir, 'events.csv'))) return dir;
  const { customers, events } = SIZES[size];
  console.log(`Generating ${size}: ${customers} customers, ${events} events …`);
  const r = spawnSync(
    'npx',
    [
      'tsx',
      'scripts/generate.ts',
      '--customers',
      String(customers),
      '--events',
      String(events),
      '--out',
      dir,
      '--now',
      '2026-06-01',
      '--seed',
      '1'
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  );
  if (r.status !== 0) throw new Error(`The generator failed for ${size}`);
  return dir;
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

interface SizeResult {
  failures: string[];
  lines: string[];
}

/** Bytes of the typed arrays reachable from `root` through objects, arrays and Maps. */
function typedArrayBytes(root: unknown): number {
  const seen = new Set<object>();
  let total = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) total += o.byteLength;
    else if (o instanceof Map) for (const v of o.values()) stack.push(v);
    else if (Array.isArray(o)) {
      for (const v of o) if (v !== null && typeof v === 'object') stack.push(v);
    } else stack.push(...Object.values(o));
  }
  return total;
}

/**
 * The CLI's path into a store, timed inside the store: the same rows as boxed batches
 * (upsertCustomers/addEvents, decoded from the chunks untimed), then the index. The store is dropped.
 */
function boxedBuild(chunks: readonly Chunk[]): { ingestMs: number; indexMs: number } {
  const store = new ColumnarStore();
  let ingestMs = 0;
  for (const chunk of chunks) {
    if ('ids' in chunk) {
      const batch = decodeCustomerChunk(chunk);
      const t = performance.now();
      store.upsertCustomers(batch);
      ingestMs += performance.now() - t;
    } else {
      const batch = decodeEventChunk(chunk);
      const t = performance.now();
      store.addEvents(batch);
      ingestMs += performance.now() - t;
    }
  }
  const t = performance.now();
  for (const e of store.eventTypes()) store.eventTable(e.name);
  return { ingestMs, indexMs: performance.now() - t };
}

async function benchSize(size: string, runs: number, incremental: number): Promise<SizeResult> {
  const dir = ensureData(size);
  const lines: string[] = [];
  const failures: string[] = [];
  const out = (s: string): void => {
    console.log(s);
    lines.push(s);
  };
  out(
    `\n== ${size}: ${SIZES[size].customers.toLocaleString('en')} customers / ${SIZES[size].events.toLocaleString('en')} events (${dir})`
  );

  // Build the store. The app applies an import, and replays stored chunks at start-up, as encoded
  // column chunks (ColumnarStore.ingestEncoded): that is the store build timed against DuckDB. The
  // CSVs are read once with the CLI's loader (parse + map, into a store through the boxed
  // upsertCustomers/addEvents, timed inside the store too), each batch encoded on the side with the
  // app's own encoder; then a fresh store is built from those chunks.
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const { chunks, readMs } = await readChunks(dir);
  const boxed = boxedBuild(chunks);
  const cliMs = boxed.ingestMs + boxed.indexMs;
  gc();

  const store = new ColumnarStore();
  const buildCpu0 = process.cpuUsage();
  let t0 = performance.now();
  for (const chunk of chunks) store.ingestEncoded(chunk);
  const ingestMs = performance.now() - t0;
  t0 = performance.now();
  for (const e of store.eventTypes()) store.eventTable(e.name);
  const indexMs = performance.now() - t0;
  const buildMs = ingestMs + indexMs;
  const buildCpu = process.cpuUsage(buildCpu0);
  // The store's size: the heap it holds once the chunks are garbage (their strings live on in its
  // columns), plus its own typed arrays, counted from the store: the process's ArrayBuffer total
  // kept hundreds of MB of the dropped chunks' buffers for a while after a full collection.
  chunks.length = 0;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const storeBytes = process.memoryUsage().heapUsed - heap0 + typedArrayBytes(store);

  // DuckDB: load the same CSVs, threads = 2.
  const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await duck.connect();
  const tDuck = performance.now();
  const duckCpu0 = process.cpuUsage();
  await con.run(
    `CREATE TABLE customers AS SELECT * FROM read_csv('${join(dir, 'customers.csv')}', header = true, types = {'total_spent': 'DOUBLE', 'customer_id': 'VARCHAR'})`
  );
  await con.run(
    `CREATE TABLE events AS SELECT * FROM read_csv('${join(dir, 'events.csv')}', header = true, types = {'timestamp': 'TIMESTAMP', 'amount': 'DOUBLE', 'customer_id': 'VARCHAR'})`
  );
  const duckLoadMs = performance.now() - tDuck;
  const duckCpu = process.cpuUsage(duckCpu0);
  const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

  out(
    `store build from encoded chunks (the app's import apply and start-up path): ${ms(buildMs)} ms (${ms(ingestMs)} ingest + ${ms(indexMs)} index), ${mb(storeBytes)} (heap + the store's typed arrays)`
  );
  out(
    `store build through boxed batches (the CLI's path): ${ms(cliMs)} ms in the store (${ms(boxed.ingestMs)} ingest + ${ms(boxed.indexMs)} index); reading the CSVs (parse, map, encode) ${ms(readMs)} ms`
  );
  out(
    `DuckDB load of the same CSVs: ${ms(duckLoadMs)} ms → store build / DuckDB load = ${(buildMs / duckLoadMs).toFixed(2)}×${buildMs <= duckLoadMs ? '' : ' (target ≤ 1.0×)'} (boxed batches: ${(cliMs / duckLoadMs).toFixed(2)}×)`
  );
  out(
    `CPU time: store build ${ms(cpuMs(buildCpu))} ms, DuckDB load ${ms(cpuMs(duckCpu))} ms over its threads (a shared machine stretches wall times, DuckDB's two threads most)`
  );

  // Full evaluation, segment by segment.
  out(`\nfull evaluation (best of ${runs} alternating runs each):`);
  out(
    `${'segment'.padEnd(48)} ${'members'.padStart(9)} ${'duckdb'.padStart(9)} ${'engine ms'.padStart(10)} ${'duckdb ms'.padStart(10)} ${'ratio'.padStart(7)}`
  );
  for (const seg of benchSegments(NOW)) {
    const compiled = compileQuery(seg.query, store.schema());
    if (!compiled.ok) throw new Error(`${seg.query}: ${JSON.stringify(compiled.issues)}`);
    const ev = new Evaluator(compiled.value, store);
    const count = (): number => ev.count(NOW);
    let members = count();
    // Engine and DuckDB runs alternate, and the best of each is kept: on a shared machine that is
    // the figure least disturbed by other work, and both sides see the same conditions.
    const times: number[] = [];
    const duckTimes: number[] = [];
    let duckCount = Number((await con.runAndReadAll(seg.sql)).getRows()[0][0]);
    for (let k = 0; k < runs; k++) {
      let t = performance.now();
      members = count();
      times.push(performance.now() - t);
      t = performance.now();
      const rows = (await con.runAndReadAll(seg.sql)).getRows();
      duckTimes.push(performance.now() - t);
      duckCount = Number(rows[0][0]);
    }
    const engineMs = Math.min(...times);
    const duckMs = Math.min(...duckTimes);
    const ratio = engineMs / duckMs;
    const target = seg.hasEvents ? 0.2 : 0.5;
    const mark = members === duckCount ? '' : '  ✗ COUNT MISMATCH';
    out(
      `${seg.name.padEnd(48)} ${String(members).padStart(9)} ${String(duckCount).padStart(9)} ${ms(engineMs).padStart(10)} ${ms(duckMs).padStart(10)} ${ratio.toFixed(2).padStart(6)}×${ratio <= target ? '' : ` (target ≤ ${target}×)`}${mark}`
    );
    if (members !== duckCount)
      failures.push(`${size} ${seg.name}: engine ${members} ≠ DuckDB ${duckCount}`);
  }
  con.closeSync();

  // 20 live segments: set-up, advanceTo over a simulated day, then single new events.
  const queries = [...benchSegments(NOW).map((s) => s.query), ...EXTRA_LIVE_QUERIES];
  const liveEngine = (): { engine: SegmentEngine; setMs: number } => {
    const engine = new SegmentEngine(store);
    const tSet = performance.now();
    queries.forEach((q, k) => {
      const c = compileQuery(q, store.schema());
      if (!c.ok) throw new Error(`${q}: ${JSON.stringify(c.issues)}`);
      engine.set(`s${k}`, c.value, NOW);
    });
    const setMs = performance.now() - tSet;
    // Settle the heap first: a full collection of the build's garbage (the chunks) landing inside
    // the day would be billed to advanceTo.
    gc();
    return { engine, setMs };
  };
  const simulateDay = (engine: SegmentEngine) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let flips = 0;
    for (let minute = 1; minute <= 1440; minute++)
      flips += engine.advanceTo(NOW + minute * 60_000).length;
    const cpu = process.cpuUsage(cpu0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, flips };
  };
  // The first day after start-up also compiles the timer path (V8 optimises advanceTo and its
  // helpers while they run); the same day on a second engine runs that code as an app that has been
  // running for a while does. Both are printed; the second is the steady cost.
  let first: SegmentEngine | null = liveEngine().engine;
  const cold = simulateDay(first);
  first = null;
  const { engine, setMs } = liveEngine();
  const warm = simulateDay(engine);
  if (warm.flips !== cold.flips)
    failures.push(
      `${size} advanceTo: ${cold.flips} flips on the first engine, ${warm.flips} on the second`
    );
  out(`\n20 live segments: set-up (full evaluation + timer queue) ${ms(setMs)} ms`);
  out(
    `advanceTo over a simulated day (1,440 one-minute steps): ${ms(warm.ms)} ms${warm.ms < 100 ? '' : ' (target < 100 ms)'} (CPU ${ms(warm.cpuMs)} ms), ${warm.flips} enter/leave records; the first day after start-up, compiling the timer path as it runs: ${ms(cold.ms)} ms (CPU ${ms(cold.cpuMs)} ms)`
  );

  const durations = new Float64Array(incremental);
  let changes = 0;
  const nextEvent = newEvents(store, NOW + DAY);
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < incremental; k++) {
    const batch = nextEvent();
    const at = batch.timestamps[0];
    const t = performance.now();
    const r = store.addEvents(batch);
    changes += engine.update(r.touched, at, { events: batch.names }).length;
    durations[k] = performance.now() - t;
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...durations].sort((a, b) => a - b);
  const mean = durations.reduce((s, x) => s + x, 0) / incremental;
  const p99 = sorted[Math.floor(incremental * 0.99)];
  out(
    `one new event with 20 live segments (${incremental.toLocaleString('en')} events): mean ${(mean * 1000).toFixed(1)} µs${mean * 1000 < 10 ? '' : ' (target < 10 µs)'}, p50 ${(sorted[incremental >> 1] * 1000).toFixed(1)} µs, p99 ${(p99 * 1000).toFixed(1)} µs, ${changes} membership changes; CPU time ${((cpu.user + cpu.system) / incremental).toFixed(1)} µs per event (the whole loop: unlike wall time, not inflated when the machine is shared)`
  );
  return { failures, lines };
}

async function main(): Promise<number> {
  const { sizes, runs, incremental } = args();
  const failures: string[] = [];
  for (const size of sizes) failures.push(...(await benchSize(size, runs, incremental)).failures);
  if (failures.length > 0) {
    console.error(`\nMEMBER COUNTS DIFFER FROM DUCKDB:\n${failures.join('\n')}`);
    return 1;
  }
  console.log('\nAll member counts equal DuckDB’s.');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  }
);
