// When each member of a dynamic segment next changes with passing time alone ("leaving soon"). The
// engine's Evaluator says when an answer *may* next change; stepping through those candidates until
// the answer really differs gives the true instant (the engine's `nextChange`, which explain uses
// too). Sorting all members by it runs the candidates of everyone through one min-heap, so only as
// many are resolved as the page shown needs. Explain's next change is put in words here too ("leaves
// on …, when their last Purchased turns 3 months old").
import type { CNode, CompiledSegment } from '$lib/engine/compile';
import { CHANGE_HORIZON_MS, nextChange, type ExplainNode } from '$lib/engine/explain';
import { Evaluator } from '$lib/engine/evaluate';
import { TimerQueue } from '$lib/engine/schedule';
import type { ColumnarStore } from '$lib/engine/store';
import type { Unit } from '$lib/engine/time';

/** Candidate instants tried per request when sorting (keeps a page of a huge segment quick). */
const SORT_BUDGET = 100_000;

/** Members ordered by their next change, resolved lazily, soonest first. */
class Soonest {
  readonly queue = new TimerQueue();
  /** Positions into members, in order of their change, and the instants. */
  readonly order: number[] = [];
  readonly at: number[] = [];
  readonly resolved: Uint8Array;
  readonly horizon: number;
  readonly ev: Evaluator;

  constructor(
    readonly key: string,
    readonly compiled: CompiledSegment,
    store: ColumnarStore,
    readonly members: readonly number[],
    readonly now: number,
    /** The answers hold until this instant (the engine's next scheduled flip). */
    readonly due: number
  ) {
    this.ev = new Evaluator(compiled, store);
    this.resolved = new Uint8Array(members.length);
    this.horizon = now + CHANGE_HORIZON_MS;
    for (let p = 0; p < members.length; p++) {
      const t = this.ev.next(members[p], now);
      if (t <= this.horizon) this.queue.push(t, 0, p);
    }
  }

  get until(): number {
    return Math.min(this.due, this.order.length > 0 ? this.at[0] : Infinity);
  }

  /** Resolves members in order until `count` are known (or the budget or the candidates run out). */
  resolve(count: number): void {
    const out: [number, number, number] = [0, 0, 0];
    let budget = SORT_BUDGET;
    while (this.order.length < count && this.queue.size > 0 && budget-- > 0) {
      if (this.queue.peekTime() > this.horizon) break;
      this.queue.pop(out);
      const [t, , p] = out;
      const c = this.members[p];
      // Members answer true now: the first candidate where they do not is their change.
      if (!this.ev.one(c, t)) {
        this.order.push(p);
        this.at.push(t);
        this.resolved[p] = 1;
      } else {
        const next = this.ev.next(c, t);
        if (next <= this.horizon) this.queue.push(next, 0, p);
      }
    }
  }
}

export interface MemberSlice {
  /** Positions into the members list, in the order asked for. */
  readonly positions: readonly number[];
  /** Their next-change instants (Infinity: none within the horizon). */
  readonly next: readonly number[];
}

export class NextChanges {
  #sorted = new Map<string, Soonest>();

  /** Members [start, end) in their own order, each with its next change. */
  slice(
    compiled: CompiledSegment,
    store: ColumnarStore,
    members: readonly number[],
    start: number,
    end: number,
    now: number
  ): MemberSlice {
    const ev = new Evaluator(compiled, store);
    const positions: number[] = [];
    const next: number[] = [];
    for (let p = start; p < Math.min(end, members.length); p++) {
      positions.push(p);
      next.push(nextChange(ev, members[p], now));
    }
    return { positions, next };
  }

  /**
   * Members [start, end) soonest to change first, then those with no change ahead in their own
   * order. `key` names the data's state; `due` is the engine's earliest scheduled flip, after which
   * members may have come or gone. Later pages continue the same resolution.
   */
  soonest(
    segmentId: string,
    key: string,
    compiled: CompiledSegment,
    store: ColumnarStore,
    members: readonly number[],
    start: number,
    end: number,
    now: number,
    due: number
  ): MemberSlice & { readonly members: readonly number[] } {
    let state = this.#sorted.get(segmentId);
    if (!state || state.key !== key || state.compiled !== compiled || now >= state.until) {
      state = new Soonest(key, compiled, store, members, now, due);
      this.#sorted.set(segmentId, state);
    }
    const list = state.members;
    end = Math.min(end, list.length);
    state.resolve(end);
    const positions: number[] = [];
    const next: number[] = [];
    for (let i = start; i < Math.min(end, state.order.length); i++) {
      positions.push(state.order[i]);
      next.push(state.at[i]);
    }
    if (positions.length < end - start) {
      // The rest: members without a change ahead (or not resolved within the budget), in order.
      let skip = Math.max(0, start - state.order.length);
      for (let p = 0; p < list.length && positions.length < end - start; p++) {
        if (state.resolved[p]) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        positions.push(p);
        next.push(nextChange(state.ev, list[p], state.now));
      }
    }
    return { positions, next, members: list };
  }

  forget(segmentId: string): void {
    this.#sorted.delete(segmentId);
  }
}

/** When a customer's answer for a segment next changes with passing time, and which part causes it. */
export interface NextChangeNote {
  readonly at: number;
  /** 'leave' for a member, 'enter' for someone not in it. */
  readonly kind: 'enter' | 'leave';
  /** Finishes "Leaves on <at>, …": e.g. "when their last Purchased turns 3 months old". */
  readonly because: string;
}

const unitWord = (amount: number, unit: Unit): string =>
  `${amount} ${amount === 1 ? unit.slice(0, -1) : unit}`;

/** The parts of a compiled node, in the order explain lists its children. */
function partsOf(node: CNode): readonly CNode[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children;
    case 'not':
      return [node.child];
    case 'segment':
      return [node.root];
    default:
      return [];
  }
}

/** Why a leaf's answer flips at its next change, in words. */
function reason(node: CNode, explained: ExplainNode): string {
  const flips = `when “${explained.text}” becomes ${explained.result ? 'false' : 'true'}`;
  if (node.kind === 'event') {
    const w = node.window;
    // `for whole window`: the window's start passing their start also flips it; say it plainly.
    if (node.existed) return flips;
    if (w?.kind !== 'last') return flips;
    const span = unitWord(w.amount, w.unit);
    if (explained.result && node.count.op === 'at least' && node.count.n === 1 && !node.aggregate)
      return `when their last ${node.text} turns ${span} old`;
    return `when a ${node.text} falls out of the last ${span}`;
  }
  const amount = node.kind === 'condition' ? node.values[0] : undefined;
  if (node.kind === 'condition' && node.op === 'within last' && amount?.kind === 'number') {
    return explained.result
      ? `when their ${node.key} turns ${unitWord(amount.value, node.unit ?? 'days')} old`
      : flips;
  }
  return flips;
}

/**
 * The next change of an explained answer (the explanation's root), with the part of the rule whose
 * own answer flips then; null when passing time alone never changes it.
 */
export function describeNextChange(root: CNode, tree: ExplainNode): NextChangeNote | null {
  const at = tree.nextChange;
  if (at === undefined) return null;
  let node = root;
  let explained = tree;
  for (;;) {
    const i = explained.children.findIndex((child) => child.nextChange === at);
    const part = partsOf(node)[i];
    if (i < 0 || !part) break;
    node = part;
    explained = explained.children[i];
  }
  return { at, kind: tree.result ? 'leave' : 'enter', because: reason(node, explained) };
}
