// Workspaces and their access tokens: a token is 32 random bytes shown once; only its SHA-256 is
// stored, so a database leak gives no access. Tokens can be listed and revoked.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database, Queryable } from './db';

export interface Workspace {
  readonly id: string;
  readonly name: string;
}

export interface TokenInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

const TOKEN_PREFIX = 'sgt_';
/** Longer strings are not tokens: refused before hashing. */
export const MAX_TOKEN_LENGTH = 200;

export const hashToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export class WorkspaceNameTaken extends Error {
  constructor(name: string) {
    super(`A workspace named "${name}" already exists.`);
  }
}

export async function createWorkspace(
  db: Database,
  name: string
): Promise<Workspace & { readonly token: string }> {
  const id = randomUUID();
  return db.transaction(async (tx) => {
    const taken = await tx.query('SELECT 1 FROM workspaces WHERE name = $1', [name]);
    if (taken.length > 0) throw new WorkspaceNameTaken(name);
    await tx.query('INSERT INTO workspaces (id, name) VALUES ($1, $2)', [id, name]);
    const token = await insertToken(tx, id);
    return { id, name, token };
  });
}

async function insertToken(tx: Queryable, workspaceId: string): Promise<string> {
  const token = newToken();
  await tx.query('INSERT INTO tokens (id, workspace_id, token_hash) VALUES ($1, $2, $3)', [
    randomUUID(),
    workspaceId,
    hashToken(token)
  ]);
  return token;
}

export async function findWorkspace(db: Queryable, name: string): Promise<Workspace | undefined> {
  const rows = await db.query<Workspace>('SELECT id, name FROM workspaces WHERE name = $1', [name]);
  return rows[0];
}

/** A new token for an existing workspace (the old ones stay valid until revoked). */
export async function issueToken(db: Database, workspaceId: string): Promise<string> {
  return db.transaction((tx) => insertToken(tx, workspaceId));
}

/** The workspace a token opens, or undefined for an unknown or revoked token. */
export async function authenticate(db: Queryable, token: string): Promise<Workspace | undefined> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  const rows = await db.query<Workspace>(
    `SELECT w.id, w.name FROM tokens t JOIN workspaces w ON w.id = t.workspace_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
    [hashToken(token)]
  );
  return rows[0];
}

export async function listWorkspaces(
  db: Queryable
): Promise<(Workspace & { readonly createdAt: string; readonly tokens: TokenInfo[] })[]> {
  const workspaces = await db.query<{ id: string; name: string; created_at: Date | string }>(
    'SELECT id, name, created_at FROM workspaces ORDER BY name'
  );
  const tokens = await db.query<{
    id: string;
    workspace_id: string;
    created_at: Date | string;
    revoked_at: Date | string | null;
  }>('SELECT id, workspace_id, created_at, revoked_at FROM tokens ORDER BY created_at');
  const iso = (d: Date | string) => new Date(d).toISOString();
  return workspaces.map((w) => ({
    id: w.id,
    name: w.name,
    createdAt: iso(w.created_at),
    tokens: tokens
      .filter((t) => t.workspace_id === w.id)
      .map((t) => ({
        id: t.id,
        createdAt: iso(t.created_at),
        revokedAt: t.revoked_at === null ? null : iso(t.revoked_at)
      }))
  }));
}

/**
 * Revokes one token (by its id, as `list` shows it) or every token of a workspace (by its name).
 * Returns how many tokens it revoked.
 */
export async function revoke(db: Queryable, target: string): Promise<number> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(target);
  const rows = isUuid
    ? await db.query<{ id: string }>(
        'UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
        [target]
      )
    : await db.query<{ id: string }>(
        `UPDATE tokens SET revoked_at = now()
         WHERE workspace_id = (SELECT id FROM workspaces WHERE name = $1) AND revoked_at IS NULL
         RETURNING id`,
        [target]
      );
  return rows.length;
}
