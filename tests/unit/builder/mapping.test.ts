// Templates on other data: the attributes and events a rule names that the data lacks, candidates of
// a fitting type (closest name first), and the rule with the chosen replacements.
import { describe, expect, it } from 'vitest';
import { applyMapping, missingNames } from '$lib/builder/mapping';
import { parse } from '$lib/engine/parser';
import { print } from '$lib/engine/printer';
import { stripSpans, type SegmentAst } from '$lib/engine/model';
import type { DataSchema } from '$lib/engine/schema';

const parsed = (text: string): SegmentAst => {
  const r = parse(text);
  if (!r.ok) throw new Error(r.issues[0].message);
  return stripSpans(r.value);
};

const SHOP: DataSchema = {
  attributes: [
    { key: 'email', label: 'Email', type: 'string' },
    { key: 'lifetime_value', label: 'Lifetime value', type: 'number' },
    { key: 'orders_count', label: 'Orders', type: 'number' },
    { key: 'created_at', label: 'Created', type: 'date' }
  ],
  events: [
    { name: 'Order Placed', properties: [] },
    { name: 'purchased', properties: [] }
  ]
};

describe('template names missing from the data', () => {
  it('lists each missing attribute once with candidates of the same type', () => {
    const ast = parsed(
      'total_spent > 10000 AND NOT performed Purchased in last 3 months OR total_spent < 5 AND signup_date within last 30 days AND email = "x"'
    );
    const missing = missingNames(ast, SHOP);
    expect(missing.attributes.map((m) => [m.key, m.type, m.candidates.map((c) => c.key)])).toEqual([
      ['total_spent', 'number', ['orders_count', 'lifetime_value']],
      ['signup_date', 'date', ['created_at']]
    ]);
    // Event names match case-insensitively, as the engine does.
    expect(missing.events).toEqual([]);
  });

  it('lists missing events with the data’s events as candidates', () => {
    const missing = missingNames(parsed('performed "Added to Cart" in last 7 days'), SHOP);
    expect(missing.events).toEqual([
      { name: 'Added to Cart', candidates: ['Order Placed', 'purchased'] }
    ]);
  });

  it('says nothing when the data has every name', () => {
    const missing = missingNames(parsed('lifetime_value > 1 AND performed purchased'), SHOP);
    expect(missing).toEqual({ attributes: [], events: [] });
  });
});

describe('mapping', () => {
  it('replaces mapped names everywhere and keeps the rest', () => {
    const ast = parsed(
      'total_spent > 10000 AND NOT (performed Purchased where total_spent > 1 in last 3 months) OR NOT total_spent < 5'
    );
    const mapped = applyMapping(ast, {
      attributes: { total_spent: 'lifetime_value' },
      events: { purchased: 'Order Placed' }
    });
    // Event properties (inside where) are not customer attributes: they stay.
    expect(print(mapped)).toBe(
      'lifetime_value > 10000 AND not performed "Order Placed" where total_spent > 1 in last 3 months OR NOT lifetime_value < 5'
    );
  });

  it('an empty mapping (keep everything) changes nothing', () => {
    const ast = parsed('total_spent > 1 AND performed Purchased');
    expect(applyMapping(ast, {})).toEqual(ast);
  });
});
