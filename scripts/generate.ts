// `npm run generate -- --customers N --events M --out DIR [--seed S] [--now ISO] [--years Y]`:
// writes DIR/customers.csv and DIR/events.csv from the seeded demo-store generator, streaming.

import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import {
  CUSTOMER_HEADER,
  EVENT_HEADER,
  generateStore,
  toCsvLine
} from '../src/lib/sample/generate';

const USAGE = `Usage: npm run generate -- --customers N --events M --out DIR [--seed S] [--now ISO] [--years Y]

  --customers N   number of customers (whole number, 0 or more)
  --events M      exact number of events (whole number, 0 or more)
  --out DIR       output directory (created if missing); writes customers.csv and events.csv
  --seed S        integer seed, default 1
  --now ISO       the present, e.g. 2026-03-04 or 2026-03-04T10:00:00Z; default today 00:00 UTC
  --years Y       how many years of history before now, default 2`;

interface Args {
  readonly customers: number;
  readonly events: number;
  readonly out: string;
  readonly seed: number;
  readonly now: number;
  readonly years: number;
}

class UsageError extends Error {}

const FLAGS = ['customers', 'events', 'out', 'seed', 'now', 'years'] as const;
type Flag = (typeof FLAGS)[number];

const isFlag = (name: string): name is Flag => (FLAGS as readonly string[]).includes(name);

const wholeNumber = (flag: string, text: string, min: number): number => {
  const clean = text.replaceAll('_', '');
  if (!/^-?\d+$/.test(clean))
    throw new UsageError(`--${flag} must be a whole number (got "${text}")`);
  const value = Number(clean);
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`--${flag} must be a whole number of at least ${min} (got "${text}")`);
  return value;
};

const todayUtc = (): number => {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};

const parseArgs = (argv: readonly string[]): Args => {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!isFlag(name)) throw new UsageError(`unknown option "--${name}"`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`--${name} needs a value`);
      i++;
    }
    if (values.has(name)) throw new UsageError(`--${name} is given twice`);
    values.set(name, value);
  }
  for (const required of ['customers', 'events', 'out'] as const)
    if (!values.has(required)) throw new UsageError(`--${required} is required`);

  const customers = wholeNumber('customers', values.get('customers') ?? '', 0);
  const events = wholeNumber('events', values.get('events') ?? '', 0);
  if (events > 0 && customers === 0)
    throw new UsageError('--events needs at least one customer (--customers 0 was given)');
  const out = values.get('out') ?? '';
  if (out.trim() === '') throw new UsageError('--out must be a directory path');
  const seedText = values.get('seed');
  const seed = seedText === undefined ? 1 : wholeNumber('seed', seedText, Number.MIN_SAFE_INTEGER);
  const nowText = values.get('now');
  let now = todayUtc();
  if (nowText !== undefined) {
    // A bare date means its midnight UTC; a date-time without a zone is read as UTC too.
    const normalized = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(nowText) ? `${nowText}Z` : nowText;
    now = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(nowText) ? Date.parse(normalized) : NaN;
    // Date.parse rolls 2026-02-30 over to March; a real calendar date must read back the same.
    const datePart = nowText.slice(0, 10);
    if (
      !Number.isNaN(now) &&
      new Date(Date.parse(datePart)).toISOString().slice(0, 10) !== datePart
    )
      now = NaN;
    if (Number.isNaN(now))
      throw new UsageError(`--now must be an ISO 8601 date or date-time (got "${nowText}")`);
  }
  const yearsText = values.get('years');
  const years = yearsText === undefined ? 2 : Number(yearsText);
  if (!Number.isFinite(years) || years <= 0 || years > 30)
    throw new UsageError(`--years must be a number above 0 and at most 30 (got "${yearsText}")`);
  return { customers, events, out, seed, now, years };
};

const FLUSH_AT = 1 << 20;

/** Buffers lines into ~1 MB strings and waits for the stream to drain when it asks to. */
class BufferedWriter {
  private buffer = '';

  constructor(private readonly stream: WriteStream) {}

  /** Whether the buffer has reached the flush size; the hot loop only awaits then. */
  get full(): boolean {
    return this.buffer.length >= FLUSH_AT;
  }

  push(text: string): void {
    this.buffer += text;
    this.buffer += '\n';
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`generate: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }

  const started = performance.now();
  mkdirSync(args.out, { recursive: true });
  const customersPath = join(args.out, 'customers.csv');
  const eventsPath = join(args.out, 'events.csv');
  const customersOut = new BufferedWriter(createWriteStream(customersPath));
  const eventsOut = new BufferedWriter(createWriteStream(eventsPath));
  const store = generateStore({
    seed: args.seed,
    customers: args.customers,
    events: args.events,
    now: args.now,
    years: args.years
  });

  customersOut.push(toCsvLine(CUSTOMER_HEADER));
  eventsOut.push(toCsvLine(EVENT_HEADER));
  let customers = 0;
  let events = 0;
  const progressEvery = Math.max(1, Math.floor(args.customers / 10));
  for (const { customer, events: rows } of store.customers()) {
    customersOut.push(toCsvLine(customer));
    for (const row of rows) eventsOut.push(toCsvLine(row));
    customers++;
    events += rows.length;
    if (customersOut.full) await customersOut.flush();
    if (eventsOut.full) await eventsOut.flush();
    if (args.customers >= 100_000 && customers % progressEvery === 0)
      console.error(
        `  ${Math.round((customers / args.customers) * 100)}%: ${customers} customers, ${events} events, ${((performance.now() - started) / 1000).toFixed(1)} s`
      );
  }
  await Promise.all([customersOut.close(), eventsOut.close()]);

  const seconds = (performance.now() - started) / 1000;
  console.log(
    `Wrote ${customers} customers to ${customersPath} and ${events} events to ${eventsPath} ` +
      `(seed ${args.seed}, now ${new Date(args.now).toISOString()}) in ${seconds.toFixed(1)} s`
  );
};

main().catch((error: unknown) => {
  console.error('generate failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
