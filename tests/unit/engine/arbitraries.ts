// fast-check generators for property tests: small random data sets shaped to hit edges (windows,
// month ends, missing values, case and spaces) and random well-typed rules over them.
import fc from 'fast-check';
import type {
  ConditionNode,
  Literal,
  Operator,
  PerformedNode,
  RuleNode,
  TimeWindow,
  WhereNode
} from '../../../src/lib/engine/model';
import { operatorsFor } from '../../../src/lib/engine/operators';
import type { ValueType } from '../../../src/lib/engine/schema';
import type { Unit } from '../../../src/lib/engine/time';
import { back, type RefCustomer, type RefData, type RefEvent } from './reference';

export const DAY = 86_400_000;
const HOUR = 3_600_000;

export const NOWS = [
  Date.parse('2026-03-31T10:00:00Z'),
  Date.parse('2026-06-15T12:00:00Z'),
  Date.parse('2024-02-29T00:00:00Z')
];

export const ATTR_TYPES: Readonly<Record<string, ValueType>> = {
  n: 'number',
  s: 'string',
  b: 'boolean',
  d: 'date'
};
export const PROP_TYPES: Readonly<Record<string, ValueType>> = {
  amt: 'number',
  k: 'string',
  dt: 'date'
};

const NUMBERS = [-5, 0, 1, 1.5, 2.5, 3, 10, 50, 51, 100];
const STRINGS = ['Pune', ' pune', 'PUNE ', 'Delhi', 'del', 'x', 'X ', 'y'];
const UNITS: readonly Unit[] = ['hours', 'days', 'weeks', 'months'];

const EDGE_AMOUNTS = [1, 2, 3, 7, 30];

/** An instant near `now`: often exactly on (or 1 ms beside) a window edge, else some days back. */
const instantNear = (now: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...EDGE_AMOUNTS),
        fc.constantFrom(...UNITS),
        fc.constantFrom(-1, 0, 0, 1)
      )
      .map(([amount, unit, off]) => back(now, amount, unit) + off),
    fc
      .tuple(fc.integer({ min: -120, max: 3 }), fc.constantFrom(0, 1, -1, HOUR, 12 * HOUR))
      .map(([days, off]) => now + days * DAY + off),
    fc.constantFrom(now, now + 1, now - 1)
  );

export const numberLit: fc.Arbitrary<Literal> = fc
  .constantFrom(...NUMBERS)
  .map((value) => ({ kind: 'number', value }));
export const stringLit: fc.Arbitrary<Literal> = fc
  .constantFrom(...STRINGS)
  .map((value) => ({ kind: 'string', value }));
const AMOUNTS = fc.oneof(fc.constantFrom(...EDGE_AMOUNTS), fc.integer({ min: 1, max: 40 }));
const relativeLit: fc.Arbitrary<Literal> = fc
  .tuple(AMOUNTS, fc.constantFrom(...UNITS))
  .map(([amount, unit]) => ({ kind: 'relative', amount, unit }));

const dateLit = (now: number): fc.Arbitrary<Literal> =>
  fc.oneof(
    relativeLit,
    fc.tuple(instantNear(now), fc.boolean()).map(([t, plain]) => ({
      kind: 'date' as const,
      text: plain
        ? new Date(t).toISOString().slice(0, 10)
        : new Date(t).toISOString().replace('.000Z', 'Z')
    }))
  );

function literalFor(type: ValueType, now: number): fc.Arbitrary<Literal> {
  switch (type) {
    case 'number':
      return numberLit;
    case 'string':
      return stringLit;
    case 'boolean':
      return fc.boolean().map((value) => ({ kind: 'boolean', value }));
    case 'date':
      return dateLit(now);
  }
}

export function conditionArb(
  fields: Readonly<Record<string, ValueType>>,
  now: number
): fc.Arbitrary<ConditionNode> {
  return fc.constantFrom(...Object.keys(fields)).chain((field) => {
    const type = fields[field];
    return fc.constantFrom(...operatorsFor(type)).chain((spec): fc.Arbitrary<ConditionNode> => {
      const op: Operator = spec.op;
      const lit = literalFor(type, now);
      switch (spec.arity) {
        case 'none':
          return fc.constant({ type: 'condition', field, op, values: [] });
        case 'one':
          return lit.map((v) => ({ type: 'condition', field, op, values: [v] }));
        case 'list':
          return fc
            .array(lit, { minLength: 1, maxLength: 3 })
            .map((values) => ({ type: 'condition', field, op, values }));
        case 'range':
          return fc.tuple(lit, lit).map((values) => ({ type: 'condition', field, op, values }));
        case 'duration':
          return fc.tuple(AMOUNTS, fc.constantFrom(...UNITS)).map(([amount, unit]) => ({
            type: 'condition',
            field,
            op,
            values: [{ kind: 'number', value: amount }],
            unit
          }));
      }
    });
  });
}

const whereArb = (now: number): fc.Arbitrary<WhereNode> =>
  fc.letrec<{ w: WhereNode }>((tie) => ({
    w: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      conditionArb(PROP_TYPES, now),
      fc
        .array(tie('w'), { minLength: 2, maxLength: 3 })
        .map((children) => ({ type: 'and' as const, children })),
      fc
        .array(tie('w'), { minLength: 2, maxLength: 3 })
        .map((children) => ({ type: 'or' as const, children })),
      tie('w').map((child) => ({ type: 'not' as const, child }))
    )
  })).w;

const windowArb = (now: number): fc.Arbitrary<TimeWindow> =>
  fc.oneof(
    fc
      .tuple(AMOUNTS, fc.constantFrom(...UNITS))
      .map(([amount, unit]) => ({ kind: 'last' as const, amount, unit })),
    dateLit(now).map((from) => ({ kind: 'since' as const, from })),
    dateLit(now).map((to) => ({ kind: 'before' as const, to })),
    fc
      .tuple(dateLit(now), dateLit(now))
      .map(([from, to]) => ({ kind: 'between' as const, from, to }))
  );

export const performedArb = (now: number): fc.Arbitrary<PerformedNode> =>
  fc
    .record(
      {
        event: fc.constantFrom('E', 'e', 'F', 'Never Seen'),
        where: whereArb(now),
        count: fc.record({
          op: fc.constantFrom('at least' as const, 'at most' as const, 'exactly' as const),
          n: fc.integer({ min: 0, max: 3 })
        }),
        aggregate: fc.record({
          fn: fc.constantFrom('sum' as const, 'avg' as const, 'min' as const, 'max' as const),
          property: fc.constant('amt'),
          op: fc.constantFrom(
            '=' as const,
            '!=' as const,
            '>' as const,
            '>=' as const,
            '<' as const,
            '<=' as const
          ),
          value: fc.constantFrom(0, 1, 2.5, 50, 51, 100, 150)
        }),
        window: windowArb(now)
      },
      { requiredKeys: ['event'] }
    )
    .map((p) => ({ type: 'performed' as const, ...p }));

/** `not performed … <window with a start> for whole window`. */
export const notPerformedForWholeWindowArb = (now: number): fc.Arbitrary<RuleNode> =>
  fc
    .tuple(
      performedArb(now),
      windowArb(now).filter((w) => w.kind !== 'before')
    )
    .map(([p, window]) => ({
      type: 'not' as const,
      child: { ...p, window, existedForWindow: true }
    }));

export const ruleArb = (now: number): fc.Arbitrary<RuleNode> =>
  fc.letrec<{ r: RuleNode }>((tie) => ({
    r: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      conditionArb(ATTR_TYPES, now),
      performedArb(now),
      notPerformedForWholeWindowArb(now),
      fc
        .array(tie('r'), { minLength: 2, maxLength: 3 })
        .map((children) => ({ type: 'and' as const, children })),
      fc
        .array(tie('r'), { minLength: 2, maxLength: 3 })
        .map((children) => ({ type: 'or' as const, children })),
      tie('r').map((child) => ({ type: 'not' as const, child }))
    )
  })).r;

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.option(arb, { nil: null, freq: 3 });

export const customerArb = (id: string, now: number): fc.Arbitrary<RefCustomer> =>
  fc
    .record({
      n: maybe(fc.constantFrom(...NUMBERS)),
      s: maybe(fc.constantFrom(...STRINGS)),
      b: maybe(fc.boolean()),
      d: maybe(instantNear(now))
    })
    .map((attrs) => ({ id, attrs }));

export const eventArb = (ids: readonly string[], now: number): fc.Arbitrary<RefEvent> =>
  fc
    .record({
      id: fc.constantFrom(...ids),
      name: fc.constantFrom('E', 'e ', 'F'),
      at: instantNear(now),
      amt: maybe(fc.constantFrom(1, 2.5, 50, 51, 100)),
      k: maybe(fc.constantFrom('x', 'X ', 'y')),
      dt: maybe(instantNear(now))
    })
    .map(({ id, name, at, amt, k, dt }) => ({ id, name, at, props: { amt, k, dt } }));

/** Events every data set has (far in the past, for an extra customer), so both event names know both properties. */
export const SEED_EVENTS: readonly RefEvent[] = ['E', 'F'].map((name) => ({
  id: 'seed',
  name,
  at: Date.parse('2000-01-01T00:00:00Z'),
  props: { amt: 1, k: 'x', dt: Date.parse('2000-01-01T00:00:00Z') }
}));

export const dataArb = (now: number): fc.Arbitrary<RefData> =>
  fc.integer({ min: 1, max: 6 }).chain((k) => {
    const ids = Array.from({ length: k }, (_, i) => `c${i}`);
    return fc
      .tuple(
        fc.tuple(...ids.map((id) => customerArb(id, now))),
        fc.array(eventArb(ids, now), { maxLength: 25 })
      )
      .map(([customers, events]) => ({
        types: ATTR_TYPES,
        propTypes: PROP_TYPES,
        customers: [...customers, { id: 'seed', attrs: {} }],
        events: [...SEED_EVENTS, ...events]
      }));
  });

/** Rules whose answers passing time is likely to flip: event windows and relative dates. */
export const timeRuleArb = (now: number): fc.Arbitrary<RuleNode> =>
  fc.oneof(
    { arbitrary: performedArb(now), weight: 4 },
    { arbitrary: conditionArb({ d: 'date' }, now), weight: 2 },
    { arbitrary: notPerformedForWholeWindowArb(now), weight: 2 },
    {
      arbitrary: fc.tuple(performedArb(now), conditionArb(ATTR_TYPES, now)).map(([a, b]) => ({
        type: 'or' as const,
        children: [a, { type: 'not' as const, child: b }]
      })),
      weight: 1
    },
    { arbitrary: ruleArb(now), weight: 1 }
  );
