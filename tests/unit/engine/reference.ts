// A deliberately slow and simple evaluator written straight from the spec (issue 3), over plain
// objects, for property tests to compare the engine with. No indexes, no cleverness.
import type {
  ConditionNode,
  Literal,
  PerformedNode,
  RuleNode,
  WhereNode
} from '../../../src/lib/engine/model';
import type { Value, ValueType } from '../../../src/lib/engine/schema';

export interface RefCustomer {
  readonly id: string;
  readonly attrs: Readonly<Record<string, Value | null>>;
}
export interface RefEvent {
  readonly id: string;
  readonly name: string;
  readonly at: number;
  readonly props: Readonly<Record<string, Value | null>>;
}
export interface RefData {
  readonly types: Readonly<Record<string, ValueType>>;
  readonly propTypes: Readonly<Record<string, ValueType>>;
  readonly customers: readonly RefCustomer[];
  readonly events: readonly RefEvent[];
  readonly segments?: Readonly<Record<string, RuleNode>>;
  /**
   * `for whole window`: the date attribute saying when a customer started; without it (or when a
   * customer has no value) their first event of any name; with neither, they never existed.
   */
  readonly startAttribute?: string;
}

const HOUR = 3600000;

export function back(now: number, amount: number, unit: string): number {
  if (unit === 'hours') return now - amount * HOUR;
  if (unit === 'days') return now - amount * 24 * HOUR;
  if (unit === 'weeks') return now - amount * 7 * 24 * HOUR;
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() - amount;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds()
  );
}

function instant(lit: Literal, now: number, upper: boolean): number {
  if (lit.kind === 'relative') return back(now, lit.amount, lit.unit);
  const text = lit.kind === 'date' ? lit.text : String((lit as { value: unknown }).value);
  const t = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return upper && text.length === 10 ? t + 24 * HOUR - 1 : t;
}

const norm = (s: string): string => s.trim().toLowerCase();

function literalValue(lit: Literal, type: ValueType, now: number, upper = false): Value {
  if (type === 'date') return instant(lit, now, upper);
  if (lit.kind === 'string') return norm(lit.value);
  if (lit.kind === 'number' || lit.kind === 'boolean') return lit.value;
  return NaN;
}

function condition(
  c: ConditionNode,
  value: Value | null | undefined,
  type: ValueType,
  now: number
): boolean {
  const present = value !== null && value !== undefined;
  if (c.op === 'is set') return present;
  if (c.op === 'is not set') return !present;
  if (!present) return false;
  const v = typeof value === 'string' ? norm(value) : value;
  const lits = c.values.map((l, i) => literalValue(l, type, now, c.op === 'between' && i === 1));
  const a = lits[0];
  switch (c.op) {
    case '=':
      return v === a;
    case '!=':
      return v !== a;
    case '>':
    case 'after':
      return v > a;
    case '>=':
      return v >= a;
    case '<':
    case 'before':
      return v < a;
    case '<=':
      return v <= a;
    case 'in':
      return lits.includes(v);
    case 'not in':
      return !lits.includes(v);
    case 'contains':
      return (v as string).includes(a as string);
    case 'starts with':
      return (v as string).startsWith(a as string);
    case 'ends with':
      return (v as string).endsWith(a as string);
    case 'between':
      return v >= a && v <= lits[1];
    case 'within last': {
      const amount = c.values[0].kind === 'number' ? c.values[0].value : NaN;
      return (v as number) > back(now, amount, c.unit ?? 'days') && (v as number) <= now;
    }
  }
}

function where(w: WhereNode, e: RefEvent, data: RefData, now: number): boolean {
  switch (w.type) {
    case 'condition':
      return condition(w, e.props[w.field], data.propTypes[w.field], now);
    case 'not':
      return !where(w.child, e, data, now);
    case 'and':
      return w.children.every((c) => where(c, e, data, now));
    case 'or':
      return w.children.some((c) => where(c, e, data, now));
  }
}

function inWindow(p: PerformedNode, t: number, now: number): boolean {
  if (t > now) return false;
  const w = p.window;
  if (!w) return true;
  switch (w.kind) {
    case 'last':
      return t > back(now, w.amount, w.unit);
    case 'since':
      return t >= instant(w.from, now, false);
    case 'before':
      return t < instant(w.to, now, false);
    case 'between':
      return t >= instant(w.from, now, false) && t <= instant(w.to, now, true);
  }
}

/** When the customer started to exist, for `for whole window`. */
function start(c: RefCustomer, data: RefData): number {
  const own = data.startAttribute === undefined ? null : c.attrs[data.startAttribute];
  if (typeof own === 'number') return own;
  const times = data.events.filter((e) => e.id === c.id).map((e) => e.at);
  return times.length > 0 ? Math.min(...times) : Infinity;
}

/** The instant the window begins (customers must have existed by then). */
function windowBegins(w: NonNullable<PerformedNode['window']>, now: number): number {
  switch (w.kind) {
    case 'last':
      return back(now, w.amount, w.unit);
    case 'since':
    case 'between':
      return instant(w.from, now, false);
    case 'before':
      return -Infinity;
  }
}

function performed(p: PerformedNode, c: RefCustomer, data: RefData, now: number): boolean {
  // `not performed … for whole window` leaves out customers who started after the window began:
  // the performed part holds for them, so that the `not` around it fails.
  if (p.existedForWindow && p.window && !(start(c, data) <= windowBegins(p.window, now)))
    return true;
  const matching = data.events.filter(
    (e) =>
      e.id === c.id &&
      norm(e.name) === norm(p.event) &&
      inWindow(p, e.at, now) &&
      (!p.where || where(p.where, e, data, now))
  );
  const count = matching.length;
  const want = p.count ?? { op: 'at least', n: 1 };
  const countOk =
    want.op === 'at least'
      ? count >= want.n
      : want.op === 'at most'
        ? count <= want.n
        : count === want.n;
  if (!countOk) return false;
  if (!p.aggregate) return true;
  const values = matching
    .map((e) => e.props[p.aggregate!.property])
    .filter((v): v is number => typeof v === 'number');
  let x: number;
  if (p.aggregate.fn === 'sum') x = values.reduce((s, v) => s + v, 0);
  else if (values.length === 0) return false;
  else if (p.aggregate.fn === 'avg') x = values.reduce((s, v) => s + v, 0) / values.length;
  else if (p.aggregate.fn === 'min') x = Math.min(...values);
  else x = Math.max(...values);
  const v = p.aggregate.value;
  switch (p.aggregate.op) {
    case '=':
      return x === v;
    case '!=':
      return x !== v;
    case '>':
      return x > v;
    case '>=':
      return x >= v;
    case '<':
      return x < v;
    case '<=':
      return x <= v;
  }
}

export function refMatches(node: RuleNode, c: RefCustomer, data: RefData, now: number): boolean {
  switch (node.type) {
    case 'and':
      return node.children.every((ch) => refMatches(ch, c, data, now));
    case 'or':
      return node.children.some((ch) => refMatches(ch, c, data, now));
    case 'not':
      return !refMatches(node.child, c, data, now);
    case 'condition':
      return condition(node, c.attrs[node.field], data.types[node.field], now);
    case 'performed':
      return performed(node, c, data, now);
    case 'in-segment': {
      const seg = data.segments?.[node.segment];
      return seg ? refMatches(seg, c, data, now) : false;
    }
  }
}

/** Ids of the matching customers, in the order given. */
export function refEvaluate(node: RuleNode, data: RefData, now: number): string[] {
  return data.customers.filter((c) => refMatches(node, c, data, now)).map((c) => c.id);
}
