// HTTP plumbing shared by every /api route: JSON errors in the protocol's `ApiError` shape, bodies
// read with a byte limit before any parsing, payload validation with the protocol's valibot schemas,
// bearer-token authentication with per-token rate limiting, and one wrapper that turns every failure
// into a clear 4xx (or, for a real fault, a logged 500/503) instead of a crash.
import * as v from 'valibot';
import { AUTH_HEADER, type ApiError } from '../sync/protocol';
import { getServer, type ServerContext } from './context';
import { authenticate, hashToken, MAX_TOKEN_LENGTH, type Workspace } from './workspaces';

/** The parts of SvelteKit's RequestEvent the API uses (tests build it by hand). */
export interface ApiEvent {
  readonly request: Request;
  readonly url: URL;
  readonly params: Partial<Record<string, string>>;
  getClientAddress(): string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store'
};

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(e: HttpError): Response {
  const body: ApiError = {
    error: { code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}) }
  };
  return jsonResponse(body, e.status, e.headers);
}

/**
 * Reads the body, counting bytes as they arrive and stopping as soon as `limit` is passed, so a huge
 * body is refused without being held in memory.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(413, 'too-large', `The request body is larger than the limit of ${limit} bytes.`);
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    // The server in front (adapter-node) errors the stream with a 413 past its BODY_SIZE_LIMIT.
    if ((e as { status?: number }).status === 413)
      throw new HttpError(
        413,
        'too-large',
        "The request body is larger than the server's BODY_SIZE_LIMIT (start it with npm start, " +
          'or set BODY_SIZE_LIMIT=20M).'
      );
    throw new HttpError(400, 'bad-body', 'The request body could not be read.');
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    body.set(p, offset);
    offset += p.byteLength;
  }
  return body;
}

/** Where a valibot issue sits, as `mutations.3.segment.name`. */
function issuePath(issue: v.BaseIssue<unknown>): string | undefined {
  const keys = issue.path?.map((p) => String(p.key));
  return keys && keys.length > 0 ? keys.join('.') : undefined;
}

export function validate<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  what = 'request'
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const first = result.issues[0];
  const path = issuePath(first);
  throw new HttpError(
    400,
    'invalid',
    `The ${what} is not valid${path ? ` at ${path}` : ''}: ${first.message}`,
    path
  );
}

export async function readJson<S extends v.GenericSchema>(
  request: Request,
  schema: S,
  limit: number
): Promise<v.InferOutput<S>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new HttpError(415, 'unsupported-media-type', 'Send the body as application/json.');
  const bytes = await readBody(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, 'bad-json', 'The request body is not valid JSON.');
  }
  return validate(schema, value);
}

export interface Authed {
  readonly server: ServerContext;
  readonly workspace: Workspace;
}

function rateLimited(seconds: number): HttpError {
  return new HttpError(
    429,
    'rate-limited',
    `Too many requests: try again in ${seconds} s.`,
    undefined,
    { 'retry-after': String(seconds) }
  );
}

/** Checks `Authorization: Bearer <token>` and the token's rate limit. */
export async function authorize(server: ServerContext, request: Request): Promise<Workspace> {
  const header = request.headers.get(AUTH_HEADER) ?? '';
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  const unauthorized = (message: string) =>
    new HttpError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer' });
  if (!match) throw unauthorized('Send the workspace token as "Authorization: Bearer <token>".');
  const token = match[1];
  if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The token is not valid.');
  // Limited before the lookup, so a flood of guesses costs the database nothing past the burst.
  const wait = server.limiter.take(hashToken(token));
  if (wait > 0) throw rateLimited(wait);
  const workspace = await authenticate(server.db, token);
  if (!workspace) throw unauthorized('The token is not valid, or it was revoked.');
  return workspace;
}

export function limitByAddress(server: ServerContext, event: ApiEvent): void {
  let address = 'unknown';
  try {
    address = event.getClientAddress();
  } catch {
    // no address (tests, unusual adapters): share one bucket
  }
  const wait = server.addressLimiter.take(address);
  if (wait > 0) throw rateLimited(wait);
}

async function guard(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof HttpError) return errorResponse(e);
    console.error('API failure:', e);
    const unavailable = isConnectionError(e);
    return errorResponse(
      new HttpError(
        unavailable ? 503 : 500,
        unavailable ? 'unavailable' : 'internal',
        unavailable
          ? 'The database is not reachable right now; try again shortly.'
          : 'The server failed to handle this request; it has been logged.',
        undefined,
        unavailable ? { 'retry-after': '5' } : {}
      )
    );
  }
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (code.startsWith('08') || ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03'].includes(code))
  );
}

/** A route that needs no token (workspace creation). */
export function publicRoute(work: (server: ServerContext, event: ApiEvent) => Promise<Response>) {
  return (event: ApiEvent) => guard(async () => work(await getServer(), event));
}

/** A route that needs a workspace token. */
export function authedRoute(
  work: (ctx: Authed, event: ApiEvent) => Promise<Response>
): (event: ApiEvent) => Promise<Response> {
  return (event: ApiEvent) =>
    guard(async () => {
      const server = await getServer();
      const workspace = await authorize(server, event.request);
      return work({ server, workspace }, event);
    });
}

/** Answers methods a route does not have, in the same JSON shape. */
export const methodNotAllowed = (event: ApiEvent): Response =>
  errorResponse(
    new HttpError(405, 'method-not-allowed', `${event.request.method} is not allowed here.`)
  );

export const notFound = (what: string): HttpError =>
  new HttpError(404, 'not-found', `No such ${what} in this workspace.`);
