// Deterministic demo-store generator: customers and their events as CSV rows, streamed lazily.
// Each customer is simulated alone from its own PRNG stream, so the customer rows and the event rows
// replay the same numbers and agree on totals without storing anything but one event count each.

import {
  CAMPAIGN_NEWSLETTER,
  CAMPAIGN_SEASONAL,
  CAMPAIGN_WELCOME,
  CAMPAIGN_WINBACK,
  CATEGORIES,
  CATEGORY_POPULARITY,
  CITIES,
  PRODUCTS,
  PRODUCTS_BY_CATEGORY,
  campaignName,
  emailDomainsFor,
  namesFor,
  phoneFor
} from './catalog';
import { Rng, cumulate, deriveSeed } from './random';

export const CUSTOMER_HEADER: readonly string[] = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'city',
  'signup_date',
  'total_spent',
  'total_orders',
  'last_order_date',
  'accepts_marketing',
  'country'
];

export const EVENT_HEADER: readonly string[] = [
  'event_id',
  'customer_id',
  'event',
  'timestamp',
  'amount',
  'category',
  'quantity',
  'product',
  'campaign'
];

export const EVENT_NAMES = [
  'Viewed Product',
  'Added to Cart',
  'Purchased',
  'Opened Email',
  'Clicked Link',
  'Refunded'
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

export interface GenerateOptions {
  readonly seed: number;
  readonly customers: number;
  readonly events: number;
  /** The present, epoch ms: no event is later, and the history ends here. */
  readonly now: number;
  /** How far back the events go; 2 by default. */
  readonly years?: number;
}

/** One customer's CSV row and the CSV rows of its events, oldest first. */
export interface GeneratedCustomer {
  readonly customer: string[];
  readonly events: string[][];
}

export interface GeneratedStore {
  readonly customerCount: number;
  readonly eventCount: number;
  customerRows(): Iterable<string[]>;
  eventRows(): Iterable<string[]>;
  /** Both at once, customer by customer: one simulation per customer instead of two. */
  customers(): Iterable<GeneratedCustomer>;
}

/** The fixed seed of the app's "Load sample data". */
export const SAMPLE_SEED = 20260101;
export const SAMPLE_CUSTOMERS = 3000;
export const SAMPLE_EVENTS = 40000;

/** The app's demo store: about 3,000 customers and 40,000 events ending at `now`. */
export const sampleStore = (now: number): GeneratedStore =>
  generateStore({ seed: SAMPLE_SEED, customers: SAMPLE_CUSTOMERS, events: SAMPLE_EVENTS, now });

const QUOTE_NEEDED = /[",\r\n]/;

/** One CSV record (no line terminator), quoting fields that hold quotes, delimiters or newlines. */
export const toCsvLine = (fields: readonly string[], delimiter = ','): string => {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (i > 0) line += delimiter;
    const needs = QUOTE_NEEDED.test(field) || (delimiter !== ',' && field.includes(delimiter));
    line += needs ? `"${field.replaceAll('"', '""')}"` : field;
  }
  return line;
};

// ---------------------------------------------------------------------------------------------------
// Time and number formatting

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const YEAR = 365.25 * DAY;

/** 2026-03-04T10:22:31Z */
export const isoSeconds = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}Z`;
};

/** 2026-03-04 */
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** 1234.50 from 123450 cents. */
export const formatCents = (cents: number): string => {
  const whole = Math.floor(cents / 100);
  const rest = cents - whole * 100;
  return `${whole}.${rest < 10 ? '0' : ''}${rest}`;
};

// ---------------------------------------------------------------------------------------------------
// Customer archetypes: what kind of customer, how many events it wants relative to the others, and
// the fewest events its story needs.

const NONE = 0;
const BROWSER = 1;
const REGULAR = 2;
const CHURNED = 3;
const VIP = 4;
const LAPSED_BIG = 5;
const CART_ABANDONER = 6;
const RECENT_SIGNUP = 7;

const ARCHETYPE_SHARE = cumulate([0.07, 0.14, 0.525, 0.12, 0.03, 0.02, 0.05, 0.045]);
const ARCHETYPE_WEIGHT: readonly number[] = [0, 0.5, 1, 0.5, 4, 3, 1, 0.3];
const ARCHETYPE_MIN_EVENTS: readonly number[] = [0, 1, 1, 1, 4, 4, 2, 1];

/** Profile stream: archetype and weight only, cheap enough to compute for every customer twice. */
const PROFILE_STREAM = 0;
const DETAIL_STREAM = 1;

interface Profile {
  readonly archetype: number;
  readonly weight: number;
}

const profileOf = (seed: number, index: number): Profile => {
  const rng = new Rng(deriveSeed(seed, index, PROFILE_STREAM));
  const archetype = rng.weighted(ARCHETYPE_SHARE);
  // Log-normal activity: most customers have a few events, a handful have hundreds.
  const activity = Math.min(Math.exp(1.15 * rng.normal()), 400);
  return { archetype, weight: ARCHETYPE_WEIGHT[archetype] * activity };
};

/**
 * Splits exactly `total` events over the customers: each first gets its archetype's minimum, the
 * rest is shared in proportion to the weights by cumulative rounding (so the parts sum exactly).
 */
const allocateEvents = (
  seed: number,
  customers: number,
  total: number
): { readonly counts: Int32Array; readonly archetypes: Uint8Array } => {
  const counts = new Int32Array(customers);
  const archetypes = new Uint8Array(customers);
  const weights = new Float64Array(customers);
  let weightSum = 0;
  let minSum = 0;
  for (let i = 0; i < customers; i++) {
    const profile = profileOf(seed, i);
    archetypes[i] = profile.archetype;
    weights[i] = profile.weight;
    weightSum += profile.weight;
    minSum += ARCHETYPE_MIN_EVENTS[profile.archetype];
  }
  const share = (extra: number, weightOf: (i: number) => number, sum: number): void => {
    let cumulative = 0;
    let given = 0;
    for (let i = 0; i < customers; i++) {
      cumulative += weightOf(i);
      const upTo = i === customers - 1 ? extra : Math.round(extra * (cumulative / sum));
      counts[i] += upTo - given;
      given = upTo;
    }
  };
  if (total >= minSum) {
    for (let i = 0; i < customers; i++) counts[i] = ARCHETYPE_MIN_EVENTS[archetypes[i]];
    const extra = total - minSum;
    if (extra > 0) {
      if (weightSum > 0) share(extra, (i) => weights[i], weightSum);
      else share(extra, () => 1, customers);
    }
  } else if (minSum > 0) {
    share(total, (i) => ARCHETYPE_MIN_EVENTS[archetypes[i]], minSum);
  }
  return { counts, archetypes };
};

// ---------------------------------------------------------------------------------------------------
// One customer's simulation

const VIEW = 0;
const CART = 1;
const PURCHASE = 2;
const OPEN = 3;
const CLICK = 4;
const REFUND = 5;

interface SimEvent {
  t: number;
  readonly kind: number;
  readonly product: number;
  readonly quantity: number;
  cents: number;
  /** For a refund: the index of the refunded purchase. For email events: the campaign kind. */
  readonly ref: number;
  /** For email events: when the campaign was sent (names depend on the month). */
  readonly sentAt: number;
}

interface SimCustomer {
  readonly row: string[];
  readonly events: readonly SimEvent[];
}

// Session kinds, and the mixes of sessions a phase of a customer's life draws from.
const S_BROWSE = 0;
const S_PURCHASE = 1;
const S_EMAIL = 2;
const S_REFUND = 3;
const S_BROWSE_NO_CART = 4;

const MIX_FULL = cumulate([0.4, 0.33, 0.24, 0.03, 0]);
const MIX_BUYER = cumulate([0.3, 0.47, 0.2, 0.03, 0]);
const MIX_NO_PURCHASE = cumulate([0.55, 0, 0.35, 0, 0.1]);
const MIX_AFTER_LAPSE = cumulate([0, 0, 0.6, 0, 0.4]);

interface Phase {
  readonly from: number;
  readonly to: number;
  readonly budget: number;
  readonly mix: readonly number[];
  /** Open the phase with a purchase (big spenders must have bought). */
  readonly firstPurchase?: boolean;
  /** The phase is views ending in an add to cart, and nothing else. */
  readonly abandon?: boolean;
  readonly winBack?: boolean;
}

interface Session {
  readonly kind: number;
  readonly size: number;
  readonly cart: boolean;
}

interface Context {
  readonly rng: Rng;
  readonly marketing: boolean;
  readonly signup: number;
  readonly favourites: readonly number[];
  readonly premium: boolean;
  /** Purchases planned and refunds planned, so that a refund always has a purchase before it. */
  purchases: number;
  refunds: number;
  /** Indexes of purchases not refunded yet, latest last. */
  readonly unrefunded: number[];
}

const CATEGORY_CUMULATIVE = cumulate(CATEGORY_POPULARITY);

const pickProduct = (ctx: Context): number => {
  const { rng } = ctx;
  const category = rng.chance(0.65) ? rng.pick(ctx.favourites) : rng.weighted(CATEGORY_CUMULATIVE);
  const list = PRODUCTS_BY_CATEGORY[category];
  // Cheaper products sell more; premium customers lean the other way.
  const r = rng.next();
  const u = ctx.premium ? 1 - r * rng.next() : r * r * r * r * r;
  const product = list[Math.min(list.length - 1, Math.floor(u * list.length))];
  // Most shoppers look at the laptop and buy the earbuds.
  if (!ctx.premium && PRODUCTS[product].cents > 1_200_000 && rng.chance(0.85)) return list[0];
  return product;
};

const pickQuantity = (rng: Rng): number => {
  const u = rng.next();
  return u < 0.84 ? 1 : u < 0.95 ? 2 : 3 + rng.int(3);
};

const planSessions = (ctx: Context, phase: Phase): Session[] => {
  const { rng } = ctx;
  const sessions: Session[] = [];
  let left = phase.budget;
  if (phase.abandon) {
    if (left > 0) sessions.push({ kind: S_BROWSE, size: left, cart: true });
    return sessions;
  }
  let first = phase.firstPurchase === true;
  while (left > 0) {
    let kind = first ? S_PURCHASE : rng.weighted(phase.mix);
    first = false;
    if (kind === S_REFUND && ctx.purchases <= ctx.refunds) kind = S_BROWSE;
    if (kind === S_EMAIL && !ctx.marketing) kind = S_BROWSE_NO_CART;
    if (kind === S_PURCHASE && left < 2) kind = S_BROWSE_NO_CART;
    let size: number;
    let cart = false;
    if (kind === S_PURCHASE) {
      cart = rng.chance(0.85);
      size = Math.min(left, 1 + rng.int(3) + (cart ? 1 : 0) + 1);
      ctx.purchases++;
    } else if (kind === S_EMAIL) {
      size = 1;
      if (rng.chance(0.45)) size += rng.chance(0.5) ? 1 : 1 + 1 + rng.int(2);
      size = Math.min(left, size);
    } else if (kind === S_REFUND) {
      size = 1;
      ctx.refunds++;
    } else {
      cart = kind === S_BROWSE && rng.chance(0.2);
      size = Math.min(left, 1 + Math.floor(rng.exponential() * 1.3) + (cart ? 1 : 0));
      if (size < 2) cart = false;
    }
    sessions.push({ kind, size, cart });
    left -= size;
  }
  return sessions;
};

/** Session start times between `from` and `to`, ascending (sorted uniforms by spacings). */
const sessionStarts = (rng: Rng, count: number, from: number, to: number): Float64Array => {
  const starts = new Float64Array(count);
  let total = rng.exponential();
  for (let i = 0; i < count; i++) {
    starts[i] = total;
    total += rng.exponential();
  }
  const span = Math.max(0, to - from);
  for (let i = 0; i < count; i++) starts[i] = from + (starts[i] / total) * span;
  return starts;
};

const gap = (rng: Rng, meanMs: number): number => 5000 + rng.exponential() * meanMs;

const runPhase = (ctx: Context, phase: Phase, events: SimEvent[], nowSec: number): void => {
  const { rng } = ctx;
  const sessions = planSessions(ctx, phase);
  const starts = sessionStarts(rng, sessions.length, phase.from, phase.to);
  let last = events.length > 0 ? events[events.length - 1].t : 0;
  // Events get whole seconds, never run backwards, and never pass `now`.
  const push = (
    at: number,
    kind: number,
    product = -1,
    quantity = 0,
    cents = 0,
    ref = -1,
    sentAt = 0
  ): number => {
    let t = Math.floor(at / 1000) * 1000;
    if (t <= last) t = last + 1000;
    if (t > nowSec) t = nowSec;
    last = t;
    events.push({ t, kind, product, quantity, cents, ref, sentAt: sentAt || t });
    return t;
  };
  for (let s = 0; s < sessions.length; s++) {
    const session = sessions[s];
    let t = starts[s];
    if (session.kind === S_REFUND) {
      const target = ctx.unrefunded.pop();
      if (target === undefined) push(t, VIEW, pickProduct(ctx));
      else push(t, REFUND, events[target].product, 0, 0, target);
      continue;
    }
    let remaining = session.size;
    if (session.kind === S_EMAIL) {
      const campaign =
        t - ctx.signup < 14 * DAY
          ? CAMPAIGN_WELCOME
          : phase.winBack && rng.chance(0.4)
            ? CAMPAIGN_WINBACK
            : rng.chance(0.5)
              ? CAMPAIGN_SEASONAL
              : CAMPAIGN_NEWSLETTER;
      const sentAt = push(t, OPEN, -1, 0, 0, campaign);
      remaining--;
      if (remaining > 0) {
        t += gap(rng, 40 * MINUTE);
        push(t, CLICK, -1, 0, 0, campaign, sentAt);
        remaining--;
      }
      while (remaining > 0) {
        t += gap(rng, 2 * MINUTE);
        push(t, VIEW, pickProduct(ctx));
        remaining--;
      }
      continue;
    }
    if (session.kind === S_PURCHASE) {
      const product = pickProduct(ctx);
      const quantity = pickQuantity(rng);
      const listCents = PRODUCTS[product].cents * quantity;
      const withCart = session.cart && session.size >= 3;
      const views = session.size - 1 - (withCart ? 1 : 0);
      for (let v = 0; v < views; v++) {
        push(t, VIEW, v === views - 1 ? product : pickProduct(ctx));
        t += gap(rng, 90_000);
      }
      if (withCart) {
        push(t, CART, product, quantity, listCents);
        t += gap(rng, 4 * MINUTE);
      }
      // Discounts, shipping and the odd extra item make the order total differ from the list.
      const cents = Math.max(100, Math.round(listCents * rng.range(0.85, 1.08)));
      push(t, PURCHASE, product, quantity, cents);
      ctx.unrefunded.push(events.length - 1);
      continue;
    }
    // Browsing: views, the last one possibly put in the cart.
    const views = session.cart ? remaining - 1 : remaining;
    let product = -1;
    for (let v = 0; v < views; v++) {
      product = pickProduct(ctx);
      push(t, VIEW, product);
      t += gap(rng, 100_000);
    }
    if (session.cart) {
      if (product < 0) product = pickProduct(ctx);
      const quantity = pickQuantity(rng);
      push(t, CART, product, quantity, PRODUCTS[product].cents * quantity);
    }
  }
};

interface Identity {
  readonly first: string;
  readonly last: string;
  readonly email: string;
  readonly phone: string;
  readonly city: string;
  readonly country: string;
}

const asciiLower = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

const CITY_CUMULATIVE = cumulate(CITIES.map((c) => c.weight));

const identityOf = (rng: Rng, number: number): Identity => {
  const city = CITIES[rng.weighted(CITY_CUMULATIVE)];
  const names = namesFor(city.region);
  const first = rng.pick(names.first);
  const last = rng.pick(names.last);
  const f = asciiLower(first);
  const l = asciiLower(last);
  // The customer number in the local part keeps every address unique.
  const pattern = rng.int(4);
  const local =
    pattern === 0
      ? `${f}.${l}${number}`
      : pattern === 1
        ? `${f}${l.slice(0, 1)}${number}`
        : pattern === 2
          ? `${f.slice(0, 1)}${l}${number}`
          : `${f}_${l}${number}`;
  let email = `${local}@${rng.pick(emailDomainsFor(city.region))}`;
  if (rng.chance(0.02)) email = email.charAt(0).toUpperCase() + email.slice(1);
  if (rng.chance(0.01)) email = '';
  const phone = rng.chance(0.05) ? '' : phoneFor(rng, city.region, rng.chance(0.08));
  const blankCity = rng.chance(0.01);
  return {
    first,
    last,
    email,
    phone,
    city: blankCity ? '' : city.name,
    country: blankCity ? '' : city.country
  };
};

interface Shape {
  readonly seed: number;
  readonly now: number;
  readonly years: number;
  readonly idWidth: number;
}

export const customerId = (index: number, width: number): string =>
  `C${String(index + 1).padStart(width, '0')}`;

const simulate = (shape: Shape, index: number, archetype: number, budget: number): SimCustomer => {
  const { now, years } = shape;
  const rng = new Rng(deriveSeed(shape.seed, index, DETAIL_STREAM));
  const nowSec = Math.floor(now / 1000) * 1000;
  const windowStart = now - years * YEAR;
  const kind = archetype === NONE && budget > 0 ? REGULAR : archetype;
  const identity = identityOf(rng, index + 1);
  const marketing = rng.chance(kind === LAPSED_BIG || kind === VIP ? 0.8 : 0.62);
  const premium = kind === VIP || kind === LAPSED_BIG || rng.chance(0.04);
  const favourites = [rng.weighted(CATEGORY_CUMULATIVE), rng.weighted(CATEGORY_CUMULATIVE)];

  // When this customer stopped buying (lapsed, churned), or keeps going until about now.
  const historyDays = Math.max(1, (now - windowStart) / DAY);
  const lapseAt =
    kind === LAPSED_BIG
      ? now - Math.min(rng.range(100, 430), Math.max(95, historyDays * 0.75)) * DAY
      : kind === CHURNED
        ? now - rng.range(45, Math.max(60, historyDays * 0.8)) * DAY
        : now - rng.range(0, kind === RECENT_SIGNUP ? 2 : 20) * DAY;

  // Signed up before the history window, or within it (recent signups: the last 30 days).
  let signup: number;
  if (kind === RECENT_SIGNUP) signup = now - rng.range(1 * HOUR, 29 * DAY);
  else {
    const latest = Math.min(now - 35 * DAY, lapseAt - 60 * DAY);
    const earliest = windowStart - YEAR;
    signup = latest - Math.pow(rng.next(), 1.3) * Math.max(0, latest - earliest);
  }
  signup = Math.floor(signup / 1000) * 1000;
  const start = Math.max(
    signup + rng.range(1 * MINUTE, Math.min(3 * DAY, (now - signup) / 3)),
    windowStart
  );

  const ctx: Context = {
    rng,
    marketing,
    signup,
    favourites,
    premium,
    purchases: 0,
    refunds: 0,
    unrefunded: []
  };
  const phases: Phase[] = [];
  switch (kind) {
    case NONE:
      break;
    case BROWSER:
      phases.push({ from: start, to: lapseAt, budget, mix: MIX_NO_PURCHASE });
      break;
    case LAPSED_BIG: {
      const after = Math.floor(budget * 0.15);
      phases.push({
        from: start,
        to: lapseAt,
        budget: budget - after,
        mix: MIX_BUYER,
        firstPurchase: true
      });
      phases.push({
        from: lapseAt + 3 * DAY,
        to: now - HOUR,
        budget: after,
        mix: MIX_AFTER_LAPSE,
        winBack: true
      });
      break;
    }
    case VIP:
      phases.push({ from: start, to: lapseAt, budget, mix: MIX_BUYER, firstPurchase: true });
      break;
    case CART_ABANDONER: {
      const tail = Math.min(budget, 2 + rng.int(2));
      const cutoff = now - 9 * DAY;
      phases.push({
        from: Math.min(start, cutoff),
        to: cutoff,
        budget: budget - tail,
        mix: MIX_FULL
      });
      phases.push({
        from: now - rng.range(1, 6.5) * DAY,
        to: now - 10 * MINUTE,
        budget: tail,
        mix: MIX_FULL,
        abandon: true
      });
      break;
    }
    default:
      phases.push({ from: start, to: Math.max(start, lapseAt), budget, mix: MIX_FULL });
  }

  const events: SimEvent[] = [];
  for (const phase of phases) runPhase(ctx, phase, events, nowSec);

  // Big spenders spend big: lift their order totals to a target above 10,000.
  let purchases = 0;
  let spent = 0;
  let lastOrder = -1;
  for (const e of events) {
    if (e.kind === PURCHASE) {
      purchases++;
      spent += e.cents;
      lastOrder = e.t;
    }
  }
  if ((kind === LAPSED_BIG || kind === VIP) && purchases > 0) {
    const target = Math.round(1_000_000 * (1.08 + 0.9 * Math.exp(0.6 * rng.normal())));
    if (spent < target) {
      const factor = target / spent;
      spent = 0;
      for (const e of events) {
        if (e.kind === PURCHASE) {
          e.cents = Math.round(e.cents * factor);
          spent += e.cents;
        }
      }
    }
  }
  for (const e of events) {
    if (e.kind === REFUND) {
      const bought = events[e.ref].cents;
      e.cents = rng.chance(0.75) ? bought : Math.max(100, Math.round(bought * rng.range(0.2, 0.8)));
    }
  }

  const row = [
    customerId(index, shape.idWidth),
    identity.first,
    identity.last,
    identity.email,
    identity.phone,
    identity.city,
    isoDate(signup),
    formatCents(spent),
    String(purchases),
    lastOrder < 0 ? '' : isoDate(lastOrder),
    marketing ? 'true' : 'false',
    identity.country
  ];
  return { row, events };
};

const eventRow = (e: SimEvent, id: string, customer: string): string[] => {
  const product = e.product >= 0 ? PRODUCTS[e.product] : undefined;
  const row = [id, customer, EVENT_NAMES[e.kind], isoSeconds(e.t), '', '', '', '', ''];
  switch (e.kind) {
    case PURCHASE:
      row[4] = formatCents(e.cents);
      row[5] = product ? CATEGORIES[product.category] : '';
      row[6] = String(e.quantity);
      row[7] = product ? product.name : '';
      break;
    case CART:
      row[4] = formatCents(e.cents);
      row[5] = product ? CATEGORIES[product.category] : '';
      row[6] = String(e.quantity);
      row[7] = product ? product.name : '';
      break;
    case VIEW:
      row[5] = product ? CATEGORIES[product.category] : '';
      row[7] = product ? product.name : '';
      break;
    case REFUND:
      row[4] = formatCents(e.cents);
      row[7] = product ? product.name : '';
      break;
    default:
      row[8] = campaignName(e.ref, e.sentAt);
  }
  return row;
};

const checkCount = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number of at least 0 (got ${value})`);
};

export const generateStore = (options: GenerateOptions): GeneratedStore => {
  const { seed, customers, events, now } = options;
  const years = options.years ?? 2;
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`seed must be a whole number (got ${seed})`);
  checkCount('customers', customers);
  checkCount('events', events);
  if (customers > 50_000_000) throw new RangeError('customers must be at most 50,000,000');
  if (events > 0 && customers === 0) throw new RangeError('events need at least one customer');
  if (!Number.isFinite(now) || now < Date.UTC(1980, 0, 1) || now > Date.UTC(9000, 0, 1))
    throw new RangeError(`now must be an epoch-millisecond instant (got ${now})`);
  if (!(years > 0 && years <= 30))
    throw new RangeError(`years must be above 0 and at most 30 (got ${years})`);

  const shape: Shape = { seed, now, years, idWidth: Math.max(6, String(customers).length) };
  const eventIdWidth = Math.max(7, String(events).length);
  let allocation: ReturnType<typeof allocateEvents> | undefined;
  const allocated = (): ReturnType<typeof allocateEvents> =>
    (allocation ??= allocateEvents(seed, customers, events));

  function* simulations(): Generator<SimCustomer> {
    const { counts, archetypes } = allocated();
    for (let i = 0; i < customers; i++) yield simulate(shape, i, archetypes[i], counts[i]);
  }

  function* customerRows(): Generator<string[]> {
    for (const sim of simulations()) yield sim.row;
  }

  function* both(): Generator<GeneratedCustomer> {
    let next = 1;
    for (const sim of simulations()) {
      const id = sim.row[0];
      const rows: string[][] = [];
      for (const e of sim.events)
        rows.push(eventRow(e, `E${String(next++).padStart(eventIdWidth, '0')}`, id));
      yield { customer: sim.row, events: rows };
    }
  }

  function* eventRows(): Generator<string[]> {
    for (const { events: rows } of both()) yield* rows;
  }

  return {
    customerCount: customers,
    eventCount: events,
    customerRows,
    eventRows,
    customers: both
  };
};
