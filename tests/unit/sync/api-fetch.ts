// The real /api route handlers (src/routes/api, on PGlite in a temp dir) behind a `fetch`, so that the
// sync client's tests run against the real server too; and a network in front of any fetch that can go
// down, lose answers on the way back, or drop the connection after some export chunks.
import type { ApiEvent } from '$lib/server/http';
import * as workspaces from '../../../src/routes/api/workspaces/+server';
import * as session from '../../../src/routes/api/session/+server';
import * as push from '../../../src/routes/api/sync/push/+server';
import * as pull from '../../../src/routes/api/sync/pull/+server';
import * as exportsList from '../../../src/routes/api/exports/+server';
import * as chunk from '../../../src/routes/api/exports/[id]/chunks/[index]/+server';
import * as complete from '../../../src/routes/api/exports/[id]/complete/+server';
import * as file from '../../../src/routes/api/exports/[id]/file/+server';

type Handler = (event: ApiEvent) => Promise<Response> | Response;
type Module = Partial<Record<'GET' | 'POST' | 'PUT', Handler>>;

const ROUTES: readonly [RegExp, Module, readonly string[]][] = [
  [/^\/api\/workspaces$/, workspaces as Module, []],
  [/^\/api\/session$/, session as Module, []],
  [/^\/api\/sync\/push$/, push as Module, []],
  [/^\/api\/sync\/pull$/, pull as Module, []],
  [/^\/api\/exports$/, exportsList as Module, []],
  [/^\/api\/exports\/([^/]+)\/chunks\/([^/]+)$/, chunk as Module, ['id', 'index']],
  [/^\/api\/exports\/([^/]+)\/complete$/, complete as Module, ['id']],
  [/^\/api\/exports\/([^/]+)\/file$/, file as Module, ['id']]
];

/** A fetch answered by the API's route handlers (the server context must be started). */
export async function apiFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input);
  for (const [pattern, module, names] of ROUTES) {
    const match = pattern.exec(url.pathname);
    if (!match) continue;
    const handler = module[(init.method ?? 'GET') as 'GET' | 'POST' | 'PUT'];
    if (!handler) return new Response(null, { status: 405 });
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
    return handler({
      request: new Request(url, init),
      url,
      params,
      getClientAddress: () => '127.0.0.1'
    });
  }
  return new Response(null, { status: 404 });
}

/** A network between a device and the server, with faults to switch on. */
export class Network {
  /** Every request fails as with no network. */
  down = false;
  /** The next N pushes reach the server, but their answers are lost. */
  loseResponses = 0;
  /** After N more chunk uploads, the connection drops. */
  failChunksAfter = Infinity;
  readonly requests: { method: string; path: string }[] = [];

  constructor(private readonly server: (input: string, init?: RequestInit) => Promise<Response>) {}

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    if (this.down) throw new TypeError('Failed to fetch');
    const method = init.method ?? 'GET';
    const path = new URL(input).pathname;
    if (method === 'PUT' && path.includes('/chunks/')) {
      if (this.failChunksAfter <= 0) throw new TypeError('Failed to fetch');
      this.failChunksAfter--;
    }
    this.requests.push({ method, path });
    const response = await this.server(input, init);
    if (path === '/api/sync/push' && this.loseResponses > 0) {
      this.loseResponses--;
      throw new TypeError('Failed to fetch');
    }
    return response;
  };
}
