// The sync client's HTTP: one function that calls the API with the workspace token and sorts every
// outcome into what sync does next: use the answer, retry later (no network, a server error, too many
// requests), stop until the user reconnects (token refused), or give up on what was sent (refused as bad).
import * as v from 'valibot';
import { ApiError, AUTH_HEADER } from './protocol';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export type HttpOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  /** Try again later: no network, the server is down or busy. `retryAfterMs` from Retry-After. */
  | { readonly kind: 'retry'; readonly message: string; readonly retryAfterMs?: number }
  /** The token is not (or no longer) valid. */
  | { readonly kind: 'unauthorized'; readonly message: string }
  /** The server refused the request itself as invalid (4xx): sending it again would not help. */
  | {
      readonly kind: 'refused';
      readonly status: number;
      readonly message: string;
      readonly path?: string;
    };

/** A request that hangs (a half-open connection) fails after this long, so sync is never stuck on it. */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface RequestOptions {
  readonly method?: string;
  readonly timeoutMs?: number;
  readonly token?: string;
  readonly json?: unknown;
  readonly body?: BodyInit;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Reader<T> = (response: Response) => Promise<T>;

export const jsonReader =
  <S extends v.GenericSchema>(schema: S): Reader<v.InferOutput<S>> =>
  async (response) => {
    const parsed = v.safeParse(schema, await response.json());
    if (!parsed.success) {
      throw new Error(`Unexpected answer from the server: ${v.summarize(parsed.issues)}`);
    }
    return parsed.output;
  };

export const textReader: Reader<string> = (response) => response.text();

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

async function errorOf(response: Response): Promise<{ message: string; path?: string }> {
  try {
    const parsed = v.safeParse(ApiError, await response.json());
    if (parsed.success) return parsed.output.error;
  } catch {
    // Not JSON: fall back to the status text.
  }
  return { message: `${response.status} ${response.statusText}`.trim() };
}

export async function request<T>(
  fetcher: Fetch,
  url: string,
  options: RequestOptions,
  read: Reader<T>
): Promise<HttpOutcome<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers[AUTH_HEADER] = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetcher(url, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS)
    });
  } catch (error) {
    return {
      kind: 'retry',
      message: `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`
    };
  }
  if (response.ok) {
    try {
      return { kind: 'ok', value: await read(response) };
    } catch (error) {
      return { kind: 'retry', message: error instanceof Error ? error.message : String(error) };
    }
  }
  const error = await errorOf(response);
  if (response.status === 401 || response.status === 403) {
    return { kind: 'unauthorized', message: error.message };
  }
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return {
      kind: 'retry',
      message: `The server answered ${response.status}: ${error.message}`,
      retryAfterMs: retryAfter(response)
    };
  }
  return { kind: 'refused', status: response.status, message: error.message, path: error.path };
}
