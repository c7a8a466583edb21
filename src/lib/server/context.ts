// The server's one running instance: configuration read from the environment, the opened database
// (started at boot by hooks.server.ts and warmed, since PGlite's first query is slow) and the rate
// limiters. Routes reach it through getServer().
import type { Database } from './db';
import { MIGRATIONS } from './migrations';
import { RateLimiter, type RateLimit } from './rate-limit';
import { openStore } from './store';

export interface ServerConfig {
  /** PostgreSQL connection URL (DATABASE_URL); without it, embedded PGlite in `dataDir`. */
  readonly databaseUrl?: string;
  /** DATA_DIR, default ./data. */
  readonly dataDir: string;
  /** Whether `POST /api/workspaces` may create workspaces (first visit of the app). */
  readonly allowWorkspaceCreation: boolean;
  /** Per token. */
  readonly rateLimit: RateLimit;
  /** Per client address, for the unauthenticated workspace creation. */
  readonly addressRateLimit: RateLimit;
  readonly poolSize: number;
}

export interface ServerContext {
  readonly config: ServerConfig;
  readonly db: Database;
  readonly limiter: RateLimiter;
  readonly addressLimiter: RateLimiter;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return /^(1|true|yes|on)$/i.test(value);
}

/**
 * DATABASE_URL, DATA_DIR, ALLOW_WORKSPACE_CREATION (default: on for the embedded database, off with
 * DATABASE_URL), RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST (per token), DATABASE_POOL_SIZE.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  return {
    databaseUrl,
    dataDir: env.DATA_DIR || './data',
    allowWorkspaceCreation: flag(env.ALLOW_WORKSPACE_CREATION) ?? databaseUrl === undefined,
    rateLimit: {
      perSecond: positive(env.RATE_LIMIT_PER_SECOND, 20),
      burst: positive(env.RATE_LIMIT_BURST, 100)
    },
    // Generous: a test suite opens many fresh browser profiles; a flood still stops after 60.
    addressRateLimit: { perSecond: 0.5, burst: 60 },
    poolSize: positive(env.DATABASE_POOL_SIZE, 10)
  };
}

// Kept on globalThis so that a module reload in the dev server does not open the database twice.
const slot = globalThis as { __segmentsApiServer?: Promise<ServerContext> };

async function start(config: ServerConfig): Promise<ServerContext> {
  const started = performance.now();
  const db = await openStore(
    { url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize },
    MIGRATIONS
  );
  // Warm the query path (PGlite compiles its WASM and caches plans on first use).
  await db.query('SELECT count(*) AS n FROM workspaces');
  const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
  console.log(`API database ready (${where}) in ${Math.round(performance.now() - started)} ms`);
  return {
    config,
    db,
    limiter: new RateLimiter(config.rateLimit),
    addressLimiter: new RateLimiter(config.addressRateLimit)
  };
}

/** Opens the database and applies migrations once; later calls share the same start. */
export function startServer(config: ServerConfig = configFromEnv()): Promise<ServerContext> {
  if (!slot.__segmentsApiServer) {
    const starting = start(config);
    slot.__segmentsApiServer = starting;
    starting.catch(() => {
      if (slot.__segmentsApiServer === starting) slot.__segmentsApiServer = undefined;
    });
  }
  return slot.__segmentsApiServer;
}

export function getServer(): Promise<ServerContext> {
  return startServer();
}

export async function stopServer(): Promise<void> {
  const running = slot.__segmentsApiServer;
  slot.__segmentsApiServer = undefined;
  if (running) await (await running).db.close();
}
