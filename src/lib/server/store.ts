// Opens the configured database for the server or the CLI: PostgreSQL when a URL is given, else
// PGlite in the data directory (guarded by a lock file, since only one process may open it), then
// applies pending migrations.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDatabase, type Database, type DatabaseConfig } from './db';
import { migrate, type Migration } from './migrate';

const LOCK_FILE = 'segments-server.pid';

export class DataDirInUse extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The data directory ${dir} is in use by process ${pid}. Stop that process first, ` +
        'or use PostgreSQL (DATABASE_URL), which many processes can share.'
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  let holder = NaN;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    // no lock yet
  }
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder))
    throw new DataDirInUse(dir, holder);
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

export async function openStore(
  config: DatabaseConfig,
  migrations: readonly Migration[]
): Promise<Database> {
  if (config.url) {
    const db = await openDatabase(config);
    try {
      await migrate(db, migrations);
    } catch (e) {
      await db.close();
      throw e;
    }
    return db;
  }
  const dataDir = resolve(config.dataDir);
  const unlock = lockDataDir(dataDir);
  let db: Database;
  try {
    db = await openDatabase({ ...config, dataDir: join(dataDir, 'pglite') });
  } catch (e) {
    unlock();
    throw e;
  }
  try {
    await migrate(db, migrations);
  } catch (e) {
    await db.close();
    unlock();
    throw e;
  }
  return {
    ...db,
    close: async () => {
      await db.close();
      unlock();
    }
  };
}
