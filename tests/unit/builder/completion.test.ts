// Autocomplete in the text editor: what is offered where (attributes with their type, events after
// `performed`, an event's properties inside `where`/`with`, operators of a field's type from the
// registry, clause keywords, segment names), filtered by what is typed; accepting replaces the word.
import { describe, expect, it } from 'vitest';
import { accept, complete, nameText, type CompletionSource } from '$lib/builder/completion';
import { operatorsFor } from '$lib/engine/operators';
import { parse } from '$lib/engine/parser';

const SOURCE: CompletionSource = {
  attributes: [
    { key: 'total_spent', label: 'Total spent', type: 'number' },
    { key: 'city', label: 'City', type: 'string' },
    { key: 'signup_date', label: 'Signup', type: 'date' }
  ],
  events: [
    {
      name: 'Purchased',
      properties: [
        { key: 'amount', label: 'Amount', type: 'number' },
        { key: 'category', label: 'Category', type: 'string' }
      ]
    },
    { name: 'Added to Cart', properties: [{ key: 'sku', label: 'SKU', type: 'string' }] }
  ],
  segments: ['VIP', 'Lapsed "big" spenders']
};

/** Completions at the `|` in `text`. */
const at = (marked: string) => {
  const cursor = marked.indexOf('|');
  const text = marked.replace('|', '');
  return { text, cursor, result: complete(text, cursor, SOURCE) };
};
const labels = (marked: string): string[] => at(marked).result?.items.map((i) => i.label) ?? [];

describe('what is offered where', () => {
  it('at the start: attributes with their type, then predicate keywords', () => {
    const r = at('|').result;
    expect(r?.items.slice(0, 3).map((i) => [i.label, i.detail])).toEqual([
      ['total_spent', 'number'],
      ['city', 'string'],
      ['signup_date', 'date']
    ]);
    expect(labels('|')).toEqual(
      expect.arrayContaining(['performed', 'not performed', 'in segment'])
    );
    expect(r?.expectsName).toBe(true);
  });

  it('filters by what is typed: prefix matches first, then names containing it', () => {
    expect(labels('tot|')).toEqual(['total_spent']);
    expect(labels('total_spent > 1 AND s|')).toEqual(['signup_date', 'total_spent']);
    // Keywords match from their start only: no second “in last” after “in ”.
    expect(labels('performed Purchased in la|')).toEqual([]);
    expect(labels('performed Purchased la|')).toEqual([]);
    expect(labels('x > 1 AND dat|')).toEqual(['signup_date']);
  });

  it('after performed: the events of the data', () => {
    expect(labels('total_spent > 1 AND NOT performed |')).toEqual(['Purchased', 'Added to Cart']);
    expect(labels('performed ad|')).toEqual(['Added to Cart']);
    const r = at('performed "Added t|').result;
    expect(r?.items.map((i) => i.label)).toEqual(['Added to Cart']);
    expect(r?.from).toBe('performed '.length);
  });

  it('inside where and with: that event’s properties (numbers only in an aggregate)', () => {
    expect(labels('performed Purchased where |')).toEqual(['amount', 'category']);
    expect(labels('performed Purchased where (amount > 1 AND c|')).toEqual(['category']);
    expect(labels('performed "Added to Cart" where |')).toEqual(['sku']);
    expect(labels('performed Purchased with |')).toEqual(['sum(', 'avg(', 'min(', 'max(']);
    expect(labels('performed Purchased with sum(|')).toEqual(['amount']);
  });

  it('after where (…) is closed, or after AND, the customer’s attributes again', () => {
    expect(labels('performed Purchased where (amount > 1) AND |')).toContain('total_spent');
    expect(labels('performed Purchased where amount > 1 AND |')).toContain('total_spent');
    expect(labels('performed Purchased where amount > 1 AND |')).not.toContain('amount');
  });

  it('after a field: the operators its type allows, from the registry', () => {
    expect(labels('signup_date |')).toEqual(operatorsFor('date').map((s) => s.op));
    expect(labels('total_spent > 1 AND city |')).toEqual(operatorsFor('string').map((s) => s.op));
    expect(labels('performed Purchased where amount |')).toEqual(
      operatorsFor('number').map((s) => s.op)
    );
  });

  it('after a performed clause: its other clauses and the connectives', () => {
    expect(labels('performed Purchased |')).toEqual(
      expect.arrayContaining(['where', 'at least', 'in last', 'since', 'AND', 'OR'])
    );
    expect(labels('performed Purchased in last 3 |')).toEqual(['hours', 'days', 'weeks', 'months']);
    expect(labels('performed Purchased in last 3 mo|')).toEqual(['months']);
    expect(labels('performed Purchased at least 2 |')).toEqual(['times']);
    expect(labels('total_spent > 100 |')).toEqual(['AND', 'OR']);
    expect(at('total_spent > 100 |').result?.expectsName).toBe(false);
  });

  it('after in segment: the segments, quoted', () => {
    const r = at('in segment |').result;
    expect(r?.items.map((i) => i.insert)).toEqual(['"VIP" ', '"Lapsed \\"big\\" spenders" ']);
  });

  it('nothing while a number is typed or when nothing fits', () => {
    expect(at('total_spent > 10|').result).toBeNull();
    expect(at('zzz|').result).toBeNull();
  });
});

describe('accepting', () => {
  it('replaces the whole word under the cursor and leaves one space after', () => {
    const { text, result } = at('tot|al AND x');
    expect(result).not.toBeNull();
    if (!result) return;
    expect(accept(text, result, result.items[0])).toEqual({
      text: 'total_spent AND x',
      cursor: 'total_spent'.length
    });
  });

  it('quotes event names that are not plain words; the result parses', () => {
    const { text, result } = at('NOT performed Add|');
    if (!result) throw new Error('no completions');
    const next = accept(text, result, result.items[0]);
    expect(next.text).toBe('NOT performed "Added to Cart" ');
    expect(parse(next.text).ok).toBe(true);
    expect(nameText('Purchased')).toBe('Purchased');
    expect(nameText('between')).toBe('"between"');
  });

  it('a whole seed rule can be typed by accepting completions', () => {
    let text = '';
    const pick = (typed: string, label: string) => {
      text += typed;
      const r = complete(text, text.length, SOURCE);
      const item = r?.items.find((i) => i.label === label);
      if (!r || !item) throw new Error(`no “${label}” after “${text}”`);
      text = accept(text, r, item).text;
    };
    pick('to', 'total_spent');
    pick('', '>');
    pick('10000 ', 'AND');
    pick('', 'not performed');
    pick('Pur', 'Purchased');
    pick('', 'in last');
    pick('3 ', 'months');
    expect(text.trim()).toBe('total_spent > 10000 AND not performed Purchased in last 3 months');
    expect(parse(text).ok).toBe(true);
  });
});
