// The benchmark's segments: each as engine query text and as the equivalent DuckDB SQL over the same
// CSVs, plus the extra live segments and the new events of the incremental measurement. `now` is
// fixed per run.
import type { EventBatch } from '../../src/lib/engine/schema';
import type { ColumnarStore } from '../../src/lib/engine/store';
import { subtract } from '../../src/lib/engine/time';

export interface BenchSegment {
  readonly name: string;
  readonly query: string;
  /** A SQL query returning one row with the member count. */
  readonly sql: string;
  readonly hasEvents: boolean;
}

const ts = (t: number): string =>
  `TIMESTAMP '${new Date(t).toISOString().replace('T', ' ').replace('Z', '')}'`;

export function benchSegments(now: number): BenchSegment[] {
  const N = ts(now);
  const back = (amount: number, unit: 'days' | 'months'): string => ts(subtract(now, amount, unit));
  // Event names and cities are written exactly as the generator spells them, which gives DuckDB plain
  // equality (its fastest path); the engine's case-insensitive matching gives the same members here.
  const window = (from: string): string => `timestamp > ${from} AND timestamp <= ${N}`;
  return [
    {
      name: 'seed: spent > 10000, no purchase in 3 months',
      query: 'total_spent > 10000 AND NOT performed Purchased in last 3 months',
      sql: `SELECT count(*) FROM customers c WHERE c.total_spent > 10000 AND NOT EXISTS (
              SELECT 1 FROM events e WHERE e.customer_id = c.customer_id AND e.event = 'Purchased'
              AND e.${window(back(3, 'months'))})`,
      hasEvents: true
    },
    {
      name: 'attributes only',
      query:
        'city in ("Mumbai", "Delhi", "Pune") AND total_spent between 1000 and 20000 AND accepts_marketing = true',
      sql: `SELECT count(*) FROM customers WHERE city IN ('Mumbai', 'Delhi', 'Pune')
              AND total_spent BETWEEN 1000 AND 20000 AND accepts_marketing = true`,
      hasEvents: false
    },
    {
      name: 'cart ≥3 times in 30 days where amount > 50',
      query: 'performed "Added to Cart" at least 3 times in last 30 days where amount > 50',
      sql: `SELECT count(*) FROM (SELECT customer_id FROM events WHERE event = 'Added to Cart'
              AND ${window(back(30, 'days'))} AND amount > 50 GROUP BY customer_id HAVING count(*) >= 3)`,
      hasEvents: true
    },
    {
      name: 'sum(amount) of purchases in 365 days',
      query: 'performed Purchased in last 365 days with sum(amount) > 20000.005',
      sql: `SELECT count(*) FROM (SELECT customer_id FROM events WHERE event = 'Purchased'
              AND ${window(back(365, 'days'))} GROUP BY customer_id HAVING sum(amount) > 20000.005)`,
      hasEvents: true
    },
    {
      name: 'nested AND/OR/NOT of four',
      query:
        '(city = "Mumbai" OR performed Purchased at least 2 times in last 90 days) AND NOT (accepts_marketing = false OR performed Refunded in last 60 days)',
      sql: `SELECT count(*) FROM customers c WHERE (coalesce(c.city = 'Mumbai', false) OR c.customer_id IN (
              SELECT customer_id FROM events WHERE event = 'Purchased' AND ${window(back(90, 'days'))}
              GROUP BY customer_id HAVING count(*) >= 2))
            AND NOT (coalesce(c.accepts_marketing = false, false) OR c.customer_id IN (
              SELECT customer_id FROM events WHERE event = 'Refunded' AND ${window(back(60, 'days'))}))`,
      hasEvents: true
    }
  ];
}

/** Fifteen more rules, so the incremental measurement runs with 20 live segments. */
export const EXTRA_LIVE_QUERIES: readonly string[] = [
  'total_spent > 5000',
  'performed Purchased in last 7 days',
  'performed Purchased in last 30 days',
  'performed "Viewed Product" at least 5 times in last 7 days',
  'performed "Added to Cart" in last 3 days AND NOT performed Purchased in last 3 days',
  'signup_date within last 30 days',
  'performed "Opened Email" in last 14 days',
  'performed "Clicked Link" at least 2 times in last 30 days',
  'city = "Delhi" AND performed Purchased in last 60 days',
  'performed Purchased where amount > 2000 in last 90 days',
  'performed Purchased with avg(amount) > 2000',
  'performed Refunded in last 30 days',
  'total_orders >= 5 AND NOT performed Purchased in last 60 days',
  'country = "India" AND accepts_marketing = true',
  'performed "Viewed Product" in last 1 day'
];

/**
 * The incremental measurement's new events, one per call, from `start` on and 500 ms apart: a random
 * customer of the store, a name in roughly the generator's mix, an amount on purchases and carts.
 * The seed is fixed, so the benchmark and the profiling aids replay the same events.
 */
export function newEvents(store: ColumnarStore, start: number): () => EventBatch {
  const names = [
    'Viewed Product',
    'Viewed Product',
    'Viewed Product',
    'Added to Cart',
    'Purchased',
    'Opened Email',
    'Clicked Link',
    'Refunded'
  ];
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const amountDef = store
    .eventTypes()
    .find((e) => e.name === 'Purchased')
    ?.properties.find((p) => p.key === 'amount');
  let k = 0;
  return () => {
    const name = names[Math.floor(rnd() * names.length)];
    return {
      customerIds: [store.idOf(Math.floor(rnd() * store.customerCount))],
      names: [name],
      timestamps: [start + k++ * 500],
      properties: amountDef
        ? [
            {
              def: amountDef,
              values: [
                name === 'Purchased' || name === 'Added to Cart'
                  ? Math.round(rnd() * 500000) / 100
                  : null
              ]
            }
          ]
        : []
    };
  };
}
