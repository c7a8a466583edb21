// Profiling aid: captures the batches the CSV import hands the store, then rebuilds fresh stores from
// them, timing only the store (ingest + index), as the benchmark's "store build" does: from the
// app's encoded chunks (`ingestEncoded`, what the worker does at start-up and when an import is
// applied) and, with --boxed, from plain batches (upsertCustomers/addEvents, the CLI's path).
// `--prof` writes /tmp/build.cpuprofile. Not part of `npm run bench`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadCsv } from '../../src/cli/load-csv';
import { ColumnarStore } from '../../src/lib/engine/store';
import type { CustomerBatch, EventBatch } from '../../src/lib/engine/schema';
import { encodeCustomerColumns, encodeEventColumns } from '../../src/lib/worker/import-stage';

const dir = process.argv[2] ?? 'bench/out/data-S';
const reps = Number(process.argv[3] ?? 3);
const customers: CustomerBatch[] = [];
const events: EventBatch[] = [];
const capture = new ColumnarStore();
const upsert = capture.upsertCustomers.bind(capture);
const add = capture.addEvents.bind(capture);
capture.upsertCustomers = (b) => {
  customers.push(b);
  return upsert(b);
};
capture.addEvents = (b) => {
  events.push(b);
  return add(b);
};
await loadCsv(capture, `${dir}/customers.csv`, 'customers', { dedupe: false });
await loadCsv(capture, `${dir}/events.csv`, 'events', { dedupe: false });
console.log(`${customers.length} customer batches, ${events.length} event batches`);
console.log(
  'customer columns:',
  customers[0].columns.map((c) => `${c.def.key}:${c.def.type}`).join(' '),
  '| event properties:',
  events[0].properties.map((c) => `${c.def.key}:${c.def.type}`).join(' ')
);
const encodedCustomers = customers.map(encodeCustomerColumns);
const encodedEvents = events.map((b) => encodeEventColumns(b, []));
const boxed = process.argv.includes('--boxed');
const session = new Session();
session.connect();
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((res, rej) => session.post(method, params, (err, r) => (err ? rej(err) : res(r))));
if (process.argv.includes('--prof')) {
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
}
for (let rep = 0; rep < reps; rep++) {
  const store = new ColumnarStore();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (boxed) for (const b of customers) store.upsertCustomers(b);
  else for (const b of encodedCustomers) store.ingestEncoded(b);
  const t1 = performance.now();
  if (boxed) for (const b of events) store.addEvents(b);
  else for (const b of encodedEvents) store.ingestEncoded(b);
  const t2 = performance.now();
  for (const e of store.eventTypes()) store.eventTable(e.name);
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (system ${(cpu.system / 1000).toFixed(0)}), customers ${(t1 - t0).toFixed(0)} ms, events ${(t2 - t1).toFixed(0)} ms, index ${(t3 - t2).toFixed(0)} ms, total ${(t3 - t0).toFixed(0)} ms`
  );
}
if (process.argv.includes('--prof')) {
  const { profile } = (await post('Profiler.stop')) as { profile: object };
  writeFileSync('/tmp/build.cpuprofile', JSON.stringify(profile));
}
