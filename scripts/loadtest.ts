// `npm run loadtest [-- --seconds 60 --devices 50]`: a bounded load test of the built server (run
// `npm run build` first) on loopback, with PGlite and then PostgreSQL (TEST_DATABASE_URL or
// DATABASE_URL, if given): simulated devices push and pull, a few retry batches on purpose, and at the
// end every mutation must have been applied exactly once. Prints requests/s and p50/p99 latencies.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type {
  CreateWorkspaceResponse,
  Mutation,
  PullResponse,
  PushResponse,
  SegmentPayload
} from '../src/lib/sync/protocol';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const n = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
  return n;
};
const SECONDS = Math.min(option('seconds', 60), 600);
const DEVICES = Math.min(option('devices', 50), 500);
const WORKSPACES = Math.max(1, Math.min(10, Math.ceil(DEVICES / 5)));
const BATCH = 5;
const PORT = option('port', 4331);
const HOST = '127.0.0.1';
const POSTGRES_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';

interface Sample {
  readonly kind: 'push' | 'pull';
  readonly ms: number;
}

interface Expected {
  /** Per record: how many of its puts the server said it applied, and the last body sent. */
  readonly records: Map<string, { applied: number; version: number; last: SegmentPayload }>;
}

class Device {
  readonly id = randomUUID();
  readonly own: { segment: SegmentPayload; version: number }[] = [];
  cursor = 0;
  counter = 0;
  lastBatch: Mutation[] = [];
  pushed = 0;
  duplicates = 0;
  /** Requests that failed (timeout, refused) and were tried again. */
  errors = 0;
  failures: string[] = [];

  constructor(
    readonly index: number,
    readonly token: string,
    readonly expected: Expected
  ) {}

  nextBatch(now: number): Mutation[] {
    const batch: Mutation[] = [];
    for (let i = 0; i < BATCH; i++) {
      this.counter += 1;
      // Mostly edits of its own segments (based on the version it knows), sometimes a new one.
      const editing = this.own.length > 0 && this.counter % 3 !== 0;
      const entry = editing ? this.own[this.counter % this.own.length] : undefined;
      const id = entry?.segment.id ?? randomUUID();
      const segment: SegmentPayload = {
        id,
        kind: 'dynamic',
        name: `Device ${this.index} segment ${this.counter}`,
        rule: `total_spent > ${this.counter} AND performed Purchased in last 30 days`,
        createdAt: entry?.segment.createdAt ?? now,
        updatedAt: now
      };
      batch.push({
        mutationId: randomUUID(),
        op: 'put',
        recordType: 'segment',
        recordId: id,
        baseVersion: entry?.version ?? 0,
        at: now,
        segment
      });
      if (!entry) this.own.push({ segment, version: 0 });
      else entry.segment = segment;
    }
    return batch;
  }
}

async function timed<T>(
  samples: Sample[],
  kind: Sample['kind'],
  work: () => Promise<T>
): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    samples.push({ kind, ms: performance.now() - start });
  }
}

async function request<T>(base: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' })
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000)
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

async function pullAll(
  base: string,
  token: string,
  after: number,
  samples?: Sample[]
): Promise<PullResponse> {
  const all: PullResponse = { changes: [], cursor: after, more: false };
  for (;;) {
    const get = () =>
      request<PullResponse>(base, `/api/sync/pull?after=${all.cursor}&limit=500`, token);
    const page = samples ? await timed(samples, 'pull', get) : await get();
    all.changes.push(...page.changes);
    all.cursor = page.cursor;
    if (!page.more) return all;
  }
}

/** Sends a batch until the server answers, as the app's outbox does (same mutation ids each time). */
async function pushUntilAnswered(
  device: Device,
  base: string,
  batch: Mutation[],
  giveUpAt: number,
  samples: Sample[]
): Promise<{ results: PushResponse['results']; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { results } = await timed(samples, 'push', () =>
        request<PushResponse>(base, '/api/sync/push', device.token, {
          deviceId: device.id,
          deviceName: `Load device ${device.index}`,
          mutations: batch
        })
      );
      return { results, attempts: attempt };
    } catch (e) {
      device.errors += 1;
      if (Date.now() > giveUpAt) throw e;
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
    }
  }
}

async function runDevice(device: Device, base: string, deadline: number, samples: Sample[]) {
  const expected = device.expected.records;
  while (Date.now() < deadline) {
    // Every fifth round re-sends the previous batch, as after a lost response: all duplicates.
    const retry = device.lastBatch.length > 0 && device.pushed % 5 === 4;
    const batch = retry ? device.lastBatch : device.nextBatch(Date.now());
    device.pushed += 1;
    const { results, attempts } = await pushUntilAnswered(
      device,
      base,
      batch,
      deadline + 120_000,
      samples
    );
    batch.forEach((m, i) => {
      const r = results[i];
      if (retry) {
        if (r.status === 'duplicate') device.duplicates += 1;
        else device.failures.push(`retried mutation ${m.mutationId} came back ${r.status}`);
        return;
      }
      // After a failed attempt the server may already have applied the batch: then "duplicate".
      const ok = r.status === 'applied' || (attempts > 1 && r.status === 'duplicate');
      if (!ok || m.op !== 'put') {
        device.failures.push(`mutation ${m.mutationId}: ${r.status} ${r.error ?? ''}`);
        return;
      }
      const rec = expected.get(m.recordId) ?? { applied: 0, version: 0, last: m.segment };
      rec.applied += 1;
      rec.version = r.version ?? -1;
      rec.last = m.segment;
      expected.set(m.recordId, rec);
      const own = device.own.find((o) => o.segment.id === m.recordId);
      if (own) own.version = r.version ?? own.version;
    });
    if (!retry) device.lastBatch = batch;
    try {
      device.cursor = (await pullAll(base, device.token, device.cursor, samples)).cursor;
    } catch {
      device.errors += 1;
    }
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['build'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      PORT: String(PORT),
      HOST,
      BODY_SIZE_LIMIT: '20M',
      ALLOW_WORKSPACE_CREATION: '1',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const until = Date.now() + 300_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`The server exited at start:\n${log}`);
    try {
      await fetch(`http://${HOST}:${PORT}/api/session`, { signal: AbortSignal.timeout(2000) });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`The server did not answer within 5 minutes:\n${log}`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface Outcome {
  readonly backend: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly pushP50: number;
  readonly pushP99: number;
  readonly pullP50: number;
  readonly pullP99: number;
  readonly mutations: number;
  readonly duplicates: number;
  readonly errors: number;
  readonly problems: string[];
}

async function runAgainst(backend: string, env: Record<string, string>): Promise<Outcome> {
  console.log(`\n${backend}: starting the server on ${HOST}:${PORT}…`);
  const server = await startServer(env);
  const base = `http://${HOST}:${PORT}`;
  try {
    const workspaces: { token: string; expected: Expected }[] = [];
    for (let i = 0; i < WORKSPACES; i++) {
      const res = await fetch(`${base}/api/workspaces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `load ${i} ${randomUUID().slice(0, 8)}` })
      });
      if (res.status !== 201)
        throw new Error(`Creating a workspace: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as CreateWorkspaceResponse;
      workspaces.push({ token, expected: { records: new Map() } });
    }
    const devices = Array.from({ length: DEVICES }, (_, i) => {
      const ws = workspaces[i % WORKSPACES];
      return new Device(i, ws.token, ws.expected);
    });
    console.log(
      `${backend}: ${DEVICES} devices in ${WORKSPACES} workspaces pushing and pulling for ${SECONDS} s…`
    );
    const samples: Sample[] = [];
    const started = performance.now();
    const deadline = Date.now() + SECONDS * 1000;
    const problems: string[] = [];
    await Promise.all(
      devices.map((d) =>
        runDevice(d, base, deadline, samples).catch((e: unknown) =>
          problems.push(`device ${d.index}: ${String(e)}`)
        )
      )
    );
    const elapsed = (performance.now() - started) / 1000;

    // Exactly once: each record's final version is the number of its puts the server applied.
    let mutations = 0;
    for (const [i, ws] of workspaces.entries()) {
      const { changes } = await pullAll(base, ws.token, 0);
      const latest = new Map(changes.map((c) => [c.recordId, c]));
      if (latest.size !== ws.expected.records.size)
        problems.push(
          `workspace ${i}: ${latest.size} records on the server, ${ws.expected.records.size} sent`
        );
      for (const [id, rec] of ws.expected.records) {
        mutations += rec.applied;
        const c = latest.get(id);
        if (!c || c.recordType !== 'segment') problems.push(`record ${id} is missing`);
        else if (c.version !== rec.applied || c.version !== rec.version)
          problems.push(`record ${id}: version ${c.version}, applied ${rec.applied} puts`);
        else if (JSON.stringify(c.segment) !== JSON.stringify(rec.last))
          problems.push(`record ${id}: the server holds another body than the last put`);
      }
      const seqs = changes.map((c) => c.seq);
      if (seqs.some((s, k) => k > 0 && s <= seqs[k - 1]))
        problems.push(`workspace ${i}: change numbers out of order`);
    }
    for (const d of devices) problems.push(...d.failures.map((f) => `device ${d.index}: ${f}`));
    const all = samples.map((s) => s.ms);
    const of = (kind: Sample['kind']) => samples.filter((s) => s.kind === kind).map((s) => s.ms);
    return {
      backend,
      requests: samples.length,
      perSecond: samples.length / elapsed,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      pushP50: percentile(of('push'), 50),
      pushP99: percentile(of('push'), 99),
      pullP50: percentile(of('pull'), 50),
      pullP99: percentile(of('pull'), 99),
      mutations,
      duplicates: devices.reduce((n, d) => n + d.duplicates, 0),
      errors: devices.reduce((n, d) => n + d.errors, 0),
      problems
    };
  } finally {
    await stopServer(server);
  }
}

async function freshSchema(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `loadtest_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: withSchema.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    }
  };
}

/** A duration as people read it: "85 ms", "1.44 s". */
const duration = (ms: number): string =>
  !Number.isFinite(ms) ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;

/** The outcomes as one Markdown table (the README's), columns padded so it reads as plain text too. */
function table(outcomes: readonly Outcome[]): string {
  const header = [
    'backend',
    'requests',
    'req/s',
    'p50',
    'p99',
    'push p50 / p99',
    'pull p50 / p99',
    'mutations',
    're-sent (all `duplicate`)',
    'failed requests',
    'exactly once'
  ];
  const rows = outcomes.map((o) => [
    o.backend,
    String(o.requests),
    o.perSecond.toFixed(1),
    duration(o.p50),
    duration(o.p99),
    `${duration(o.pushP50)} / ${duration(o.pushP99)}`,
    `${duration(o.pullP50)} / ${duration(o.pullP99)}`,
    String(o.mutations),
    String(o.duplicates),
    String(o.errors),
    o.problems.length === 0 ? 'yes' : `NO (${o.problems.length} problems)`
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Fails early when the port is taken: a server already there would answer in place of ours. */
function checkPortFree(): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(new Error(`Port ${PORT} on ${HOST} is in use: pick another with --port N.`))
    );
    probe.listen(PORT, HOST, () => probe.close(() => resolve()));
  });
}

function pgliteVersion(): string {
  try {
    const file = join('node_modules', '@electric-sql', 'pglite', 'package.json');
    return `PGlite ${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
  } catch {
    return 'PGlite';
  }
}

async function postgresVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version.split(' ')[0]}`;
  } finally {
    await c.end();
  }
}

async function main(): Promise<number> {
  if (!existsSync(join('build', 'index.js'))) {
    console.error(
      'No build found: run `npm run build` first (the load test builds nothing itself).'
    );
    return 2;
  }
  await checkPortFree();
  const outcomes: Outcome[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'segments-loadtest-'));
  try {
    outcomes.push(await runAgainst(pgliteVersion(), { DATA_DIR: dataDir }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (POSTGRES_URL) {
    const schema = await freshSchema(POSTGRES_URL);
    try {
      await checkPortFree();
      outcomes.push(
        await runAgainst(await postgresVersion(POSTGRES_URL), { DATABASE_URL: schema.url })
      );
    } finally {
      await schema.drop();
    }
  } else console.log('\nNo TEST_DATABASE_URL or DATABASE_URL: PostgreSQL was not measured.');

  console.log(
    `\n${DEVICES} devices in ${WORKSPACES} workspace${WORKSPACES === 1 ? '' : 's'}, ${SECONDS} s per backend, batches of ${BATCH} mutations, loopback:\n`
  );
  console.log(table(outcomes));
  for (const o of outcomes)
    for (const p of o.problems.slice(0, 20)) console.log(`${o.backend}: ${p}`);
  return outcomes.every((o) => o.problems.length === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  }
);
