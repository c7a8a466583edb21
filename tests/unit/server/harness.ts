// Test harness for the API: starts the server context on a fresh database (PGlite in a temp dir, or a
// fresh schema of the PostgreSQL at TEST_DATABASE_URL / DATABASE_URL), and calls route handlers with
// real Request objects, as SvelteKit would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A database nobody else uses: a new schema on PostgreSQL, a new directory for PGlite. */
export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'segments-api-'));
  if (!POSTGRES_URL)
    return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
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
