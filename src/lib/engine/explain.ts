// Why a customer is (not) in a segment: the compiled rule as a tree, each node with its result, the
// facts behind it, and (where time matters) when the answer can next change.
import type { CCondition, CEvent, CNode, CompiledSegment } from './compile';
import { customerStart, eventFacts, Evaluator, windowRange, windowStart } from './evaluate';
import { printLiteral } from './operators';
import { printCondition, printPerformed } from './printer';
import type { ColumnarStore } from './store';
import { subtract, DAY_MS } from './time';

export interface ExplainNode {
  /** The rule fragment, in canonical query text (`AND`, `OR`, `NOT` for groups). */
  readonly text: string;
  readonly result: boolean;
  readonly facts: readonly string[];
  /** When passing time alone may next change this node's answer (epoch ms), if ever. */
  readonly nextChange?: number;
  readonly children: readonly ExplainNode[];
}

const iso = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

function ago(t: number, now: number): string {
  const days = Math.floor((now - t) / DAY_MS);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'} before now`;
  const hours = Math.floor((now - t) / 3_600_000);
  return hours >= 1
    ? `${hours} hour${hours === 1 ? '' : 's'} before now`
    : 'less than an hour before now';
}

function conditionFacts(store: ColumnarStore, c: CCondition, customer: number): string[] {
  const v = store.value(customer, c.key);
  if (v === null) return [`\`${c.key}\` is not set`];
  const shown =
    c.type === 'date' && typeof v === 'number'
      ? iso(v)
      : typeof v === 'string'
        ? JSON.stringify(v)
        : String(v);
  return [`\`${c.key}\` is ${shown}`];
}

function windowText(e: CEvent, now: number): string {
  const w = e.window;
  if (!w) return 'window is all time';
  switch (w.kind) {
    case 'last':
      return `window is ${w.amount} ${w.unit} (after ${iso(subtract(now, w.amount, w.unit))})`;
    case 'since':
      return `window is since ${printLiteral(w.from)}`;
    case 'before':
      return `window is before ${printLiteral(w.to)}`;
    case 'between':
      return `window is between ${printLiteral(w.from)} and ${printLiteral(w.to)}`;
  }
}

function eventFactsText(store: ColumnarStore, e: CEvent, customer: number, now: number): string[] {
  const t = store.eventTable(e.event);
  // A full count (not the early-stopping one) so the facts are complete.
  const facts = eventFacts(
    t,
    { ...e, count: { op: 'at most', n: Number.MAX_SAFE_INTEGER } },
    customer,
    now
  );
  const out: string[] = [];
  const n = facts.count;
  out.push(
    `${n} matching \`${e.text}\` event${n === 1 ? '' : 's'} in the window (${e.count.op} ${e.count.n} needed)`
  );
  if (facts.newest !== undefined)
    out.push(`last \`${e.text}\` ${day(facts.newest)}, ${ago(facts.newest, now)}`);
  else if (t && customer < t.gLen.length && t.gLen[customer] > 0) {
    const s = t.gStart[customer];
    const { hi } = windowRange(t, { ...e, window: undefined }, customer, now);
    if (hi > s)
      out.push(`last \`${e.text}\` ever ${day(t.slotTs[hi - 1])}, ${ago(t.slotTs[hi - 1], now)}`);
  } else out.push(`never performed \`${e.text}\``);
  out.push(windowText(e, now));
  if (e.aggregate) {
    const a = e.aggregate;
    out.push(
      facts.aggregate === undefined
        ? `${a.fn}(${a.property}) has no values`
        : `${a.fn}(${a.property}) = ${facts.aggregate} (needs ${a.op} ${a.value})`
    );
  }
  if (e.existed) out.push(existedFact(store, e, customer, now));
  return out;
}

/** `for whole window`: when the customer started, and whether that was by the window's start. */
function existedFact(store: ColumnarStore, e: CEvent, customer: number, now: number): string {
  const start = customerStart(store, e, customer);
  const from = windowStart(e, now);
  const key = e.existed?.attribute;
  if (start === Infinity) {
    return `start unknown (${key ? `no \`${key}\`, ` : ''}no events): did not exist for the whole window, so left out`;
  }
  const own = key !== undefined && store.value(customer, key) !== null;
  const source = own ? `\`${key}\`` : 'first event';
  return start <= from
    ? `started ${iso(start)} (${source}), by the window's start ${iso(from)}: existed for the whole window`
    : `started ${iso(start)} (${source}), after the window's start ${iso(from)}: did not exist for the whole window, so left out`;
}

function explainNode(
  ev: Evaluator,
  store: ColumnarStore,
  node: CNode,
  c: number,
  now: number
): ExplainNode {
  const result = nodeResult(ev, node, c, now);
  const next = nodeNext(ev, node, c, now);
  const timing = next === Infinity ? {} : { nextChange: next };
  switch (node.kind) {
    case 'condition':
      return {
        text: printCondition(node.source),
        result,
        facts: conditionFacts(store, node, c),
        children: [],
        ...timing
      };
    case 'event':
      return {
        text: printPerformed(node.source),
        result,
        facts: eventFactsText(store, node, c, now),
        children: [],
        ...timing
      };
    case 'segment':
      return {
        text: `in segment "${node.name}"`,
        result,
        facts: [],
        children: [explainNode(ev, store, node.root, c, now)],
        ...timing
      };
    case 'not':
      return {
        text: 'NOT',
        result,
        facts: [],
        children: [explainNode(ev, store, node.child, c, now)],
        ...timing
      };
    default:
      return {
        text: node.kind.toUpperCase(),
        result,
        facts: [],
        children: node.children.map((ch) => explainNode(ev, store, ch, c, now)),
        ...timing
      };
  }
}

// The evaluator's node-level answers, reached through a single-node compiled wrapper.
const nodeResult = (ev: Evaluator, node: CNode, c: number, now: number): boolean =>
  new Evaluator({ ...ev.compiled, root: node }, ev.store).one(c, now);
/** How far ahead a change is looked for; a later one counts as none. */
export const CHANGE_HORIZON_MS = 400 * 86_400_000;
/** Candidate instants tried for one customer. */
const CHANGE_STEPS = 500;

/**
 * When `ev`'s answer for customer `c` actually changes next after `now` (if the data stays as it is),
 * within the horizon, else Infinity. The scheduler's instants may be early (it re-checks), so this
 * steps through them until the answer differs. Explain and the members' "leaving soon" both use it.
 */
export function nextChange(ev: Evaluator, c: number, now: number): number {
  const answer = ev.one(c, now);
  const horizon = now + CHANGE_HORIZON_MS;
  let t = ev.next(c, now);
  for (let step = 0; step < CHANGE_STEPS && t <= horizon; step++) {
    if (ev.one(c, t) !== answer) return t;
    t = ev.next(c, t);
  }
  return Infinity;
}

const nodeNext = (ev: Evaluator, node: CNode, c: number, now: number): number =>
  nextChange(new Evaluator({ ...ev.compiled, root: node }, ev.store), c, now);

/** Explains customer `c`'s answer for a compiled rule at `now`. */
export function explain(
  compiled: CompiledSegment,
  store: ColumnarStore,
  c: number,
  now: number
): ExplainNode {
  return explainNode(new Evaluator(compiled, store), store, compiled.root, c, now);
}

/** The explanation as indented text lines (the CLI prints this). */
export function explainText(node: ExplainNode, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  const lines = [`${pad}${node.result ? '✓' : '✗'} ${node.text}`];
  for (const f of node.facts) lines.push(`${pad}    · ${f}`);
  if (node.nextChange !== undefined)
    lines.push(`${pad}    · may change at ${iso(node.nextChange)}`);
  for (const ch of node.children) lines.push(...explainText(ch, depth + 1));
  return lines;
}
