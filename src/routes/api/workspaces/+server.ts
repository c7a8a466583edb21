// POST /api/workspaces: creates a workspace and returns its token once (the app's first visit on the
// embedded database; refused with DATABASE_URL unless ALLOW_WORKSPACE_CREATION is set).
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import {
  HttpError,
  jsonResponse,
  limitByAddress,
  methodNotAllowed,
  publicRoute,
  readBody,
  validate
} from '$lib/server/http';
import { createWorkspace, WorkspaceNameTaken } from '$lib/server/workspaces';
import { CreateWorkspaceRequest, type CreateWorkspaceResponse } from '$lib/sync/protocol';

export const prerender = false;

export const POST = publicRoute(async (server, event) => {
  if (!server.config.allowWorkspaceCreation)
    throw new HttpError(
      403,
      'workspace-creation-disabled',
      'This server does not create workspaces on request; ask its administrator for a token ' +
        '(npm run workspace -- create NAME).'
    );
  limitByAddress(server, event);
  const bytes = await readBody(event.request, 4096);
  let value: unknown = {};
  if (bytes.byteLength > 0) {
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new HttpError(400, 'bad-json', 'The request body is not valid JSON.');
    }
  }
  const request: v.InferOutput<typeof CreateWorkspaceRequest> = validate(
    CreateWorkspaceRequest,
    value
  );
  const name = request.name ?? `Workspace ${randomBytes(3).toString('hex')}`;
  try {
    const created = await createWorkspace(server.db, name);
    const body: CreateWorkspaceResponse = {
      workspaceId: created.id,
      name: created.name,
      token: created.token
    };
    return jsonResponse(body, 201);
  } catch (e) {
    if (e instanceof WorkspaceNameTaken) throw new HttpError(409, 'name-taken', e.message, 'name');
    throw e;
  }
});

export const fallback = methodNotAllowed;
