// The API's defences through the real routes: every endpoint needs a valid, unrevoked token; bad
// input of any shape (random JSON, damaged requests, bad bytes, huge bodies, odd queries) gets a 4xx
// in the ApiError shape and never a 5xx; tokens are rate-limited; creation can be switched off.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as listRoute, POST as startRoute } from '../../../src/routes/api/exports/+server';
import { PUT as chunkRoute } from '../../../src/routes/api/exports/[id]/chunks/[index]/+server';
import { POST as completeRoute } from '../../../src/routes/api/exports/[id]/complete/+server';
import { GET as fileRoute } from '../../../src/routes/api/exports/[id]/file/+server';
import { GET as sessionRoute } from '../../../src/routes/api/session/+server';
import { GET as pullRoute } from '../../../src/routes/api/sync/pull/+server';
import { POST as pushRoute } from '../../../src/routes/api/sync/push/+server';
import { POST as createRoute } from '../../../src/routes/api/workspaces/+server';
import { fallback as unknownRoute } from '../../../src/routes/api/[...rest]/+server';
import { configFromEnv, type ServerContext } from '$lib/server/context';
import { authorize, HttpError } from '$lib/server/http';
import { RateLimiter } from '$lib/server/rate-limit';
import { createWorkspace, revoke } from '$lib/server/workspaces';
import { ApiError, LIMITS, type PullResponse } from '$lib/sync/protocol';
import {
  BACKEND,
  call,
  START_TIMEOUT,
  startTestServer,
  TEST_TIMEOUT,
  type CallResult
} from './harness';
import { dynamicSegment, put } from './builders';

let server: ServerContext;
let stop: () => Promise<void>;
beforeAll(async () => {
  const started = await startTestServer({ allowWorkspaceCreation: false });
  server = started.server;
  stop = started.stop;
}, START_TIMEOUT);
afterAll(() => stop(), START_TIMEOUT);

const newToken = async () => (await createWorkspace(server.db, `security ${randomUUID()}`)).token;

function expectApiError(res: CallResult, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(v.is(ApiError, res.json), JSON.stringify(res.json)).toBe(true);
  if (code) expect(res.json).toMatchObject({ error: { code } });
}

const device = { deviceId: randomUUID(), deviceName: 'Fuzzer' };
const someId = randomUUID();

/** Every authenticated endpoint, as one call each with a given token header. */
const endpoints: [string, (headers: Record<string, string>) => Promise<CallResult>][] = [
  ['session', (headers) => call(sessionRoute, { headers })],
  ['pull', (headers) => call(pullRoute, { headers, path: '/api/sync/pull?after=0' })],
  [
    'push',
    (headers) =>
      call(pushRoute, { headers, json: { ...device, mutations: [put(dynamicSegment(), 0)] } })
  ],
  ['list exports', (headers) => call(listRoute, { headers })],
  ['start upload', (headers) => call(startRoute, { headers, json: {} })],
  [
    'chunk',
    (headers) =>
      call(chunkRoute, {
        headers,
        method: 'PUT',
        params: { id: someId, index: '0' },
        body: new Uint8Array(1)
      })
  ],
  [
    'complete',
    (headers) => call(completeRoute, { headers, method: 'POST', params: { id: someId } })
  ],
  ['file', (headers) => call(fileRoute, { headers, params: { id: someId } })]
];

describe(`API defences (${BACKEND})`, { timeout: TEST_TIMEOUT }, () => {
  it('refuses every endpoint without a valid, unrevoked bearer token', async () => {
    const revoked = await newToken();
    expect(
      await revoke(
        server.db,
        (
          await server.db.query<{ id: string }>(
            'SELECT t.id FROM tokens t JOIN workspaces w ON w.id = t.workspace_id ORDER BY t.created_at DESC LIMIT 1'
          )
        )[0].id
      )
    ).toBe(1);
    const headerSets: Record<string, string>[] = [
      {},
      { authorization: 'Bearer' },
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: 'Bearer sgt_not-a-real-token' },
      { authorization: `Bearer ${'x'.repeat(5000)}` },
      { authorization: `Bearer ${revoked}` }
    ];
    for (const [name, hit] of endpoints)
      for (const headers of headerSets) {
        const res = await hit(headers);
        expect(res.status, `${name} with ${JSON.stringify(headers).slice(0, 60)}`).toBe(401);
        expectApiError(res, 401, 'unauthorized');
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    const valid = await newToken();
    expect((await call(sessionRoute, { token: valid })).status).toBe(200);
  });

  it('refuses to create workspaces on request when switched off, and reads the switch from the environment', async () => {
    expectApiError(await call(createRoute, { json: {} }), 403, 'workspace-creation-disabled');
    expect(configFromEnv({}).allowWorkspaceCreation).toBe(true);
    expect(configFromEnv({ DATABASE_URL: 'postgres://x/y' }).allowWorkspaceCreation).toBe(false);
    expect(
      configFromEnv({ DATABASE_URL: 'postgres://x/y', ALLOW_WORKSPACE_CREATION: '1' })
        .allowWorkspaceCreation
    ).toBe(true);
    expect(configFromEnv({ ALLOW_WORKSPACE_CREATION: 'false' }).allowWorkspaceCreation).toBe(false);
    expect(configFromEnv({}).dataDir).toBe('./data');
  });

  it('answers random JSON pushed at every JSON endpoint with a 400, never a 5xx', async () => {
    const token = await newToken();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        for (const route of [pushRoute, startRoute]) {
          const res = await call(route, { token, json: value });
          expectApiError(res, 400);
        }
      }),
      { numRuns: 60 }
    );
  });

  it('answers damaged push requests with a 400 naming the place, and applies nothing', async () => {
    const token = await newToken();
    const valid = { ...device, mutations: [put(dynamicSegment(), 0)] };
    const damage = fc.record({
      path: fc.constantFrom(
        ['deviceId'],
        ['mutations'],
        ['mutations', 0, 'op'],
        ['mutations', 0, 'mutationId'],
        ['mutations', 0, 'baseVersion'],
        ['mutations', 0, 'at'],
        ['mutations', 0, 'segment'],
        ['mutations', 0, 'segment', 'kind'],
        ['mutations', 0, 'segment', 'name'],
        ['mutations', 0, 'segment', 'rule'],
        ['mutations', 0, 'segment', 'createdAt']
      ),
      value: fc.oneof(
        fc.constant(null),
        fc.integer({ min: -5, max: -1 }),
        fc.double({ noInteger: true }),
        fc.constant(''),
        fc.constant('x'.repeat(LIMITS.maxRuleLength + 1)),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.boolean()
      )
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ path, value }) => {
        const body = structuredClone(valid) as Record<string | number, unknown>;
        let at: Record<string | number, unknown> = body;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        at[path[path.length - 1]] = value;
        const res = await call(pushRoute, { token, json: body });
        expectApiError(res, 400, 'invalid');
        expect((res.json as ApiError).error.path).toBeDefined();
      }),
      { numRuns: 80 }
    );
    const pulled = (await call(pullRoute, { token, path: '/api/sync/pull?after=0' }))
      .json as PullResponse;
    expect(pulled.changes).toEqual([]);
  });

  it('answers bad bytes, wrong media types, empty and oversized bodies with a 4xx', async () => {
    const token = await newToken();
    const headers = { 'content-type': 'application/json' };
    expectApiError(
      await call(pushRoute, { token, headers, body: '{"deviceId":' }),
      400,
      'bad-json'
    );
    expectApiError(
      await call(pushRoute, { token, headers, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
      400,
      'bad-json'
    );
    expectApiError(await call(pushRoute, { token, headers, body: '' }), 400, 'bad-json');
    expectApiError(
      await call(pushRoute, { token, body: '{}', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type'
    );
    // Declared too large: refused before reading.
    expectApiError(
      await call(pushRoute, {
        token,
        headers: { ...headers, 'content-length': String(LIMITS.maxBodyBytes + 1) },
        body: '{}'
      }),
      413,
      'too-large'
    );
    // Streamed without a length: counted as it arrives and cut off past the limit.
    let sent = 0;
    const piece = new Uint8Array(1024 * 1024).fill(0x20);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += piece.byteLength;
        if (sent > 64 * 1024 * 1024) controller.close();
        else controller.enqueue(piece);
      }
    });
    expectApiError(await call(pushRoute, { token, headers, body: endless }), 413, 'too-large');
    expect(sent).toBeLessThan(LIMITS.maxBodyBytes + 4 * 1024 * 1024);
  });

  it('ignores unknown fields instead of storing them', async () => {
    const token = await newToken();
    const segment = dynamicSegment();
    const res = await call(pushRoute, {
      token,
      json: {
        ...device,
        extra: 1,
        mutations: [{ ...put({ ...segment, secret: 'x' } as typeof segment, 0), more: true }]
      }
    });
    expect(res.status).toBe(200);
    const pulled = (await call(pullRoute, { token, path: '/api/sync/pull?after=0' }))
      .json as PullResponse;
    expect(pulled.changes[0]).toMatchObject({ segment });
    expect(JSON.stringify(pulled)).not.toContain('secret');
  });

  it('validates the pull query', async () => {
    const token = await newToken();
    for (const query of [
      '',
      '?after=',
      '?after=abc',
      '?after=-1',
      '?after=1e3',
      '?after=0&limit=0',
      `?after=0&limit=${LIMITS.maxPullPage + 1}`,
      '?after=9999999999999999'
    ])
      expectApiError(
        await call(pullRoute, { token, path: `/api/sync/pull${query}` }),
        400,
        'invalid'
      );
    expect((await call(pullRoute, { token, path: '/api/sync/pull?after=5&x=1' })).status).toBe(200);
  });

  it('answers unknown paths and methods in JSON', async () => {
    expectApiError(await call(unknownRoute, { path: '/api/nothing' }), 404, 'not-found');
  });

  it('rate-limits each token with a token bucket and says when to retry', async () => {
    const token = await newToken();
    const limited: ServerContext = {
      ...server,
      limiter: new RateLimiter({ perSecond: 1, burst: 3 })
    };
    const request = () =>
      new Request('http://127.0.0.1/api/session', {
        headers: { authorization: `Bearer ${token}` }
      });
    for (let i = 0; i < 3; i++) await authorize(limited, request());
    const refused = await authorize(limited, request()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      status: 429,
      code: 'rate-limited',
      headers: { 'retry-after': '1' }
    });
    // Another token has its own bucket.
    const other = await newToken();
    await authorize(
      limited,
      new Request('http://127.0.0.1/', { headers: { authorization: `Bearer ${other}` } })
    );
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then refills at the given rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 4 }, () => now);
    expect([1, 2, 3, 4, 5].map(() => limiter.take('k'))).toEqual([0, 0, 0, 0, 1]);
    now += 500;
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBe(1);
    now += 10_000;
    expect([1, 2, 3, 4, 5].map(() => limiter.take('k'))).toEqual([0, 0, 0, 0, 1]);
    expect(limiter.take('other')).toBe(0);
  });

  it('waits longer when the rate is slow', () => {
    const limiter = new RateLimiter({ perSecond: 0.2, burst: 1 }, () => 0);
    expect(limiter.take('ip')).toBe(0);
    expect(limiter.take('ip')).toBe(5);
  });
});
