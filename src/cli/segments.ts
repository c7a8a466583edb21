// The headless CLI over the engine: `segments eval|explain --customers F --events F --query Q …`.
// Reads CSVs as the app imports them, evaluates with the same engine code, prints ids or a count,
// or explains one customer. Exit codes: 0 ok, 2 invalid query / unreadable input / bad usage.
import { compileQuery, type SegmentRef } from '../lib/engine/compile';
import { parseIsoInstant } from '../lib/engine/column';
import { evaluate } from '../lib/engine/evaluate';
import { explain, explainText } from '../lib/engine/explain';
import type { Issue } from '../lib/engine/result';
import { ColumnarStore } from '../lib/engine/store';
import { loadCsv } from './load-csv';

const USAGE = `Usage:
  npm run --silent segments -- eval --customers FILE --events FILE --query "QUERY" [--now ISO] [--count] [--define NAME=QUERY]...
  npm run --silent segments -- explain --customers FILE --events FILE --query "QUERY" --id ID [--now ISO] [--define NAME=QUERY]...`;

interface Args {
  readonly command: 'eval' | 'explain';
  readonly customers?: string;
  readonly events?: string;
  readonly query: string;
  readonly now: number;
  readonly count: boolean;
  readonly defines: readonly SegmentRef[];
  readonly id?: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command !== 'eval' && command !== 'explain')
    throw new UsageError(`Unknown command “${command ?? ''}”.`);
  const values = new Map<string, string>();
  const defines: SegmentRef[] = [];
  let count = false;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--count') {
      count = true;
      continue;
    }
    const m = /^--(customers|events|query|now|define|id)(?:=(.*))?$/.exec(flag);
    if (!m) throw new UsageError(`Unknown option “${flag}”.`);
    const value = m[2] ?? rest[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value.`);
    if (m[1] === 'define') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new UsageError(`--define takes NAME=QUERY (got “${value}”).`);
      defines.push({ name: value.slice(0, eq).trim(), rule: value.slice(eq + 1) });
    } else values.set(m[1], value);
  }
  const query = values.get('query');
  if (query === undefined) throw new UsageError('--query is required.');
  if (!values.get('customers') && !values.get('events'))
    throw new UsageError('Give --customers and/or --events.');
  if (command === 'explain' && !values.get('id')) throw new UsageError('explain needs --id ID.');
  const nowText = values.get('now');
  // The engine never reads the clock; the CLI is where "now" comes from when not given.
  const now = nowText === undefined ? Date.now() : parseIsoInstant(nowText);
  if (Number.isNaN(now))
    throw new UsageError(`--now must be an ISO date or date-time (got “${nowText}”).`);
  return {
    command,
    customers: values.get('customers'),
    events: values.get('events'),
    query,
    now,
    count,
    defines,
    id: values.get('id')
  };
}

function formatIssue(i: Issue, query?: string): string {
  const where = i.span ? ` at ${i.span.start}-${i.span.end}` : '';
  const lines = [`${i.severity} ${i.code}${where}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`];
  if (query !== undefined && i.span) {
    lines.push(`  ${query}`);
    lines.push(
      `  ${' '.repeat(i.span.start)}${'^'.repeat(Math.max(1, i.span.end - i.span.start))}`
    );
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const store = new ColumnarStore();
  for (const [path, kind] of [
    [args.customers, 'customers'],
    [args.events, 'events']
  ] as const) {
    if (!path) continue;
    const loaded = await loadCsv(store, path, kind);
    if (!loaded.ok) {
      for (const i of loaded.issues) process.stderr.write(`${formatIssue(i)}\n`);
      return 2;
    }
    for (const w of loaded.value.warnings) process.stderr.write(`${formatIssue(w)}\n`);
  }
  // Defined segments are checked when used; a broken one surfaces as `invalid-segment` at its use.
  const compiled = compileQuery(args.query, store.schema(), { segments: args.defines });
  if (!compiled.ok) {
    for (const i of compiled.issues) process.stderr.write(`${formatIssue(i, args.query)}\n`);
    return 2;
  }
  for (const w of compiled.value.warnings) process.stderr.write(`${formatIssue(w, args.query)}\n`);
  if (args.command === 'explain') {
    const c = store.indexOf(args.id ?? '');
    if (c < 0) {
      process.stderr.write(`error unknown-customer: No customer with id “${args.id}”.\n`);
      return 2;
    }
    process.stdout.write(
      `${explainText(explain(compiled.value, store, c, args.now)).join('\n')}\n`
    );
    return 0;
  }
  const members = evaluate(compiled.value, store, args.now);
  if (args.count) {
    process.stdout.write(`${members.length}\n`);
    return 0;
  }
  const ids = members.map((i) => store.idOf(i)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  process.stdout.write(ids.length > 0 ? `${ids.join('\n')}\n` : '');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `error internal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`
    );
    process.exitCode = 2;
  }
);
