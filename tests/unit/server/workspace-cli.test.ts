// `npm run workspace`, run as a person would (its own process, on the same database as the server):
// `create` prints a token once and the API accepts it; `list` shows tokens by id only; `token` adds one;
// `revoke` stops a token (or all of a workspace's) at once; only SHA-256 hashes of tokens are stored.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as sessionRoute } from '../../../src/routes/api/session/+server';
import { configFromEnv, startServer, stopServer } from '$lib/server/context';
import { BACKEND, call, freshDatabase, START_TIMEOUT, type TestDatabase } from './harness';

const TSX = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');
const exec = promisify(execFile);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
}, START_TIMEOUT);
afterAll(async () => db?.drop(), START_TIMEOUT);

async function workspaceCommand(...args: string[]): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: db.databaseUrl ?? '', DATA_DIR: db.dataDir };
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [TSX, 'scripts/workspace.ts', ...args],
      {
        env,
        timeout: START_TIMEOUT
      }
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs `work` with the API's server context on the same database (then closes it again). */
async function withServer<T>(work: (hashes: string[]) => Promise<T>): Promise<T> {
  const server = await startServer({
    ...configFromEnv({}),
    databaseUrl: db.databaseUrl,
    dataDir: db.dataDir,
    allowWorkspaceCreation: false
  });
  try {
    const rows = await server.db.query<{ token_hash: string }>('SELECT token_hash FROM tokens');
    return await work(rows.map((r) => r.token_hash));
  } finally {
    await stopServer();
  }
}

const session = async (token: string) => call(sessionRoute, { token });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

describe(`npm run workspace (${BACKEND})`, { timeout: START_TIMEOUT }, () => {
  it('creates a workspace with a token shown once, lists, adds and revokes tokens', async () => {
    const created = await workspaceCommand('create', 'Acme', 'shop');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created workspace "Acme shop" \(/);
    const first = lastLine(created.stdout);
    expect(first.length).toBeGreaterThanOrEqual(32);

    const added = await workspaceCommand('token', 'Acme shop');
    expect(added.code).toBe(0);
    const second = lastLine(added.stdout);
    expect(second).not.toBe(first);

    const listed = await workspaceCommand('list');
    expect(listed.stdout).toMatch(/^Acme shop {2}\(/);
    const ids = [...listed.stdout.matchAll(/token (\S+) {2}created .* {2}active/g)].map(
      (m) => m[1]
    );
    expect(ids).toHaveLength(2);
    expect(listed.stdout).not.toContain(first);
    expect(listed.stdout).not.toContain(second);

    // Both tokens open the workspace; the database holds their hashes, never the tokens.
    await withServer(async (hashes) => {
      expect(hashes.sort()).toEqual([sha256(first), sha256(second)].sort());
      for (const token of [first, second]) {
        const res = await session(token);
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ name: 'Acme shop' });
      }
    });

    // Revoking by id stops that token only; by name, every token of the workspace.
    const one = await workspaceCommand('revoke', ids[0]);
    expect(one).toMatchObject({ code: 0, stdout: 'Revoked 1 token.\n' });
    await withServer(async () => {
      const statuses = [(await session(first)).status, (await session(second)).status];
      expect(statuses.sort()).toEqual([200, 401]);
    });
    const all = await workspaceCommand('revoke', 'Acme shop');
    expect(all).toMatchObject({ code: 0, stdout: 'Revoked 1 token.\n' });
    await withServer(async () => {
      expect((await session(first)).status).toBe(401);
      expect((await session(second)).status).toBe(401);
    });
    expect((await workspaceCommand()).code).toBe(2);
  });

  it.skipIf(BACKEND !== 'pglite')(
    'says so, and changes nothing, while a server has the embedded database open',
    async () => {
      await withServer(async () => {
        const busy = await workspaceCommand('create', 'While running');
        expect(busy.code).not.toBe(0);
        expect(busy.stderr).toMatch(/stop|in use|another process/i);
      });
      expect((await workspaceCommand('list')).stdout).not.toContain('While running');
    }
  );
});
