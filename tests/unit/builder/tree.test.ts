// The builder's tree and the engine's AST are two views of one rule: every AST (random ones from the
// engine's arbitraries included) goes to a tree and back unchanged, and its text through the tree too;
// incomplete inputs are problems attached to their node and input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleNode, SegmentAst } from '$lib/engine/model';
import { stripSpans } from '$lib/engine/model';
import { parse } from '$lib/engine/parser';
import { print } from '$lib/engine/printer';
import type { DataSchema } from '$lib/engine/schema';
import {
  treeFromAst,
  treeToAst,
  type ConditionItem,
  type EventItem,
  type RuleGroup
} from '$lib/builder/tree';
import { SEGMENT_TEMPLATES } from '$lib/worker/segment-templates';
import { NOWS, ruleArb } from '../engine/arbitraries';

const SCHEMA: DataSchema = {
  attributes: [
    { key: 'n', label: 'n', type: 'number' },
    { key: 's', label: 's', type: 'string' },
    { key: 'b', label: 'b', type: 'boolean' },
    { key: 'd', label: 'd', type: 'date' },
    { key: 'total_spent', label: 'Total spent', type: 'number' },
    { key: 'city', label: 'City', type: 'string' }
  ],
  events: [
    {
      name: 'E',
      properties: [
        { key: 'amt', label: 'amt', type: 'number' },
        { key: 'k', label: 'k', type: 'string' },
        { key: 'dt', label: 'dt', type: 'date' }
      ]
    },
    { name: 'Purchased', properties: [{ key: 'amount', label: 'amount', type: 'number' }] }
  ]
};

const parsed = (text: string): SegmentAst => {
  const r = parse(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return stripSpans(r.value);
};

const roundTrip = (ast: SegmentAst | RuleNode, schema: DataSchema = SCHEMA): SegmentAst => {
  const r = treeToAst(treeFromAst(ast, schema));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.ast;
};

/** The tree without ids (they are fresh on every conversion). */
const shape = (tree: unknown): unknown =>
  JSON.parse(JSON.stringify(tree, (k, v: unknown) => (k === 'id' ? undefined : v)));

describe('AST → builder tree → AST', () => {
  it('keeps random rules from the engine’s arbitraries exactly', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NOWS).chain(ruleArb), (root) => {
        const ast: SegmentAst = { v: 1, root };
        expect(roundTrip(ast)).toEqual(stripSpans(ast));
      }),
      { numRuns: 400 }
    );
  });

  it('keeps random rules when the data knows none of their names (types read from the rule)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NOWS).chain(ruleArb), (root) => {
        const ast: SegmentAst = { v: 1, root };
        expect(roundTrip(ast, { attributes: [], events: [] })).toEqual(stripSpans(ast));
      }),
      { numRuns: 200 }
    );
  });

  it('prints the same text as the rule it came from, and that text parses back to it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NOWS).chain(ruleArb), (root) => {
        const text = print(root);
        const back = roundTrip(parsed(text));
        expect(print(back)).toBe(text);
        expect(parsed(print(back))).toEqual(parsed(text));
      }),
      { numRuns: 300 }
    );
  });

  it.each([
    'total_spent > 10000 AND NOT performed Purchased in last 3 months',
    'city in ("Pune", "Mumbai") AND d within last 30 days',
    'performed E at least 3 times in last 30 days where amt > 50',
    'performed Purchased with sum(amount) >= 5000 since 2026-01-01',
    'NOT (performed Purchased) OR in segment "VIP"',
    'not in segment "VIP" AND NOT (n > 1 OR s = "x")',
    'NOT NOT performed E',
    'NOT n > 1',
    'n > 1 AND (s = "a" AND b = true)',
    'performed E where (amt > 1 AND NOT k = "x" OR dt before 2026-01-01) between 2026-01-01 and 3 days ago',
    'd between 2026-01-01 and 2026-02-01T10:00:00Z AND s is not set',
    'performed E exactly 0 times before 2 weeks ago'
  ])('keeps %s', (text) => {
    const ast = parsed(text);
    expect(roundTrip(ast)).toEqual(ast);
    expect(print(roundTrip(ast))).toBe(print(ast));
  });

  it.each(SEGMENT_TEMPLATES.map((t) => [t.name, t.query]))(
    'keeps the template “%s” and prints it as the canonical text',
    (_name, query) => {
      const ast = parsed(query);
      expect(roundTrip(ast)).toEqual(ast);
      expect(print(roundTrip(ast))).toBe(print(ast));
    }
  );

  it('keeps in-segment predicates and their negation', () => {
    const ast: SegmentAst = {
      v: 1,
      root: {
        type: 'or',
        children: [
          { type: 'in-segment', segment: 'VIP' },
          { type: 'not', child: { type: 'in-segment', segment: 'Churned "old"' } }
        ]
      }
    };
    expect(roundTrip(ast)).toEqual(ast);
  });

  it('keeps the “existed for the whole window” option of a not-performed predicate', () => {
    const ast: SegmentAst = {
      v: 1,
      root: {
        type: 'not',
        child: {
          type: 'performed',
          event: 'Purchased',
          window: { kind: 'last', amount: 3, unit: 'months' },
          existedForWindow: true
        }
      }
    };
    const tree = treeFromAst(ast, SCHEMA);
    const item = tree.children[0] as EventItem;
    expect(item).toMatchObject({ negated: true, existedForWindow: true });
    expect(roundTrip(ast)).toEqual(ast);
  });
});

describe('the tree a rule becomes', () => {
  it('is a top group holding the seed’s two predicates, typed from the data', () => {
    const tree = treeFromAst(
      parsed('total_spent > 10000 AND NOT performed Purchased in last 3 months'),
      SCHEMA
    );
    expect(shape(tree)).toEqual({
      kind: 'group',
      match: 'all',
      negated: false,
      children: [
        {
          kind: 'condition',
          field: 'total_spent',
          type: 'number',
          op: '>',
          values: [{ text: '10000', literal: { kind: 'number', value: 10000 }, error: null }]
        },
        {
          kind: 'event',
          negated: true,
          event: 'Purchased',
          where: null,
          count: null,
          aggregate: null,
          window: {
            kind: 'last',
            amount: { text: '3', literal: { kind: 'number', value: 3 }, error: null },
            unit: 'months'
          },
          existedForWindow: false
        }
      ]
    });
  });

  it('wraps a single predicate in a top group, and NOT around a condition as a negated group', () => {
    const single = treeFromAst(parsed('n > 1'), SCHEMA);
    expect(single.children).toHaveLength(1);
    expect(single.negated).toBe(false);
    const negated = treeFromAst(parsed('NOT n > 1'), SCHEMA);
    expect(negated).toMatchObject({ negated: true, children: [{ kind: 'condition', field: 'n' }] });
    const anyOf = treeFromAst(parsed('NOT (n > 1 OR s = "x")'), SCHEMA);
    expect(anyOf).toMatchObject({ match: 'any', negated: true });
  });

  it('types fields the data lacks from their operator and values', () => {
    const tree = treeFromAst(
      parsed('signup_date within last 30 days AND vip = true AND nick contains "a" AND score > 2'),
      SCHEMA
    );
    expect((tree.children as ConditionItem[]).map((c) => c.type)).toEqual([
      'date',
      'boolean',
      'string',
      'number'
    ]);
  });

  it('gives ids unique within the tree', () => {
    const tree = treeFromAst(
      parsed('performed E where (amt > 1 AND k = "x") AND (n > 1 OR NOT s = "y")'),
      SCHEMA
    );
    const ids: string[] = [];
    JSON.stringify(tree, (k, v: unknown) => {
      if (k === 'id') ids.push(String(v));
      return v;
    });
    expect(ids.length).toBeGreaterThan(6);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('problems of an incomplete tree', () => {
  const condition = (over: Partial<ConditionItem>): ConditionItem => ({
    kind: 'condition',
    id: 'c1',
    field: 'n',
    type: 'number',
    op: '>',
    values: [{ text: '1', literal: { kind: 'number', value: 1 }, error: null }],
    ...over
  });
  const root = (...children: RuleGroup['children']): RuleGroup => ({
    kind: 'group',
    id: 'root',
    match: 'all',
    negated: false,
    children
  });

  it('an empty rule asks for a first condition', () => {
    const r = treeToAst(root());
    expect(r).toEqual({
      ok: false,
      problems: [{ id: 'root', input: 'group', message: 'Add a condition to start the rule.' }]
    });
  });

  it('a value that is not a number is reported at its input, with the registry’s message', () => {
    const r = treeToAst(
      root(
        condition({
          values: [{ text: 'ten', literal: null, error: '“ten” is not a number.' }]
        })
      )
    );
    expect(r).toEqual({
      ok: false,
      problems: [{ id: 'c1', input: 'value-0', message: '“ten” is not a number.' }]
    });
  });

  it('an empty nested group, a missing event and a bad count are each reported', () => {
    const event: EventItem = {
      kind: 'event',
      id: 'e1',
      negated: false,
      event: '',
      where: null,
      count: { op: 'at least', n: { text: '1.5', literal: null, error: 'A count must be…' } },
      aggregate: null,
      window: { kind: 'all' },
      existedForWindow: false
    };
    const r = treeToAst(
      root(condition({}), event, {
        kind: 'group',
        id: 'g2',
        match: 'any',
        negated: false,
        children: []
      })
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.id}:${p.input}`)).toEqual([
      'e1:event',
      'e1:count',
      'g2:group'
    ]);
  });

  it('a wrong number of values for the operator is a problem, not a broken rule', () => {
    const r = treeToAst(root(condition({ op: 'between' })));
    expect(r.ok).toBe(false);
  });
});
