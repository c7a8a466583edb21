// `not performed … for whole window`: the language option that leaves out customers who did not
// exist yet when the window began (their start: a sign-up date attribute, else their first event).
import { describe, expect, it } from 'vitest';
import { compileQuery, defaultStartAttribute } from '../../../src/lib/engine/compile';
import { explain, explainText } from '../../../src/lib/engine/explain';
import { SegmentEngine } from '../../../src/lib/engine/live';
import { stripSpans } from '../../../src/lib/engine/model';
import { parse } from '../../../src/lib/engine/parser';
import { print } from '../../../src/lib/engine/printer';
import type { ColumnarStore } from '../../../src/lib/engine/store';
import { addEvents, buildStore, DAY, run, utc } from './build';

const NOW = utc('2026-06-15T12:00:00Z');
const Q = 'not performed Purchased in last 30 days for whole window';

const compiled = (store: ColumnarStore, q: string, startAttribute?: string | null) => {
  const c = compileQuery(q, store.schema(), startAttribute === undefined ? {} : { startAttribute });
  if (!c.ok) throw new Error(JSON.stringify(c.issues));
  return c.value;
};

describe('for whole window: the language', () => {
  it('parses in any clause position and prints after the window', () => {
    const r = parse('NOT performed Purchased for WHOLE window where amount > 5 in last 3 months');
    expect(r.ok && stripSpans(r.value.root)).toEqual({
      type: 'not',
      child: {
        type: 'performed',
        event: 'Purchased',
        where: {
          type: 'condition',
          field: 'amount',
          op: '>',
          values: [{ kind: 'number', value: 5 }]
        },
        window: { kind: 'last', amount: 3, unit: 'months' },
        existedForWindow: true
      }
    });
    expect(r.ok && print(r.value)).toBe(
      'not performed Purchased where amount > 5 in last 3 months for whole window'
    );
    const again = parse(r.ok ? print(r.value) : '');
    expect(again.ok && stripSpans(again.value)).toEqual(r.ok && stripSpans(r.value));
  });

  it('rejects a repeated or incomplete clause with its position', () => {
    const text = 'not performed E in last 3 days for whole window for whole window';
    const twice = parse(text);
    expect(twice.ok ? [] : twice.issues.map((i) => [i.code, i.span?.start])).toEqual([
      ['duplicate-clause', text.lastIndexOf('for')]
    ]);
    const partial = parse('not performed E in last 3 days for whole');
    expect(partial.ok ? [] : partial.issues.map((i) => i.code)).toEqual(['unexpected-token']);
  });

  it('is a compile issue without a window, with a `before` window, or outside `not`', () => {
    const store = buildStore(
      { signup_date: 'date' },
      [{ id: 'a' }],
      [{ id: 'a', name: 'E', at: NOW }]
    );
    const codes = (q: string): string[] => {
      const c = compileQuery(q, store.schema());
      return c.ok ? [] : c.issues.map((i) => i.code);
    };
    expect(codes('not performed E for whole window')).toEqual(['existed-needs-window']);
    expect(codes('not performed E before 2026-01-01 for whole window')).toEqual([
      'existed-needs-start'
    ]);
    expect(codes('performed E in last 3 days for whole window')).toEqual(['existed-needs-not']);
    expect(codes('NOT (performed E in last 3 days for whole window OR performed E)')).toEqual([
      'existed-needs-not'
    ]);
    expect(codes('NOT (performed E since 30 days ago for whole window)')).toEqual([]);
    expect(codes('not performed E between 2026-01-01 and 2026-02-01 for whole window')).toEqual([]);
    const bad = compileQuery(Q, store.schema(), { startAttribute: 'nope' });
    expect(bad.ok ? [] : bad.issues.map((i) => i.code)).toEqual(['bad-start-attribute']);
  });

  it('finds a sign-up date attribute in the schema by its usual names', () => {
    const schema = (key: string, type: 'date' | 'string') => ({
      attributes: [{ key, label: key, type }],
      events: []
    });
    expect(defaultStartAttribute(schema('signup_date', 'date'))).toBe('signup_date');
    expect(defaultStartAttribute(schema('created_at', 'date'))).toBe('created_at');
    expect(defaultStartAttribute(schema('created_at', 'string'))).toBeUndefined();
    expect(defaultStartAttribute(schema('birthday', 'date'))).toBeUndefined();
  });
});

describe('for whole window: evaluation', () => {
  // Window (NOW − 30 days, NOW]; its start is NOW − 30 days.
  const from = NOW - 30 * DAY;
  const store = buildStore(
    { signup_date: 'date' },
    [
      { id: 'old', signup_date: from - DAY },
      { id: 'edge', signup_date: from },
      { id: 'new', signup_date: from + 1 },
      { id: 'buyer', signup_date: from - DAY },
      { id: 'no-date-old' },
      { id: 'no-date-new' },
      { id: 'unknown' }
    ],
    [
      { id: 'buyer', name: 'Purchased', at: NOW - DAY },
      { id: 'no-date-old', name: 'Viewed', at: from - 5 * DAY },
      { id: 'no-date-new', name: 'Viewed', at: from + DAY }
    ]
  );

  it('by default includes everyone who did not purchase, whenever they started', () => {
    expect(run(store, 'not performed Purchased in last 30 days', NOW)).toEqual([
      'old',
      'edge',
      'new',
      'no-date-old',
      'no-date-new',
      'unknown'
    ]);
  });

  it('keeps only customers who started at or before the window start', () => {
    // `unknown` has neither a sign-up date nor an event: not known to have existed, so left out.
    expect(run(store, Q, NOW)).toEqual(['old', 'edge', 'no-date-old']);
  });

  it('uses the first event only, when told to', () => {
    const c = compiled(store, Q, null);
    const engine = new SegmentEngine(store);
    engine.set('s', c, NOW);
    expect(engine.members('s').map((i) => store.idOf(i))).toEqual(['no-date-old']);
  });

  it('works inside larger rules and through explain', () => {
    expect(run(store, `signup_date is set AND ${Q}`, NOW)).toEqual(['old', 'edge']);
    const c = compiled(store, Q);
    const lines = explainText(explain(c, store, store.indexOf('new'), NOW)).join('\n');
    expect(lines).toContain('✗ NOT');
    expect(lines).toContain('after the window');
    expect(lines).toContain('`signup_date`');
    const nd = explainText(explain(c, store, store.indexOf('no-date-old'), NOW)).join('\n');
    expect(nd).toContain('(first event), by the window');
    const u = explainText(explain(c, store, store.indexOf('unknown'), NOW)).join('\n');
    expect(u).toContain('start unknown');
  });
});

describe('for whole window: as time passes and data arrives', () => {
  it('enters at the exact instant the window start passes the customer start', () => {
    const signup = NOW - 10 * DAY + 777;
    const store = buildStore({ signup_date: 'date' }, [{ id: 'a', signup_date: signup }]);
    const engine = new SegmentEngine(store);
    expect(engine.set('s', compiled(store, Q), NOW).members).toBe(0);
    expect(engine.nextDue()).toBe(signup + 30 * DAY);
    expect(engine.advanceTo(signup + 30 * DAY - 1)).toEqual([]);
    expect(engine.advanceTo(NOW + 40 * DAY)).toEqual([
      { segment: 's', customer: 0, id: 'a', kind: 'enter', at: signup + 30 * DAY }
    ]);
    const node = explain(compiled(store, Q), store, 0, NOW);
    expect(node.nextChange).toBe(signup + 30 * DAY);
  });

  it('re-evaluates on any event when the start falls back to the first event', () => {
    const store = buildStore({}, [{ id: 'a' }]);
    const engine = new SegmentEngine(store);
    engine.set('s', compiled(store, Q), NOW);
    expect(engine.members('s')).toEqual([]);
    // An old event of another name shows the customer existed before the window began.
    const r = addEvents(store, [{ id: 'a', name: 'Viewed', at: NOW - 90 * DAY }]);
    expect(engine.update(r.touched, NOW, { events: ['Viewed'] })).toEqual([
      { segment: 's', customer: 0, id: 'a', kind: 'enter', at: NOW }
    ]);
  });

  it('re-evaluates when the sign-up attribute changes', () => {
    const store = buildStore({ signup_date: 'date' }, [{ id: 'a', signup_date: NOW - DAY }]);
    const engine = new SegmentEngine(store);
    engine.set('s', compiled(store, Q), NOW);
    const r = store.upsertCustomers({
      ids: ['a'],
      columns: [
        {
          def: { key: 'signup_date', label: 'signup_date', type: 'date' },
          values: [NOW - 100 * DAY]
        }
      ]
    });
    expect(engine.update(r.touched, NOW, { attributes: ['signup_date'] })).toEqual([
      { segment: 's', customer: 0, id: 'a', kind: 'enter', at: NOW }
    ]);
  });

  it('follows month windows', () => {
    const signup = utc('2026-05-20T08:00:00Z');
    const store = buildStore({ signup_date: 'date' }, [{ id: 'a', signup_date: signup }]);
    const engine = new SegmentEngine(store);
    const q = 'not performed Purchased in last 1 month for whole window';
    engine.set('s', compiled(store, q), NOW);
    expect(engine.advanceTo(utc('2026-07-01'))).toEqual([
      { segment: 's', customer: 0, id: 'a', kind: 'enter', at: utc('2026-06-20T08:00:00Z') }
    ]);
  });
});
