// CSV import throughput in Node: PapaParse alone (the reference) against our streaming parser and the
// parser plus the customer/event mappers. Run: `npx tsx bench/csv-throughput.ts [--dir /tmp/gen]`.
// Uses customers.csv and events.csv from `npm run generate -- --out <dir>`, or generates small files
// of its own when they are missing.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { editPlan, planColumns, type ImportKind } from '$lib/csv/columns';
import { createCustomerMapper, createEventMapper } from '$lib/csv/mapper';
import { sniff } from '$lib/csv/sniff';
import { parseCsv, type CsvSource } from '$lib/csv/stream';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const dir = arg('dir', '/tmp/gen');
const runs = Number(arg('runs', '5'));
const only = arg('only', '');

/** A small deterministic generator, used when the generated files are absent. */
const ensureFiles = (): void => {
  if (existsSync(join(dir, 'customers.csv')) && existsSync(join(dir, 'events.csv'))) return;
  mkdirSync(dir, { recursive: true });
  let seed = 1;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const customers = [
    'customer_id,first_name,email,phone,city,signup_date,total_spent,total_orders,accepts_marketing'
  ];
  for (let i = 1; i <= 100_000; i++) {
    const id = `C${String(i).padStart(6, '0')}`;
    customers.push(
      `${id},Name${i},user${i}@example.com,+9198${String(rand(1e8)).padStart(8, '0')},City${rand(50)},2026-0${1 + rand(9)}-1${rand(9)},${rand(100000)}.${String(rand(100)).padStart(2, '0')},${rand(20)},${rand(2) ? 'true' : 'false'}`
    );
  }
  writeFileSync(join(dir, 'customers.csv'), customers.join('\n') + '\n');
  const events = ['event_id,customer_id,event,timestamp,amount,category,quantity'];
  for (let i = 1; i <= 1_000_000; i++) {
    const ts = new Date(Date.UTC(2026, 0, 1) + rand(3e10)).toISOString().slice(0, 19) + 'Z';
    const buy = rand(4) === 0;
    events.push(
      `E${String(i).padStart(7, '0')},C${String(1 + rand(100000)).padStart(6, '0')},${buy ? 'Purchased' : 'Viewed Product'},${ts},${buy ? `${rand(5000)}.00` : ''},Cat${rand(10)},${buy ? 1 + rand(3) : ''}`
    );
  }
  writeFileSync(join(dir, 'events.csv'), events.join('\n') + '\n');
};

interface Measure {
  readonly rows: number;
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** Process CPU milliseconds (user + system, all threads): steadier on a busy machine. */
  readonly cpuMs: number;
}

/** Best of `runs` by wall clock and by CPU time, each on its own (after one warm-up run). */
const measure = async (run: () => Promise<number> | number): Promise<Measure> => {
  let rows = 0;
  let ms = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i <= runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    rows = await run();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (i === 0) continue;
    ms = Math.min(ms, wall);
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1000);
  }
  return { rows, ms, cpuMs };
};

const papaAlone = (text: string): number => {
  let rows = 0;
  Papa.parse<string[]>(text, {
    chunkSize: 1 << 20,
    chunk: (result: Papa.ParseResult<string[]>) => {
      rows += result.data.length;
    },
    complete: () => undefined
  });
  return rows;
};

const parseOnly = async (source: CsvSource): Promise<number> => {
  let rows = 0;
  const result = await parseCsv(source, {
    delimiter: ',',
    encoding: 'utf-8',
    chunkRows: 20_000,
    onRows: (chunk) => {
      rows += chunk.length;
    }
  });
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return rows;
};

const planFor = (bytes: Uint8Array, kind: ImportKind) => {
  const sniffed = sniff(bytes.subarray(0, 64 * 1024), { totalBytes: bytes.length });
  if (!sniffed.ok) throw new Error(sniffed.issues.map((i) => i.message).join('; '));
  const { headers, sampleRows, decimalComma } = sniffed.value;
  return planColumns(headers, sampleRows, kind, { decimalComma });
};

const parseAndMap = async (
  source: CsvSource,
  map: (rows: string[][], first: number) => number
): Promise<number> => {
  let rows = 0;
  const result = await parseCsv(source, {
    delimiter: ',',
    encoding: 'utf-8',
    chunkRows: 20_000,
    onRows: (chunk, first) => {
      rows += map(chunk, first);
    }
  });
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return rows;
};

const main = async (): Promise<void> => {
  ensureFiles();
  const files = { customers: join(dir, 'customers.csv'), events: join(dir, 'events.csv') };
  const lines: string[][] = [
    ['path', 'rows', 'wall ms', 'rows/s', 'vs Papa', 'cpu ms', 'vs Papa (cpu)']
  ];
  const report = (name: string, m: Measure, reference: Measure = m) => {
    const ratio = (a: number, b: number) => `${((b / a) * 100).toFixed(0)}%`;
    lines.push([
      name,
      String(m.rows),
      m.ms.toFixed(0),
      Math.round((m.rows / m.ms) * 1000).toLocaleString('en-US'),
      ratio(m.ms / m.rows, reference.ms / reference.rows),
      m.cpuMs.toFixed(0),
      ratio(m.cpuMs / m.rows, reference.cpuMs / reference.rows)
    ]);
    console.log(lines[lines.length - 1].join('  '));
  };

  for (const kind of ['events', 'customers'] as const) {
    if (only !== '' && only !== kind) continue;
    const bytes = new Uint8Array(readFileSync(files[kind]));
    const text = new TextDecoder().decode(bytes);
    const blob = new Blob([bytes]);
    const plan = planFor(bytes, kind);
    const papa = await measure(() => papaAlone(text));
    report(`${kind}: PapaParse alone (string, chunk)`, papa);
    report(`${kind}: parseCsv (string)`, await measure(() => parseOnly(text)), papa);
    report(`${kind}: parseCsv (Blob, decoding)`, await measure(() => parseOnly(blob)), papa);
    if (kind === 'events') {
      const mapper = createEventMapper(plan);
      if (!mapper.ok) throw new Error('event plan');
      const map = (rows: string[][], first: number) => {
        const mapped = mapper.value.mapEventRows(rows, first);
        if (mapped.fingerprints.length !== mapped.batch.customerIds.length) throw new Error('fp');
        return mapped.batch.customerIds.length;
      };
      report(
        `${kind}: parseCsv + mapEventRows (string)`,
        await measure(() => parseAndMap(text, map)),
        papa
      );
      report(
        `${kind}: parseCsv + mapEventRows (Blob)`,
        await measure(() => parseAndMap(blob, map)),
        papa
      );
    } else {
      const mapper = createCustomerMapper(plan, { defaultCountry: 'IN' });
      if (!mapper.ok) throw new Error('customer plan');
      const map = (rows: string[][], first: number) =>
        mapper.value.mapCustomerRows(rows, first).batch.ids.length;
      report(
        `${kind}: parseCsv + mapCustomerRows (string)`,
        await measure(() => parseAndMap(text, map)),
        papa
      );
      report(
        `${kind}: parseCsv + mapCustomerRows (Blob)`,
        await measure(() => parseAndMap(blob, map)),
        papa
      );
      // libphonenumber-js (E.164 of every phone) dominates customers: the rest, without it.
      const phone = plan.columns.find((c) => c.role === 'phone');
      const noPhone = phone ? editPlan(plan, { op: 'skip', index: phone.index, skip: true }) : plan;
      const lean = createCustomerMapper(noPhone, { defaultCountry: 'IN' });
      if (!lean.ok) throw new Error('customer plan');
      const leanMap = (rows: string[][], first: number) =>
        lean.value.mapCustomerRows(rows, first).batch.ids.length;
      report(
        `${kind}: parseCsv + mapCustomerRows, phone skipped (string)`,
        await measure(() => parseAndMap(text, leanMap)),
        papa
      );
    }
  }
  console.log();
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const l of lines)
    console.log(
      l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
    );
};

await main();
