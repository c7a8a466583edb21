// Builder edits: new predicates start complete with operators from the engine's registry, changing a
// field or operator reshapes the values, values are read as the language reads them, and nodes are
// added, removed and moved anywhere in the tree (event filters included) without touching the rest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATORS, operatorsFor } from '$lib/engine/operators';
import { print } from '$lib/engine/printer';
import { VALUE_TYPES, type DataSchema, type FieldDef } from '$lib/engine/schema';
import {
  addChild,
  addValue,
  defaultOperator,
  findNode,
  moveNode,
  newCondition,
  newEvent,
  newGroup,
  newSegmentItem,
  removeNode,
  removeValue,
  setAggregate,
  setCount,
  setEvent,
  setExistedForWindow,
  setField,
  setNegated,
  setOperator,
  setValue,
  setWindowKind,
  setWindowPart,
  updateNode,
  wrapInGroup
} from '$lib/builder/edit';
import {
  emptyTree,
  treeToAst,
  type ConditionItem,
  type EventItem,
  type RuleGroup
} from '$lib/builder/tree';

const field = (key: string, type: FieldDef['type']): FieldDef => ({ key, label: key, type });
const SCHEMA: DataSchema = {
  attributes: [
    field('total_spent', 'number'),
    field('city', 'string'),
    field('vip', 'boolean'),
    field('signup_date', 'date')
  ],
  events: [
    { name: 'Purchased', properties: [field('amount', 'number'), field('category', 'string')] },
    { name: 'Added to Cart', properties: [field('amount', 'string')] }
  ]
};

const textOf = (tree: RuleGroup): string => {
  const r = treeToAst(tree);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return print(r.ast);
};

const withChildren = (...children: RuleGroup['children']): RuleGroup => ({
  ...emptyTree(),
  children
});

describe('new predicates', () => {
  it('start with an operator the registry allows for the type, and are complete', () => {
    for (const type of VALUE_TYPES) {
      expect(operatorsFor(type).map((s) => s.op)).toContain(defaultOperator(type));
    }
    expect(textOf(withChildren(newCondition(SCHEMA.attributes)))).toBe('total_spent > 0');
    expect(textOf(withChildren(newCondition(SCHEMA.attributes, SCHEMA.attributes[2])))).toBe(
      'vip = true'
    );
    expect(textOf(withChildren(newCondition(SCHEMA.attributes, SCHEMA.attributes[3])))).toBe(
      'signup_date within last 30 days'
    );
  });

  it('a text attribute waits for its value', () => {
    const c = newCondition(SCHEMA.attributes, SCHEMA.attributes[1]);
    const r = treeToAst(withChildren(c));
    expect(r.ok).toBe(false);
    expect(textOf(withChildren(setValue(c, 0, 'Pune')))).toBe('city = "Pune"');
  });

  it('performed starts over all time, not performed over the last 30 days', () => {
    expect(textOf(withChildren(newEvent(SCHEMA, false)))).toBe('performed Purchased');
    expect(textOf(withChildren(newEvent(SCHEMA, true)))).toBe(
      'not performed Purchased in last 30 days'
    );
    expect(textOf(withChildren(newSegmentItem(['VIP']), newSegmentItem(['VIP'], true)))).toBe(
      'in segment "VIP" AND not in segment "VIP"'
    );
  });

  it('with no data, ask for an attribute or event instead of inventing one', () => {
    const r = treeToAst(
      withChildren(newCondition([]), newEvent({ attributes: [], events: [] }, false))
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.input)).toEqual(['field', 'event']);
  });
});

describe('changing a condition', () => {
  const spent = newCondition(SCHEMA.attributes);

  it('keeps operator and value when the new field has the same type', () => {
    const c = setValue(spent, 0, '10000');
    const other = setField(c, field('orders', 'number'));
    expect(textOf(withChildren(other))).toBe('orders > 10000');
  });

  it('starts over when the type changes', () => {
    const c = setField(setValue(spent, 0, '10000'), SCHEMA.attributes[3]);
    expect(textOf(withChildren(c))).toBe('signup_date within last 30 days');
  });

  it('offers (and accepts) only operators of the field’s type', () => {
    expect(setOperator(spent, 'contains')).toBe(spent);
    for (const type of VALUE_TYPES) {
      const c = newCondition([field('f', type)]);
      for (const spec of OPERATORS) {
        const next = setOperator(c, spec.op);
        expect(next.op === spec.op).toBe(spec.types.includes(type) || spec.op === c.op);
      }
    }
  });

  it('reshapes values to the operator’s arity', () => {
    let c: ConditionItem = setValue(spent, 0, '5');
    c = setOperator(c, 'between');
    expect(c.values).toHaveLength(2);
    c = setValue(c, 1, '10');
    expect(textOf(withChildren(c))).toBe('total_spent between 5 and 10');
    c = setOperator(c, 'in');
    c = addValue(c);
    c = setValue(c, 2, '7');
    c = removeValue(c, 1);
    expect(textOf(withChildren(c))).toBe('total_spent in (5, 7)');
    c = setOperator(c, 'is set');
    expect(textOf(withChildren(c))).toBe('total_spent is set');
  });

  it('reads values as the language does: numbers with underscores, “N days ago”, yes/no', () => {
    expect(textOf(withChildren(setValue(spent, 0, '10_000')))).toBe('total_spent > 10000');
    const date = setOperator(newCondition([SCHEMA.attributes[3]]), 'before');
    expect(textOf(withChildren(setValue(date, 0, '3 days ago')))).toBe(
      'signup_date before 3 days ago'
    );
    expect(textOf(withChildren(setValue(date, 0, '2026-01-31')))).toBe(
      'signup_date before 2026-01-31'
    );
    const vip = newCondition([SCHEMA.attributes[2]]);
    expect(textOf(withChildren(setValue(vip, 0, 'no')))).toBe('vip = false');
    const bad = setValue(spent, 0, '12abc');
    expect(bad.values[0].error).toBe('“12abc” is not a number.');
  });

  it('any number typed into a number field prints and reads back as that number', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 3 }), (n, d) => {
        const value = n / 10 ** d;
        const c = setValue(spent, 0, String(value));
        expect(c.values[0].literal).toEqual({ kind: 'number', value });
      })
    );
  });
});

describe('changing an event predicate', () => {
  const e = newEvent(SCHEMA, true);

  it('builds the seed’s “not performed Purchased in last 3 months”', () => {
    const seed = setWindowPart(setWindowPart(e, 'amount', '3'), 'unit', 'months');
    const spent = setValue(newCondition(SCHEMA.attributes), 0, '10000');
    expect(textOf(withChildren(spent, seed))).toBe(
      'total_spent > 10000 AND not performed Purchased in last 3 months'
    );
  });

  it('counts, aggregates, windows and property conditions', () => {
    let p: EventItem = setNegated(newEvent(SCHEMA, false), false);
    p = setCount(p, 'at least', '3');
    p = setAggregate(p, { fn: 'sum', op: '>=', text: '100' }, SCHEMA.events[0].properties);
    p = setWindowKind(p, 'between');
    p = setWindowPart(setWindowPart(p, 'from', '2026-01-01'), 'to', '7 days ago');
    const where = newGroup(
      setValue(
        newCondition(SCHEMA.events[0].properties, SCHEMA.events[0].properties[1]),
        0,
        'Books'
      )
    );
    p = { ...p, where };
    expect(textOf(withChildren(p))).toBe(
      'performed Purchased where category = "Books" at least 3 times with sum(amount) >= 100 between 2026-01-01 and 7 days ago'
    );
    expect(textOf(withChildren(setWindowKind(setCount(p, null), 'all')))).toMatch(
      /^performed Purchased where category = "Books" with sum\(amount\) >= 100$/
    );
    const bad = setCount(p, 'exactly', '2.5');
    expect(treeToAst(withChildren(bad)).ok).toBe(false);
  });

  it('a new event re-types its property conditions', () => {
    const where = newGroup(newCondition(SCHEMA.events[0].properties));
    const p = setEvent({ ...newEvent(SCHEMA, false), where }, 'Added to Cart', SCHEMA);
    expect(p.where?.children[0]).toMatchObject({ field: 'amount', type: 'string', op: '=' });
  });

  it('“existed for the whole window” only on not performed with a window', () => {
    const on = setExistedForWindow(e, true);
    expect(on.existedForWindow).toBe(true);
    expect(setWindowKind(on, 'all').existedForWindow).toBe(false);
    expect(setNegated(on, false).existedForWindow).toBe(false);
    expect(setExistedForWindow(newEvent(SCHEMA, false), true).existedForWindow).toBe(false);
    const r = treeToAst(withChildren(on));
    expect(r.ok && r.ast.root).toEqual({
      type: 'not',
      child: {
        type: 'performed',
        event: 'Purchased',
        window: { kind: 'last', amount: 30, unit: 'days' },
        existedForWindow: true
      }
    });
  });
});

describe('the tree', () => {
  const a = setValue(newCondition(SCHEMA.attributes), 0, '1');
  const b = newCondition(SCHEMA.attributes, SCHEMA.attributes[2]);
  const p = newEvent(SCHEMA, false);

  it('adds, moves and removes children, and wraps one in a group', () => {
    let tree = withChildren(a, b);
    tree = addChild(tree, tree.id, p);
    expect(textOf(tree)).toBe('total_spent > 1 AND vip = true AND performed Purchased');
    tree = moveNode(tree, p.id, -1);
    expect(textOf(tree)).toBe('total_spent > 1 AND performed Purchased AND vip = true');
    expect(moveNode(tree, a.id, -1)).toEqual(tree);
    tree = wrapInGroup(tree, b.id);
    const group = tree.children[2] as RuleGroup;
    tree = addChild(tree, group.id, newSegmentItem(['VIP']));
    tree = updateNode<RuleGroup>(tree, group.id, (g) => ({ ...g, match: 'any' }));
    expect(textOf(tree)).toBe(
      'total_spent > 1 AND performed Purchased AND (vip = true OR in segment "VIP")'
    );
    tree = updateNode<RuleGroup>(tree, group.id, (g) => ({ ...g, negated: true }));
    expect(textOf(tree)).toBe(
      'total_spent > 1 AND performed Purchased AND NOT (vip = true OR in segment "VIP")'
    );
    tree = removeNode(tree, p.id);
    tree = removeNode(tree, a.id);
    expect(textOf(tree)).toBe('NOT (vip = true OR in segment "VIP")');
  });

  it('reaches nodes inside an event’s property conditions', () => {
    const cond = newCondition(SCHEMA.events[0].properties);
    const inner = { ...p, where: newGroup(cond) };
    let tree = withChildren(inner);
    expect(findNode(tree, cond.id)).toBe(cond);
    tree = updateNode<ConditionItem>(tree, cond.id, (c) => setValue(c, 0, '50'));
    expect(textOf(tree)).toBe('performed Purchased where amount > 50');
    tree = removeNode(tree, cond.id);
    expect(textOf(tree)).toBe('performed Purchased');
  });

  it('leaves untouched subtrees as they were (so the UI keeps their state)', () => {
    const tree = withChildren(a, withChildren(b));
    const next = updateNode<ConditionItem>(tree, a.id, (c) => setValue(c, 0, '2'));
    expect(next.children[1]).toBe(tree.children[1]);
    expect(updateNode(tree, 'nope', () => a)).toBe(tree);
  });
});
