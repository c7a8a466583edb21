import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const files = [
  '--customers',
  'tests/fixtures/customers.csv',
  '--events',
  'tests/fixtures/events.csv'
];
const cli = (...args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync('npx', ['tsx', 'src/cli/segments.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

// Each case starts a process (tsx), which is slow next to the property tests running in parallel.
describe('segments CLI', { timeout: 30_000 }, () => {
  it('prints matching ids, one per line, sorted, and exits 0', () => {
    const r = cli('eval', ...files, '--now', '2026-06-01', '--query', 'performed purchased');
    expect(r).toMatchObject({ code: 0, out: '1001\n1003\n' });
  });

  it('prints only the count, and resolves --define segments', () => {
    const r = cli(
      'eval',
      ...files,
      '--now',
      '2026-06-01',
      '--count',
      '--define',
      'Big=total_spent > 1000',
      '--query',
      'in segment "big"'
    );
    expect(r).toMatchObject({ code: 0, out: '2\n' });
  });

  it('prints issues with their position on stderr and exits 2 for an invalid query', () => {
    const r = cli('eval', ...files, '--query', 'totl_spent > 1000');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('unknown-attribute at 0-10');
    expect(r.err).toContain('did you mean `total_spent`?');
  });

  it('exits 2 for unreadable input', () => {
    expect(cli('eval', '--customers', 'tests/fixtures/missing.csv', '--query', 'a = 1').code).toBe(
      2
    );
  });

  it('explains one customer', () => {
    const r = cli(
      'explain',
      ...files,
      '--now',
      '2026-06-01',
      '--id',
      '1001',
      '--query',
      'performed Purchased in last 3 months'
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('✓ performed Purchased in last 3 months');
    expect(r.out).toContain('last `Purchased` 2026-04-05, 56 days before now');
  });
});
