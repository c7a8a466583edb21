// The demo-store generator: deterministic, exact in its counts, consistent between customers and
// events, realistic enough to hold the cohorts the app's examples look for.
import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_HEADER,
  EVENT_HEADER,
  EVENT_NAMES,
  generateStore,
  sampleStore,
  toCsvLine,
  type GeneratedStore
} from '../../../src/lib/sample/generate';

const NOW = Date.UTC(2026, 10, 28, 9, 30, 15, 500);
const DAY = 86_400_000;

const collect = (store: GeneratedStore): { customers: string[][]; events: string[][] } => ({
  customers: [...store.customerRows()],
  events: [...store.eventRows()]
});

const col = (header: readonly string[], name: string): number => {
  const index = header.indexOf(name);
  if (index < 0) throw new Error(`no column ${name}`);
  return index;
};

const C = {
  id: col(CUSTOMER_HEADER, 'customer_id'),
  email: col(CUSTOMER_HEADER, 'email'),
  phone: col(CUSTOMER_HEADER, 'phone'),
  city: col(CUSTOMER_HEADER, 'city'),
  signup: col(CUSTOMER_HEADER, 'signup_date'),
  spent: col(CUSTOMER_HEADER, 'total_spent'),
  orders: col(CUSTOMER_HEADER, 'total_orders'),
  lastOrder: col(CUSTOMER_HEADER, 'last_order_date'),
  marketing: col(CUSTOMER_HEADER, 'accepts_marketing')
};
const E = {
  id: col(EVENT_HEADER, 'event_id'),
  customer: col(EVENT_HEADER, 'customer_id'),
  event: col(EVENT_HEADER, 'event'),
  timestamp: col(EVENT_HEADER, 'timestamp'),
  amount: col(EVENT_HEADER, 'amount'),
  category: col(EVENT_HEADER, 'category'),
  quantity: col(EVENT_HEADER, 'quantity'),
  product: col(EVENT_HEADER, 'product'),
  campaign: col(EVENT_HEADER, 'campaign')
};

const toCents = (text: string): number => Math.round(Number(text) * 100);

// One shared sample: the app's preset, ending at NOW.
const sample = collect(sampleStore(NOW));

describe('generateStore', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const options = { seed: 7, customers: 300, events: 4000, now: NOW };
    const a = collect(generateStore(options));
    const b = collect(generateStore(options));
    expect(b).toEqual(a);
    const c = collect(generateStore({ ...options, seed: 8 }));
    expect(c.customers).not.toEqual(a.customers);
    expect(c.events).not.toEqual(a.events);
  });

  it('replays the same customers whether iterated alone or together with events', () => {
    const store = generateStore({ seed: 3, customers: 200, events: 2500, now: NOW });
    const together = [...store.customers()];
    expect(together.map((c) => c.customer)).toEqual([...store.customerRows()]);
    expect(together.flatMap((c) => c.events)).toEqual([...store.eventRows()]);
  });

  it('emits exactly the requested number of events and customers', () => {
    for (const [customers, events] of [
      [1, 0],
      [1, 1],
      [1, 37],
      [10, 3],
      [50, 51],
      [250, 9999],
      [1000, 500]
    ] as const) {
      const { customers: rows, events: evs } = collect(
        generateStore({ seed: customers + events, customers, events, now: NOW })
      );
      expect(rows).toHaveLength(customers);
      expect(evs).toHaveLength(events);
    }
    expect(sample.customers).toHaveLength(3000);
    expect(sample.events).toHaveLength(40000);
  });

  it('rejects impossible options', () => {
    expect(() => generateStore({ seed: 1, customers: 0, events: 5, now: NOW })).toThrow(RangeError);
    expect(() => generateStore({ seed: 1, customers: -1, events: 0, now: NOW })).toThrow(
      RangeError
    );
    expect(() => generateStore({ seed: 1.5, customers: 1, events: 0, now: NOW })).toThrow(
      RangeError
    );
    expect(() => generateStore({ seed: 1, customers: 1, events: 0, now: NaN })).toThrow(RangeError);
    expect(() => generateStore({ seed: 1, customers: 1, events: 0, now: NOW, years: 0 })).toThrow(
      RangeError
    );
  });

  it('writes rows shaped like the headers, with unique ids and well-formed values', () => {
    const { customers, events } = sample;
    // Checked as lists of offenders: an expect per cell is too slow for 40,000 rows.
    const badCustomers = customers.filter(
      (row) =>
        row.length !== CUSTOMER_HEADER.length ||
        !/^C\d{6}$/.test(row[C.id]) ||
        !/^\d{4}-\d{2}-\d{2}$/.test(row[C.signup]) ||
        !/^\d+\.\d{2}$/.test(row[C.spent]) ||
        !/^\d+$/.test(row[C.orders]) ||
        !/^(\d{4}-\d{2}-\d{2})?$/.test(row[C.lastOrder]) ||
        !/^(true|false)$/.test(row[C.marketing]) ||
        !/^$|^[\w.]+@[a-z.]+$/i.test(row[C.email])
    );
    expect(badCustomers).toEqual([]);
    const badEvents = events.filter(
      (row) =>
        row.length !== EVENT_HEADER.length ||
        !(EVENT_NAMES as readonly string[]).includes(row[E.event]) ||
        !/^E\d{7}$/.test(row[E.id]) ||
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(row[E.timestamp]) ||
        !/^(\d+\.\d{2})?$/.test(row[E.amount]) ||
        !/^\d*$/.test(row[E.quantity])
    );
    expect(badEvents).toEqual([]);
    expect(new Set(customers.map((r) => r[C.id])).size).toBe(customers.length);
    expect(new Set(events.map((r) => r[E.id])).size).toBe(events.length);
    const emails = customers.map((r) => r[C.email].toLowerCase()).filter((e) => e !== '');
    expect(new Set(emails).size).toBe(emails.length);
    const phones = customers.map((r) => r[C.phone]).filter((p) => p !== '');
    const e164 = phones.filter((p) => /^\+[1-9]\d{7,14}$/.test(p));
    expect(e164.length / phones.length).toBeGreaterThan(0.85);
    expect(e164.length).toBeLessThan(phones.length); // a few national formats too
  });

  it('uses each event’s own properties and leaves the others blank', () => {
    const expected: Readonly<Record<string, string>> = {
      // amount, category, quantity, product, campaign: 1 = present, 0 = blank
      Purchased: '11110',
      'Added to Cart': '11110',
      'Viewed Product': '01010',
      'Opened Email': '00001',
      'Clicked Link': '00001',
      Refunded: '10010'
    };
    const props = [E.amount, E.category, E.quantity, E.product, E.campaign];
    const wrong = sample.events.filter(
      (row) => props.map((i) => (row[i] === '' ? '0' : '1')).join('') !== expected[row[E.event]]
    );
    expect(wrong).toEqual([]);
  });

  it('puts every event within the history window, none after now', () => {
    const nowSecond = Math.floor(NOW / 1000) * 1000;
    const outside = (rows: readonly string[][], years: number): string[][] =>
      rows.filter((row) => {
        const t = Date.parse(row[E.timestamp]);
        return !(t <= nowSecond && t >= NOW - years * 365.25 * DAY - 1000);
      });
    expect(outside(sample.events, 2)).toEqual([]);
    const short = generateStore({ seed: 5, customers: 100, events: 3000, now: NOW, years: 0.5 });
    expect(outside([...short.eventRows()], 0.5)).toEqual([]);
    const long = generateStore({ seed: 5, customers: 100, events: 3000, now: NOW, years: 5 });
    expect(outside([...long.eventRows()], 5)).toEqual([]);
  });

  it('keeps customer totals consistent with their Purchased events', () => {
    const byCustomer = new Map<string, { cents: number; orders: number; last: string }>();
    for (const row of sample.events) {
      if (row[E.event] !== 'Purchased') continue;
      const acc = byCustomer.get(row[E.customer]) ?? { cents: 0, orders: 0, last: '' };
      acc.cents += toCents(row[E.amount]);
      acc.orders++;
      if (row[E.timestamp] > acc.last) acc.last = row[E.timestamp];
      byCustomer.set(row[E.customer], acc);
    }
    const ids = new Set(sample.customers.map((r) => r[C.id]));
    for (const id of byCustomer.keys()) expect(ids.has(id)).toBe(true);
    const actual: (string | number)[][] = [];
    const derived: (string | number)[][] = [];
    for (const row of sample.customers) {
      const acc = byCustomer.get(row[C.id]) ?? { cents: 0, orders: 0, last: '' };
      actual.push([row[C.id], toCents(row[C.spent]), Number(row[C.orders]), row[C.lastOrder]]);
      derived.push([row[C.id], acc.cents, acc.orders, acc.last.slice(0, 10)]);
    }
    expect(actual).toEqual(derived);
  });

  it('tells each story in order: signup, views or carts, purchases, refunds', () => {
    const signup = new Map(sample.customers.map((r) => [r[C.id], r[C.signup]]));
    let current = '';
    let previous = '';
    let before: readonly string[] | undefined;
    let unrefunded = 0;
    let sinceSignupChecked = false;
    const problems: string[] = [];
    for (const row of sample.events) {
      if (row[E.customer] !== current) {
        current = row[E.customer];
        previous = '';
        before = undefined;
        unrefunded = 0;
        sinceSignupChecked = false;
      }
      const at = row[E.timestamp];
      if (at < previous) problems.push(`${row[E.id]} runs backwards`);
      previous = at;
      if (!sinceSignupChecked) {
        if (at.slice(0, 10) < (signup.get(current) ?? ''))
          problems.push(`${row[E.id]} precedes the signup`);
        sinceSignupChecked = true;
      }
      const name = row[E.event];
      if (name === 'Purchased') {
        // Right before a purchase, the customer looked at or carted that very product.
        const led =
          before !== undefined &&
          (before[E.event] === 'Viewed Product' || before[E.event] === 'Added to Cart') &&
          before[E.product] === row[E.product];
        if (!led) problems.push(`${row[E.id]} buys unseen`);
        unrefunded++;
      }
      if (name === 'Refunded') {
        if (unrefunded === 0) problems.push(`${row[E.id]} refunds nothing`);
        unrefunded--;
      }
      before = row;
    }
    expect(problems).toEqual([]);
  });

  it('holds the cohorts the examples look for', () => {
    const n = sample.customers.length;
    const threeMonthsAgo = NOW - 92 * DAY;
    const lapsedBig = sample.customers.filter(
      (r) => Number(r[C.spent]) > 10000 && Date.parse(r[C.lastOrder]) < threeMonthsAgo
    );
    expect(lapsedBig.length / n).toBeGreaterThanOrEqual(0.03);
    expect(lapsedBig.length / n).toBeLessThanOrEqual(0.08);
    // ...and big spenders who still buy, so "stopped buying" actually tells them apart.
    const activeBig = sample.customers.filter(
      (r) => Number(r[C.spent]) > 10000 && Date.parse(r[C.lastOrder]) >= threeMonthsAgo
    );
    expect(activeBig.length / n).toBeGreaterThan(0.02);

    const recentSignups = sample.customers.filter((r) => Date.parse(r[C.signup]) >= NOW - 30 * DAY);
    expect(recentSignups.length / n).toBeGreaterThan(0.02);

    const neverPurchased = sample.customers.filter((r) => r[C.orders] === '0');
    expect(neverPurchased.length / n).toBeGreaterThan(0.1);
    expect(neverPurchased.length / n).toBeLessThan(0.6);

    const withEvents = new Set(sample.events.map((r) => r[E.customer]));
    expect(n - withEvents.size).toBeGreaterThan(0);

    // Added to cart in the last 7 days, no purchase since.
    const weekAgo = NOW - 7 * DAY;
    const lastCart = new Map<string, number>();
    const lastPurchase = new Map<string, number>();
    for (const row of sample.events) {
      const t = Date.parse(row[E.timestamp]);
      if (row[E.event] === 'Added to Cart') lastCart.set(row[E.customer], t);
      if (row[E.event] === 'Purchased') lastPurchase.set(row[E.customer], t);
    }
    const abandoners = [...lastCart].filter(
      ([id, t]) => t >= weekAgo && (lastPurchase.get(id) ?? 0) < t
    );
    expect(abandoners.length / n).toBeGreaterThan(0.03);
  });

  it('has a heavy-tailed number of events per customer and a realistic mix of cities', () => {
    const perCustomer = new Map<string, number>();
    for (const row of sample.events)
      perCustomer.set(row[E.customer], (perCustomer.get(row[E.customer]) ?? 0) + 1);
    const counts = sample.customers.map((r) => perCustomer.get(r[C.id]) ?? 0).sort((a, b) => a - b);
    const median = counts[counts.length >> 1];
    expect(median).toBeLessThan(15);
    expect(counts[counts.length - 1]).toBeGreaterThan(200);

    const cities = new Set(sample.customers.map((r) => r[C.city]));
    for (const city of ['Mumbai', 'Pune', 'Bengaluru', 'Delhi', 'London', 'New York'])
      expect(cities.has(city)).toBe(true);

    const names = new Set(sample.events.map((r) => r[E.event]));
    expect([...names].sort()).toEqual([...EVENT_NAMES].sort());
  });
});

describe('toCsvLine', () => {
  it('leaves plain fields alone', () => {
    expect(toCsvLine(['a', 'b c', '', '1.50'])).toBe('a,b c,,1.50');
  });

  it('quotes fields holding quotes, delimiters or newlines, doubling quotes', () => {
    expect(toCsvLine(['Monitor 27", 4K', 'x'])).toBe('"Monitor 27"", 4K",x');
    expect(toCsvLine(['line one\nline two', 'cr\r'])).toBe('"line one\nline two","cr\r"');
    expect(toCsvLine(['say "hi"'])).toBe('"say ""hi"""');
  });

  it('honours another delimiter', () => {
    expect(toCsvLine(['a;b', 'c,d', 'e'], ';')).toBe('"a;b";"c,d";e');
    expect(toCsvLine(['a\tb', 'c'], '\t')).toBe('"a\tb"\tc');
  });

  it('round-trips through a simple RFC 4180 reader', () => {
    const fields = ['C000001', 'Rug "Kashmir" 5x8', 'Sofa, 3-Seater', "O'Brien", 'two\nlines', ''];
    expect(parseCsvLine(toCsvLine(fields))).toEqual(fields);
  });
});

/** A minimal RFC 4180 reader for one record, for the round-trip test. */
const parseCsvLine = (line: string): string[] => {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
};
