import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../src/lib/engine/compile';
import { stripSpans } from '../../../src/lib/engine/model';
import { literalFromText, operatorsFor } from '../../../src/lib/engine/operators';
import { parse } from '../../../src/lib/engine/parser';
import { print } from '../../../src/lib/engine/printer';
import type { DataSchema } from '../../../src/lib/engine/schema';

const canonical = (q: string): string => {
  const r = parse(q);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return print(r.value);
};

const schema: DataSchema = {
  attributes: [
    { key: 'total_spent', label: 'Total Spent', type: 'number' },
    { key: 'city', label: 'City', type: 'string' },
    { key: 'signup_date', label: 'Signup', type: 'date' },
    { key: 'vip', label: 'VIP', type: 'boolean' }
  ],
  events: [
    {
      name: 'Purchased',
      properties: [
        { key: 'amount', label: 'Amount', type: 'number' },
        { key: 'sku', label: 'SKU', type: 'string' }
      ]
    }
  ]
};

describe('parse and print', () => {
  it('prints a canonical text', () => {
    expect(canonical('total_spent > 10000 and not performed purchased IN LAST 3 MONTHS')).toBe(
      'total_spent > 10000 AND not performed purchased in last 3 months'
    );
    expect(canonical("city = 'Pune'")).toBe('city = "Pune"');
    expect(
      canonical(
        'performed "Added to Cart" with SUM(amount) >= 10 exactly 2 time where sku = "a\\"b"'
      )
    ).toBe('performed "Added to Cart" where sku = "a\\"b" exactly 2 times with sum(amount) >= 10');
    expect(canonical('x <> 1')).toBe('x != 1');
    expect(canonical('d within last 1 week and d > 2 days ago')).toBe(
      'd within last 1 week AND d > 2 days ago'
    );
    expect(canonical('performed E between 2026-01-01 and 2026-01-31T10:00:00Z')).toBe(
      'performed E between 2026-01-01 and 2026-01-31T10:00:00Z'
    );
  });

  it('gives NOT the tightest binding, then AND, then OR', () => {
    const r = parse('not a = 1 and b = 2 or c = 3');
    expect(r.ok && stripSpans(r.value.root)).toEqual({
      type: 'or',
      children: [
        {
          type: 'and',
          children: [
            {
              type: 'not',
              child: {
                type: 'condition',
                field: 'a',
                op: '=',
                values: [{ kind: 'number', value: 1 }]
              }
            },
            { type: 'condition', field: 'b', op: '=', values: [{ kind: 'number', value: 2 }] }
          ]
        },
        { type: 'condition', field: 'c', op: '=', values: [{ kind: 'number', value: 3 }] }
      ]
    });
    expect(canonical('(a = 1 or b = 2) and c = 3')).toBe('(a = 1 OR b = 2) AND c = 3');
  });

  it('reads values: numbers with underscores, negatives, booleans, dates, relative times', () => {
    const r = parse('a = 10_000 and b > -3.5 and c = true and d < 2026-01-31 and e > 3 weeks ago');
    expect(r.ok && print(r.value)).toBe(
      'a = 10000 AND b > -3.5 AND c = true AND d < 2026-01-31 AND e > 3 weeks ago'
    );
  });

  it('keeps clause order free but each clause at most once', () => {
    expect(canonical('performed E in last 3 days at least 2 times')).toBe(
      'performed E at least 2 times in last 3 days'
    );
    const r = parse('performed E in last 3 days since 2026-01-01');
    expect(!r.ok && r.issues[0].code).toBe('duplicate-clause');
  });
});

describe('syntax issues carry a code and a position', () => {
  const issueOf = (q: string): [string, number, number] => {
    const r = parse(q);
    if (r.ok) throw new Error(`parsed: ${q}`);
    const i = r.issues[0];
    return [i.code, i.span?.start ?? -1, i.span?.end ?? -1];
  };
  it.each([
    ['city = "Pune', 'unterminated-string', 7, 12],
    ['(a = 1 and b = 2', 'unbalanced-parenthesis', 16, 16],
    ['a = 1)', 'unbalanced-parenthesis', 5, 6],
    ['a = 12x', 'bad-number', 4, 7],
    ['a = 1.2.3', 'bad-number', 4, 9],
    ['d > 2026-02-30', 'bad-date', 4, 14],
    ['a', 'expected-operator', 1, 1],
    ['a = ', 'unexpected-token', 4, 4],
    ['', 'empty-query', 0, 0],
    ['performed E in last 3 years', 'bad-unit', 22, 27],
    ['performed E at least 1.5 times', 'bad-count', 21, 24],
    ['a = 1 b = 2', 'unexpected-token', 6, 7],
    ['a = #', 'unexpected-character', 4, 5]
  ])('%s → %s', (q, code, start, end) => {
    expect(issueOf(q)).toEqual([code, start, end]);
  });
});

describe('compile issues', () => {
  const codes = (q: string): [string, string | undefined, number | undefined][] => {
    const r = compileQuery(q, schema);
    return r.ok ? [] : r.issues.map((i) => [i.code, i.hint, i.span?.start]);
  };
  it('suggests the closest attribute for an unknown one', () => {
    expect(codes('total_spend > 5')).toEqual([
      ['unknown-attribute', 'did you mean `total_spent`?', 0]
    ]);
    expect(codes('vip = true and ctiy = "x"')).toEqual([
      ['unknown-attribute', 'did you mean `city`?', 15]
    ]);
  });
  it('rejects operators that do not fit the type', () => {
    expect(codes('city > 5')[0][0]).toBe('operator-type');
    expect(codes('vip between 1 and 2')[0][0]).toBe('operator-type');
    expect(codes('total_spent within last 3 days')[0][0]).toBe('operator-type');
    expect(codes('total_spent contains "1"')[0][0]).toBe('operator-type');
  });
  it('rejects literals of the wrong type', () => {
    expect(codes('total_spent > "abc"')[0][0]).toBe('type-mismatch');
    expect(codes('signup_date > 5')[0][0]).toBe('type-mismatch');
    expect(codes('vip = "yes"')[0][0]).toBe('type-mismatch');
  });
  it('checks event properties and aggregates', () => {
    expect(codes('performed Purchased where amout > 5')).toEqual([
      ['unknown-property', 'did you mean `amount`?', 26]
    ]);
    expect(codes('performed Purchased with sum(sku) > 5')[0][0]).toBe('not-numeric');
  });
  it('accepts a valid rule with its keys in any case', () => {
    expect(codes('Total_Spent > 10000 AND NOT performed purchased in last 3 months')).toEqual([]);
  });
});

describe('operator registry', () => {
  it('lists operators per type', () => {
    expect(operatorsFor('boolean').map((o) => o.op)).toEqual(['=', '!=', 'is set', 'is not set']);
    expect(operatorsFor('date').map((o) => o.op)).toContain('within last');
    expect(operatorsFor('string').map((o) => o.op)).not.toContain('>');
  });
  it('reads literals typed into the builder', () => {
    expect(literalFromText('number', '10_000')).toEqual({
      ok: true,
      value: { kind: 'number', value: 10000 }
    });
    expect(literalFromText('date', '30 days ago')).toEqual({
      ok: true,
      value: { kind: 'relative', amount: 30, unit: 'days' }
    });
    expect(literalFromText('number', 'abc').ok).toBe(false);
    expect(literalFromText('date', '2026-02-30').ok).toBe(false);
  });
});
