// Test harness for the API: starts the server context on a fresh database (PGlite in a temp dir, or a
// fresh schema of the PostgreSQL at TEST_DATABASE_URL / DATABASE_URL), and calls route handlers with
// real Request objects, as SvelteKit would.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { configFromEnv, startServer, stopServer, type ServerConfig } from '$lib/server/context';
import type { ApiEvent } from '$lib/server/http';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
export const BACKEND = POSTGRES_URL ? 'postgres' : 'pglite';

/** PGlite's first start (initdb in WASM) takes seconds, and far longer on a busy machine. */
export const START_TIMEOUT = 240_000;
export const TEST_TIMEOUT = 60_000;

export interface TestDatabase {
  /** For `ServerConfig`: a URL with its own schema, or a temp data dir. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  drop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pgliteVersion(): string {
  try {
    const file = join(process.cwd(), 'node_modules/@electric-sql/pglite/package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * An initialised, empty PGlite data directory, made once per PGlite version and copied for each test
 * file: initdb in WebAssembly takes a minute on a busy machine, opening a copy a few seconds. Test
 * files run in parallel processes, so the first one makes it under a lock directory.
 */
async function pgliteTemplate(): Promise<string> {
  const dir = join(tmpdir(), `segments-pglite-template-${pgliteVersion()}`);
  const ready = join(dir, '.ready');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + START_TIMEOUT;
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`No PGlite template at ${dir} in time`);
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is making it; a lock older than 5 minutes was left by a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      const building = `${dir}.building-${process.pid}`;
      rmSync(building, { recursive: true, force: true });
      const db = await PGlite.create(building);
      await db.query('SELECT 1');
      await db.close();
      rmSync(dir, { recursive: true, force: true });
      renameSync(building, dir);
      writeFileSync(ready, '');
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/**
 * A database nobody else uses: a new schema on PostgreSQL, a new directory for PGlite (the
 * store opens `dataDir/pglite`, which starts as a copy of the template).
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'segments-api-'));
  if (!POSTGRES_URL) {
    cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), {
      recursive: true,
      filter: (src) => !src.endsWith('.ready')
    });
    return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schema = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    databaseUrl: url.toString(),
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}) {
  const database = await freshDatabase();
  const config: ServerConfig = {
    ...configFromEnv({}),
    databaseUrl: database.databaseUrl,
    dataDir: database.dataDir,
    allowWorkspaceCreation: true,
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    addressRateLimit: { perSecond: 10_000, burst: 10_000 },
    ...overrides
  };
  const server = await startServer(config);
  return {
    server,
    config,
    async stop() {
      await stopServer();
      await database.drop();
    }
  };
}

export interface CallOptions {
  readonly method?: string;
  readonly path?: string;
  readonly params?: Record<string, string>;
  readonly token?: string;
  /** Sent as application/json. */
  readonly json?: unknown;
  readonly body?: BodyInit | Uint8Array;
  readonly headers?: Record<string, string>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
  readonly bytes: Uint8Array;
}

type Handler = (event: ApiEvent) => Promise<Response> | Response;

export async function call(handler: Handler, options: CallOptions = {}): Promise<CallResult> {
  const headers = new Headers(options.headers);
  if (options.token !== undefined) headers.set('authorization', `Bearer ${options.token}`);
  let body = options.body as BodyInit | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  const url = new URL(options.path ?? '/api/test', 'http://127.0.0.1');
  const request = new Request(url, {
    method,
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {})
  } as RequestInit);
  const response = await handler({
    request,
    url,
    params: options.params ?? {},
    getClientAddress: () => '127.0.0.1'
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let json: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('json'))
    json = JSON.parse(new TextDecoder().decode(bytes));
  return { status: response.status, headers: response.headers, json, bytes };
}
