// Expected failures are data, not exceptions: every fallible call in the engine, the CSV layer and the
// worker API returns a Result. (Comlink also drops custom properties of thrown errors.)

/** Where an issue sits in a query text: [start, end) character offsets. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Issue {
  /** Stable machine-readable code, e.g. `unknown-attribute`, `bad-timestamp`. */
  readonly code: string;
  /** A sentence for the user (built in one place per layer, see messages.ts files). */
  readonly message: string;
  readonly severity: 'error' | 'warning';
  /** Position in a query text, when the issue is about a query. */
  readonly span?: Span;
  /** A suggestion such as "did you mean `total_spent`?". */
  readonly hint?: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...issues: Issue[]): Result<T> => ({ ok: false, issues });

export const issue = (
  code: string,
  message: string,
  extra: { span?: Span; hint?: string; severity?: 'error' | 'warning' } = {}
): Issue => ({ code, message, severity: extra.severity ?? 'error', ...extra });
