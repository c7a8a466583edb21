// `npm run generate`: argument validation (exit code 2) and the files it writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CUSTOMER_HEADER,
  EVENT_HEADER,
  generateStore,
  toCsvLine
} from '../../../src/lib/sample/generate';

const root = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'generate-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const run = (...args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync(join(root, 'node_modules/.bin/tsx'), ['scripts/generate.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000
  });

describe('scripts/generate.ts', { timeout: 30_000 }, () => {
  it('writes both CSVs, identical to the library output', () => {
    const result = run(
      '--customers',
      '40',
      '--events',
      '555',
      '--out',
      out,
      '--seed',
      '9',
      '--now',
      '2026-03-04'
    );
    expect(result.status).toBe(0);
    expect(String(result.stdout)).toMatch(/40 customers.*555 events/);
    const store = generateStore({ seed: 9, customers: 40, events: 555, now: Date.UTC(2026, 2, 4) });
    const expected = (header: readonly string[], rows: Iterable<string[]>): string =>
      [toCsvLine(header), ...[...rows].map((r) => toCsvLine(r))].join('\n') + '\n';
    expect(readFileSync(join(out, 'customers.csv'), 'utf8')).toBe(
      expected(CUSTOMER_HEADER, store.customerRows())
    );
    expect(readFileSync(join(out, 'events.csv'), 'utf8')).toBe(
      expected(EVENT_HEADER, store.eventRows())
    );
  });

  it.each([
    [['--customers', '10', '--events', '5'], /--out is required/],
    [['--customers', 'ten', '--events', '5', '--out', out], /--customers must be a whole number/],
    [['--customers', '10', '--events', '-1', '--out', out], /--events must be a whole number/],
    [['--customers', '0', '--events', '5', '--out', out], /at least one customer/],
    [['--customers', '1', '--events', '1', '--out', out, '--now', '2026-02-30'], /--now must be/],
    [['--customers', '1', '--events', '1', '--out', out, '--colour', 'red'], /unknown option/]
  ])('rejects %j with exit code 2', (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(String(result.stderr)).toMatch(message);
  });
});
