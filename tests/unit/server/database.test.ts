// The database layer on the backend under test (PGlite, or PostgreSQL when a URL is given):
// migrations apply once, in order, all or nothing, also when several servers start together; the
// same SQL and value types on both; the embedded data directory is opened by one process only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '$lib/server/db';
import { migrate, sortMigrations, splitStatements, type Migration } from '$lib/server/migrate';
import { MIGRATIONS } from '$lib/server/migrations';
import { DataDirInUse, openStore } from '$lib/server/store';
import { BACKEND, freshDatabase, START_TIMEOUT, TEST_TIMEOUT, type TestDatabase } from './harness';

let target: TestDatabase;
let db: Database;
const open = () =>
  openDatabase({ url: target.databaseUrl, dataDir: join(target.dataDir, 'pglite') });

beforeAll(async () => {
  target = await freshDatabase();
  db = await open();
}, START_TIMEOUT);
afterAll(async () => {
  await db.close();
  await target.drop();
}, START_TIMEOUT);

const m = (name: string, sql: string): Migration => ({ name, sql });

async function tableExists(name: string): Promise<boolean> {
  const rows = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return rows[0].t !== null;
}

describe(`database and migrations (${BACKEND})`, { timeout: TEST_TIMEOUT }, () => {
  it('applies pending migrations once, in numeric order, and records them', async () => {
    const first = [
      m('002_b.sql', 'CREATE TABLE mb (x int);'),
      m('001_a.sql', 'CREATE TABLE ma (x int);')
    ];
    expect(await migrate(db, first)).toEqual(['001_a.sql', '002_b.sql']);
    expect(await migrate(db, first)).toEqual([]);
    expect(
      await migrate(db, [...first, m('010_c.sql', 'ALTER TABLE ma ADD COLUMN y text;')])
    ).toEqual(['010_c.sql']);
    const recorded = await db.query<{ name: string }>(
      'SELECT name FROM schema_migrations ORDER BY name'
    );
    expect(recorded.map((r) => r.name)).toEqual(['001_a.sql', '002_b.sql', '010_c.sql']);
  });

  it('rolls a failing migration back whole, with the ones before it in the same start', async () => {
    const batch = [
      m('020_ok.sql', 'CREATE TABLE half_ok (x int);'),
      m('021_bad.sql', 'CREATE TABLE half_bad (x int);\nINSERT INTO no_such_table VALUES (1);')
    ];
    await expect(migrate(db, batch)).rejects.toThrow();
    expect(await tableExists('half_ok')).toBe(false);
    expect(await tableExists('half_bad')).toBe(false);
    const recorded = await db.query<{ name: string }>(
      "SELECT name FROM schema_migrations WHERE name LIKE '02%'"
    );
    expect(recorded).toEqual([]);
  });

  it('applies each migration once when several servers start at the same time', async () => {
    const others =
      BACKEND === 'postgres' ? await Promise.all([open(), open(), open()]) : [db, db, db];
    try {
      const batch = [m('030_race.sql', 'CREATE TABLE race (x int);\nINSERT INTO race VALUES (1);')];
      const applied = await Promise.all(others.map((o) => migrate(o, batch)));
      expect(applied.flat()).toEqual(['030_race.sql']);
      expect(await db.query('SELECT x FROM race')).toEqual([{ x: 1 }]);
    } finally {
      if (BACKEND === 'postgres') await Promise.all(others.map((o) => o.close()));
    }
  });

  it('runs the real schema and returns the same value types on both databases', async () => {
    expect((await migrate(db, MIGRATIONS)).length).toBeGreaterThan(0);
    const id = '00000000-0000-4000-8000-000000000001';
    await db.query(
      "INSERT INTO workspaces (id, name, last_seq) VALUES ($1, 'types', 9007199254740991)",
      [id]
    );
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO export_uploads (workspace_id, export_id, meta, chunk_count, device_id)
         VALUES ($1, $1, $2, 1, 'd')`,
        [id, JSON.stringify({ a: [1, 'b'] })]
      );
      await tx.query(
        `INSERT INTO export_chunks (workspace_id, export_id, idx, sha256, data) VALUES ($1, $1, 0, 'h', $2)`,
        [id, new Uint8Array([0, 1, 255])]
      );
    });
    const [row] = await db.query<{ last_seq: unknown; meta: unknown; data: unknown }>(
      `SELECT w.last_seq, u.meta, c.data FROM workspaces w
       JOIN export_uploads u ON u.workspace_id = w.id JOIN export_chunks c ON c.workspace_id = w.id
       WHERE w.id = $1`,
      [id]
    );
    expect(row.last_seq).toBe(9007199254740991);
    expect(row.meta).toEqual({ a: [1, 'b'] });
    expect(row.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(row.data as Uint8Array)).toEqual([0, 1, 255]);
  });

  it(
    'keys the names of segments stored before migration 002 (live ones only)',
    { timeout: START_TIMEOUT },
    async () => {
      const other = await freshDatabase();
      const odb = await openDatabase({
        url: other.databaseUrl,
        dataDir: join(other.dataDir, 'pglite')
      });
      try {
        await migrate(
          odb,
          MIGRATIONS.filter((x) => x.name.startsWith('001_'))
        );
        const ws = '00000000-0000-4000-8000-000000000002';
        await odb.query("INSERT INTO workspaces (id, name) VALUES ($1, 'old')", [ws]);
        const rows: [string, string, boolean, unknown][] = [
          ['00000000-0000-4000-8000-00000000000a', 'segment', false, { name: '  VIP   Big ' }],
          ['00000000-0000-4000-8000-00000000000b', 'segment', true, null],
          ['00000000-0000-4000-8000-00000000000c', 'export', false, { segmentName: 'VIP' }]
        ];
        for (const [seq, [id, type, deleted, body]] of rows.entries())
          await odb.query(
            `INSERT INTO records (workspace_id, record_type, record_id, version, deleted, body, at, seq)
             VALUES ($1, $2, $3, 1, $4, $5::jsonb, 0, $6)`,
            [ws, type, id, deleted, body === null ? null : JSON.stringify(body), seq + 1]
          );
        expect(await migrate(odb, MIGRATIONS)).toContain('002_segment_names.sql');
        const keys = await odb.query<{ record_id: string; name_key: string | null }>(
          'SELECT record_id, name_key FROM records ORDER BY record_id'
        );
        expect(keys.map((k) => k.name_key)).toEqual(['vip big', null, null]);
      } finally {
        await odb.close();
        await other.drop();
      }
    }
  );

  it('rolls back a transaction whose work throws', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS tx_check (x int)');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_check VALUES (1)');
        throw new Error('stop');
      })
    ).rejects.toThrow('stop');
    expect(await db.query('SELECT * FROM tx_check')).toEqual([]);
  });
});

describe('migration files', () => {
  it('splits statements and refuses badly named or duplicate numbers', () => {
    expect(splitStatements('-- c;\nCREATE TABLE a (x int);\n\nCREATE INDEX i ON a (x);\n')).toEqual(
      ['CREATE TABLE a (x int)', 'CREATE INDEX i ON a (x)']
    );
    expect(() => sortMigrations([m('init.sql', '')])).toThrow(/NNN_description/);
    expect(() => sortMigrations([m('001_a.sql', ''), m('1_b.sql', '')])).toThrow(/share number 1/);
    expect(MIGRATIONS.map((x) => x.name)).toContain('001_init.sql');
  });

  it('refuses to open an embedded data directory that another live process holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segments-lock-'));
    try {
      writeFileSync(join(dir, 'segments-server.pid'), '1');
      await expect(openStore({ dataDir: dir }, MIGRATIONS)).rejects.toBeInstanceOf(DataDirInUse);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
