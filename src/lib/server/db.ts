// The database behind the API: one small interface over PostgreSQL (`pg`, when a connection URL is
// given) and embedded PGlite (a data directory), so the same SQL runs on both. Values are normalised
// here: int8 columns come back as numbers, bytea as Uint8Array.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type SqlValue = string | number | boolean | null | Uint8Array | readonly string[];

/** Something that runs one statement: the database itself or an open transaction. */
export interface Queryable {
  query<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseConfig {
  /** A PostgreSQL connection URL; without it the embedded PGlite in `dataDir` is used. */
  readonly url?: string;
  readonly dataDir: string;
  /** Connections in the pool (PostgreSQL only). */
  readonly poolSize?: number;
}

// int8 (20) as a JavaScript number: sequence numbers and sizes stay far below 2^53.
pg.types.setTypeParser(20, (text: string) => Number(text));

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  return config.url ? openPostgres(config.url, config.poolSize ?? 10) : openPglite(config.dataDir);
}

function normaliseRow<T>(row: Record<string, unknown>): T {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (typeof value === 'bigint') row[key] = Number(value);
    else if (Buffer.isBuffer(value))
      row[key] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return row as T;
}

function toParams(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => (Array.isArray(p) ? [...p] : p));
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (the server restarted) must not crash the process: the pool replaces it.
  pool.on('error', (e) => console.error('PostgreSQL pool error:', e.message));
  const run =
    (client: pg.Pool | pg.PoolClient) =>
    async <T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> => {
      const result = await client.query(sql, toParams(params));
      return result.rows.map((r: Record<string, unknown>) => normaliseRow<T>(r));
    };
  return {
    kind: 'postgres',
    query: run(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: run(client) });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end()
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const db = await PGlite.create(dataDir);
  const run =
    (q: Pick<PGlite, 'query'>) =>
    async <T extends object>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> => {
      const result = await q.query<Record<string, unknown>>(sql, toParams(params));
      return result.rows.map((r) => normaliseRow<T>(r));
    };
  return {
    kind: 'pglite',
    query: run(db),
    // PGlite has one connection: its transactions are serialised, and plain queries wait for them.
    transaction: (work) => db.transaction((tx) => work({ query: run(tx) })),
    close: () => db.close()
  };
}
