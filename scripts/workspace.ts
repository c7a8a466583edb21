// `npm run workspace -- create NAME | list | revoke TOKEN_ID|NAME | token NAME`: manages workspaces and
// their access tokens in the configured database (DATABASE_URL, else PGlite in DATA_DIR or ./data).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openStore } from '../src/lib/server/store';
import type { Migration } from '../src/lib/server/migrate';
import {
  createWorkspace,
  findWorkspace,
  issueToken,
  listWorkspaces,
  revoke,
  WorkspaceNameTaken
} from '../src/lib/server/workspaces';

const USAGE = `Usage: npm run workspace -- <command>
  create NAME          create a workspace and print its access token (shown once)
  list                 list workspaces and their tokens (ids only; tokens are stored hashed)
  token NAME           print a new access token for a workspace
  revoke TOKEN_ID      revoke one token (its id as "list" shows it)
  revoke NAME          revoke every token of a workspace
Uses DATABASE_URL when set, else the embedded database in DATA_DIR (default ./data).`;

function migrationsOnDisk(): Migration[] {
  const dir = fileURLToPath(new URL('../src/lib/server/migrations/', import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const name = rest.join(' ').trim();
  const needsName = ['create', 'token', 'revoke'].includes(command ?? '');
  if (
    !command ||
    !['create', 'list', 'token', 'revoke'].includes(command) ||
    (needsName && !name)
  ) {
    console.error(USAGE);
    return 2;
  }
  if (name.length > 200) {
    console.error('A workspace name has at most 200 characters.');
    return 2;
  }
  const db = await openStore(
    { url: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || './data' },
    migrationsOnDisk()
  );
  try {
    switch (command) {
      case 'create': {
        const ws = await createWorkspace(db, name);
        console.log(`Created workspace "${ws.name}" (${ws.id}).`);
        console.log(
          'Access token (shown only this once; paste it into the app to connect a device):'
        );
        console.log(ws.token);
        return 0;
      }
      case 'token': {
        const ws = await findWorkspace(db, name);
        if (!ws) {
          console.error(`No workspace named "${name}" (see: npm run workspace -- list).`);
          return 1;
        }
        console.log(`New access token for "${ws.name}" (shown only this once):`);
        console.log(await issueToken(db, ws.id));
        return 0;
      }
      case 'revoke': {
        const n = await revoke(db, name);
        if (n === 0) {
          console.error(`No active token matches "${name}" (see: npm run workspace -- list).`);
          return 1;
        }
        console.log(`Revoked ${n} token${n === 1 ? '' : 's'}.`);
        return 0;
      }
      default: {
        const all = await listWorkspaces(db);
        if (all.length === 0) console.log('No workspaces yet: npm run workspace -- create NAME');
        for (const ws of all) {
          console.log(`${ws.name}  (${ws.id}, created ${ws.createdAt})`);
          for (const t of ws.tokens)
            console.log(
              `  token ${t.id}  created ${t.createdAt}  ${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}`
            );
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof WorkspaceNameTaken) {
      console.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
);
