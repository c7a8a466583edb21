// Schema migrations: numbered plain SQL files applied in order at start, all pending ones inside one
// transaction and recorded in `schema_migrations`, under an advisory lock so that servers starting at
// the same time never apply one twice. A failing migration rolls back whole.
import type { Database } from './db';

export interface Migration {
  /** The file name, e.g. `001_init.sql`: its number gives the order. */
  readonly name: string;
  readonly sql: string;
}

/** An arbitrary constant: the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_301_442;

export function sortMigrations(migrations: readonly Migration[]): Migration[] {
  const numbered = migrations.map((m) => {
    const match = /^(\d+)[_-].*\.sql$/.exec(m.name);
    if (!match) throw new Error(`Migration ${m.name} must be named NNN_description.sql`);
    return { ...m, n: Number(match[1]) };
  });
  numbered.sort((a, b) => a.n - b.n);
  for (let i = 1; i < numbered.length; i++)
    if (numbered[i].n === numbered[i - 1].n)
      throw new Error(`Two migrations share number ${numbered[i].n}`);
  return numbered.map(({ name, sql }) => ({ name, sql }));
}

/** Applies the migrations not yet recorded; returns the names it applied. */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  const ordered = sortMigrations(migrations);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`
    );
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name)
    );
    const applied: string[] = [];
    for (const m of ordered) {
      if (done.has(m.name)) continue;
      // Statements run one by one: the extended protocol (used for parameters) takes one at a time.
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}

/** Splits a migration file at `;` line ends; migrations keep to plain DDL (no function bodies). */
export function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, '')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
