import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/lib/engine/compile';
import { evaluate, Evaluator } from '../../../src/lib/engine/evaluate';
import { SegmentEngine, type MembershipChange } from '../../../src/lib/engine/live';
import { stripSpans, type RuleNode } from '../../../src/lib/engine/model';
import { parse } from '../../../src/lib/engine/parser';
import { print } from '../../../src/lib/engine/printer';
import { ColumnarStore } from '../../../src/lib/engine/store';
import {
  ATTR_TYPES,
  DAY,
  NOWS,
  PROP_TYPES,
  customerArb,
  dataArb,
  eventArb,
  ruleArb,
  timeRuleArb
} from './arbitraries';
import {
  refEvaluate,
  refMatches,
  type RefCustomer,
  type RefData,
  type RefEvent
} from './reference';

function loadCustomers(store: ColumnarStore, customers: readonly RefCustomer[]): readonly number[] {
  return store.upsertCustomers({
    ids: customers.map((c) => c.id),
    columns: Object.keys(ATTR_TYPES).map((key) => ({
      def: { key, label: key, type: ATTR_TYPES[key] },
      values: customers.map((c) => c.attrs[key] ?? null)
    }))
  }).touched;
}

function loadEvents(store: ColumnarStore, events: readonly RefEvent[]): readonly number[] {
  return store.addEvents({
    customerIds: events.map((e) => e.id),
    names: events.map((e) => e.name),
    timestamps: events.map((e) => e.at),
    properties: Object.keys(PROP_TYPES).map((key) => ({
      def: { key, label: key, type: PROP_TYPES[key] },
      values: events.map((e) => e.props[key] ?? null)
    }))
  }).touched;
}

function storeOf(data: RefData): ColumnarStore {
  const store = new ColumnarStore();
  loadCustomers(store, data.customers);
  loadEvents(store, data.events);
  return store;
}

/** The same data with events sorted by customer, then time (stable), as exported files often are. */
function sortedByCustomer(data: RefData): RefData {
  const rank = new Map<string, number>();
  for (const c of data.customers) if (!rank.has(c.id)) rank.set(c.id, rank.size);
  for (const e of data.events) if (!rank.has(e.id)) rank.set(e.id, rank.size);
  const events = data.events
    .map((e, k) => ({ e, k }))
    .sort((a, b) => rank.get(a.e.id)! - rank.get(b.e.id)! || a.e.at - b.e.at || a.k - b.k)
    .map((x) => x.e);
  return { ...data, events };
}

const nowArb = fc.constantFrom(...NOWS);
/** Where `for whole window` reads a customer's start: the date attribute `d`, or the first event. */
const startArb = fc.constantFrom<string | null>('d', null);
const withStart = (data: RefData, start: string | null): RefData =>
  start === null ? data : { ...data, startAttribute: start };

describe('property: the engine agrees with the reference evaluator', { timeout: 60_000 }, () => {
  it('on random data and random rules (full evaluation)', () => {
    fc.assert(
      fc.property(
        nowArb.chain((now) => fc.tuple(fc.constant(now), dataArb(now), ruleArb(now), startArb)),
        ([now, data, rule, start]) => {
          const store = storeOf(data);
          const compiled = compile({ v: 1, root: rule }, store.schema(), {
            startAttribute: start
          });
          if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
          const got = evaluate(compiled.value, store, now).map((i) => store.idOf(i));
          expect(got).toEqual(refEvaluate(rule, withStart(data, start), now));
          expect(new Evaluator(compiled.value, store).count(now)).toBe(got.length);
          // Rows already in index order take the in-place index path.
          const sortedStore = storeOf(sortedByCustomer(data));
          expect(
            evaluate(compiled.value, sortedStore, now).map((i) => sortedStore.idOf(i))
          ).toEqual(got);
        }
      ),
      { numRuns: 1500 }
    );
  });

  it('through printed text: parse(print(rule)) evaluates the same', () => {
    fc.assert(
      fc.property(
        nowArb.chain((now) => fc.tuple(fc.constant(now), dataArb(now), ruleArb(now))),
        ([now, data, rule]) => {
          const parsed = parse(print(rule));
          if (!parsed.ok) throw new Error(`${print(rule)}: ${JSON.stringify(parsed.issues)}`);
          const store = storeOf(data);
          const compiled = compile(parsed.value, store.schema());
          if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
          expect(evaluate(compiled.value, store, now).map((i) => store.idOf(i))).toEqual(
            refEvaluate(rule, data, now)
          );
        }
      ),
      { numRuns: 150 }
    );
  });

  it('incrementally, as data arrives and time passes, with exact flip instants', () => {
    type Step = { advance: number; customers: RefCustomer[]; events: RefEvent[] };
    const stepArb = (now: number): fc.Arbitrary<Step> =>
      fc.record({
        advance: fc.oneof(
          fc.integer({ min: 0, max: 40 * DAY }),
          fc.integer({ min: 0, max: 3 * DAY })
        ),
        customers: fc.array(
          fc.constantFrom('c0', 'c1', 'c2', 'n1').chain((id) => customerArb(id, now)),
          { maxLength: 2 }
        ),
        events: fc.array(eventArb(['c0', 'c1', 'c2', 'n2'], now + 20 * DAY), { maxLength: 3 })
      });
    fc.assert(
      fc.property(
        nowArb.chain((now) =>
          fc.tuple(
            fc.constant(now),
            dataArb(now),
            fc.array(timeRuleArb(now), { minLength: 1, maxLength: 4 }),
            fc.array(stepArb(now), { maxLength: 8 }),
            startArb
          )
        ),
        ([start, initial, rules, steps, startAttribute]) => {
          const store = storeOf(initial);
          const engine = new SegmentEngine(store);
          const customers = new Map(initial.customers.map((c) => [c.id, c]));
          const events = [...initial.events];
          const data = (): RefData =>
            withStart(
              { ...initial, customers: [...customers.values()], events: [...events] },
              startAttribute
            );
          rules.forEach((rule, k) => {
            const c = compile({ v: 1, root: rule }, store.schema(), { startAttribute });
            if (!c.ok) throw new Error(JSON.stringify(c.issues));
            engine.set(`s${k}`, c.value, start);
          });
          const check = (now: number): void => {
            const d = data();
            rules.forEach((rule, k) => {
              expect(engine.members(`s${k}`).map((i) => store.idOf(i))).toEqual(
                refEvaluate(rule, d, now)
              );
            });
          };
          const checkFlips = (
            changes: readonly MembershipChange[],
            from: number,
            to: number
          ): void => {
            const d = data();
            const state = new Map<string, boolean>();
            for (const ch of changes) {
              expect(ch.at).toBeGreaterThan(from);
              expect(ch.at).toBeLessThanOrEqual(to);
              const rule: RuleNode = rules[Number(ch.segment.slice(1))];
              const cust = d.customers.find((c) => c.id === ch.id)!;
              const key = `${ch.segment}/${ch.id}`;
              const before = state.get(key) ?? ch.kind === 'leave';
              expect(refMatches(rule, cust, d, ch.at - 1)).toBe(before);
              expect(refMatches(rule, cust, d, ch.at)).toBe(ch.kind === 'enter');
              state.set(key, ch.kind === 'enter');
            }
          };
          check(start);
          let now = start;
          for (const step of steps) {
            const next = now + step.advance;
            checkFlips(engine.advanceTo(next), now, next);
            now = next;
            check(now);
            // Later upserts of the same id replace earlier ones in the reference, as in the store.
            for (const c of step.customers)
              customers.set(c.id, {
                id: c.id,
                attrs: { ...customers.get(c.id)?.attrs, ...c.attrs }
              });
            for (const e of step.events) {
              events.push(e);
              if (!customers.has(e.id)) customers.set(e.id, { id: e.id, attrs: {} });
            }
            const touched = [
              ...loadCustomers(store, step.customers),
              ...loadEvents(store, step.events)
            ];
            engine.update(touched, now, {
              events: step.events.map((e) => e.name),
              attributes: step.customers.length > 0 ? Object.keys(ATTR_TYPES) : []
            });
            check(now);
          }
        }
      ),
      { numRuns: 250 }
    );
  });
});

describe('property: the language', () => {
  it('round-trips: parse(print(ast)) gives the AST back', () => {
    fc.assert(
      fc.property(
        nowArb.chain((now) => ruleArb(now)),
        (rule) => {
          const parsed = parse(print(rule));
          if (!parsed.ok) throw new Error(`${print(rule)}: ${JSON.stringify(parsed.issues)}`);
          expect(stripSpans(parsed.value.root)).toEqual(rule);
        }
      ),
      { numRuns: 500 }
    );
  });

  it('round-trips arbitrary names and strings through quoting', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (event, text) => {
        const rule: RuleNode = {
          type: 'and',
          children: [
            { type: 'performed', event },
            {
              type: 'condition',
              field: 'city',
              op: '=',
              values: [{ kind: 'string', value: text }]
            },
            { type: 'not', child: { type: 'in-segment', segment: text } }
          ]
        };
        const parsed = parse(print(rule));
        expect(parsed.ok && stripSpans(parsed.value.root)).toEqual(rule);
      }),
      { numRuns: 300 }
    );
  });

  it('never throws on random text, and every issue has a code and a span inside the text', () => {
    const alphabet = fc.constantFrom(
      ...'abc_ 019.-"\'()=<>!,\\#'.split(''),
      ' and ',
      ' or ',
      ' not ',
      'performed ',
      ' where ',
      ' in ',
      ' last ',
      ' days',
      ' at least ',
      ' times',
      'between ',
      '2026-01-31',
      ' ago',
      'segment '
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(alphabet, { maxLength: 30 }).map((xs) => xs.join(''))
        ),
        (text) => {
          const r = parse(text);
          if (!r.ok) {
            for (const i of r.issues) {
              expect(i.code).toMatch(/^[a-z-]+$/);
              expect(i.span).toBeDefined();
              expect(i.span!.start).toBeGreaterThanOrEqual(0);
              expect(i.span!.end).toBeLessThanOrEqual(text.length);
            }
          } else {
            const again = parse(print(r.value));
            expect(again.ok && stripSpans(again.value)).toEqual(stripSpans(r.value));
          }
        }
      ),
      { numRuns: 2000 }
    );
  });
});
