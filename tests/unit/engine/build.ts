// Test builders: a store from plain customer and event objects, and a one-call query runner.
import { compileQuery, type SegmentRef } from '../../../src/lib/engine/compile';
import { evaluate } from '../../../src/lib/engine/evaluate';
import { ColumnarStore } from '../../../src/lib/engine/store';
import type { FieldDef, Value, ValueType } from '../../../src/lib/engine/schema';

export interface CustomerSpec {
  readonly id: string;
  readonly [key: string]: Value | null | undefined;
}

export interface EventSpec {
  readonly id: string;
  readonly name: string;
  readonly at: number;
  readonly props?: Readonly<Record<string, Value | null>>;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const utc = (text: string): number =>
  Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);

export function buildStore(
  types: Readonly<Record<string, ValueType>>,
  customers: readonly CustomerSpec[],
  events: readonly EventSpec[] = [],
  propTypes: Readonly<Record<string, ValueType>> = {}
): ColumnarStore {
  const store = new ColumnarStore();
  const keys = Object.keys(types);
  store.upsertCustomers({
    ids: customers.map((c) => c.id),
    columns: keys.map((key) => ({
      def: { key, label: key, type: types[key] } satisfies FieldDef,
      values: customers.map((c) => c[key] ?? null)
    }))
  });
  if (events.length > 0) addEvents(store, events, propTypes);
  return store;
}

export function addEvents(
  store: ColumnarStore,
  events: readonly EventSpec[],
  propTypes: Readonly<Record<string, ValueType>> = {}
): ReturnType<ColumnarStore['addEvents']> {
  const keys = Object.keys(propTypes);
  return store.addEvents({
    customerIds: events.map((e) => e.id),
    names: events.map((e) => e.name),
    timestamps: events.map((e) => e.at),
    properties: keys.map((key) => ({
      def: { key, label: key, type: propTypes[key] },
      values: events.map((e) => e.props?.[key] ?? null)
    }))
  });
}

/** Ids matching a query at `now`; throws (failing the test) on compile issues. */
export function run(
  store: ColumnarStore,
  query: string,
  now: number,
  segments: readonly SegmentRef[] = []
): string[] {
  const compiled = compileQuery(query, store.schema(), { segments });
  if (!compiled.ok) throw new Error(`${query}: ${JSON.stringify(compiled.issues)}`);
  return evaluate(compiled.value, store, now).map((i) => store.idOf(i));
}
