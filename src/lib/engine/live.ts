// Live segments: membership per customer kept true as data arrives (re-evaluating only touched
// customers, only for segments that read what changed) and as time passes (a timer queue of the exact
// instants answers can flip), each change an enter/leave record stamped with its instant.
import { eventKey } from './store';
import type { CNode, CompiledSegment } from './compile';
import { Evaluator } from './evaluate';
import { explain, type ExplainNode } from './explain';
import { TimerQueue } from './schedule';
import type { ColumnarStore } from './store';

export interface MembershipChange {
  /** The id the segment was registered under. */
  readonly segment: string;
  /** Customer index in the store, and the customer's external id. */
  readonly customer: number;
  readonly id: string;
  readonly kind: 'enter' | 'leave';
  /** Epoch ms when the change happened (`now` of the update, or the exact flip instant). */
  readonly at: number;
}

/** What a change to the store touched, so segments that do not read it are skipped. */
export interface ChangeScope {
  readonly events?: readonly string[];
  readonly attributes?: readonly string[];
}

interface LiveSegment {
  readonly id: string;
  readonly slot: number;
  readonly evaluator: Evaluator;
  readonly events: ReadonlySet<string>;
  readonly attributes: ReadonlySet<string>;
  /** Reads every event name (`for whole window` falls back to a customer's first event). */
  readonly anyEvent: boolean;
  readonly timeless: boolean;
  member: Uint8Array;
  nextAt: Float64Array;
  count: number;
  /** Customers [0, evaluated) have an answer; newer ones are evaluated on their first update. */
  evaluated: number;
}

/** How many timer pops ahead advanceTo starts reading a customer's data. */
const READ_AHEAD = 8;

/** Stands in `events` for "any event name" (a customer's first event can come from any of them). */
const ANY_EVENT = '\u0000any';

function dependencies(node: CNode, events: Set<string>, attributes: Set<string>): boolean {
  switch (node.kind) {
    case 'condition':
      attributes.add(node.key);
      return (
        node.type !== 'date' ||
        (node.op !== 'within last' && !node.values.some((v) => v.kind === 'relative'))
      );
    case 'event':
      events.add(node.event);
      if (node.existed) {
        if (node.existed.attribute !== undefined) attributes.add(node.existed.attribute);
        events.add(ANY_EVENT);
      }
      return false;
    case 'segment':
      return dependencies(node.root, events, attributes);
    case 'not':
      return dependencies(node.child, events, attributes);
    default: {
      let timeless = true;
      for (const c of node.children) timeless = dependencies(c, events, attributes) && timeless;
      return timeless;
    }
  }
}

export class SegmentEngine {
  private readonly live = new Map<string, LiveSegment>();
  private readonly slots: (LiveSegment | undefined)[] = [];
  /**
   * Entries superseded by a later schedule (nextAt moved) are skipped as they are popped: checking
   * them when their hour opens read every entry's nextAt twice, and the pop's read is made early.
   */
  private readonly queue = new TimerQueue();
  /** Keeps what read-ahead read (see touchRows), so the reads are not optimized away. */
  private sink = 0;

  constructor(readonly store: ColumnarStore) {}

  /**
   * Adds or replaces a live segment and evaluates everyone at `now`. When it replaces one, the
   * returned changes are the difference between the old and the new membership.
   */
  set(
    id: string,
    compiled: CompiledSegment,
    now: number
  ): { members: number; changes: MembershipChange[] } {
    const previous = this.live.get(id);
    const evaluator = new Evaluator(compiled, this.store);
    const events = new Set<string>();
    const attributes = new Set<string>();
    const timeless = dependencies(compiled.root, events, attributes);
    const slot = previous ? previous.slot : this.slots.length;
    const member = evaluator.all(now);
    const n = this.store.customerCount;
    const seg: LiveSegment = {
      id,
      slot,
      evaluator,
      events,
      attributes,
      anyEvent: events.has(ANY_EVENT),
      timeless,
      member: grown(member, n),
      nextAt: new Float64Array(Math.max(n, 16)).fill(Infinity),
      count: 0,
      evaluated: n
    };
    let count = 0;
    for (let c = 0; c < n; c++) count += member[c];
    seg.count = count;
    const changes: MembershipChange[] = [];
    if (previous) {
      for (let c = 0; c < n; c++) {
        const was = c < previous.member.length ? previous.member[c] : 0;
        if (was !== member[c]) changes.push(this.change(seg, c, member[c] === 1, now));
      }
    }
    this.live.set(id, seg);
    this.slots[slot] = seg;
    if (!timeless) {
      for (let c = 0; c < n; c++) {
        evaluator.oneWithNext(c, now);
        this.scheduleAt(seg, c, evaluator.lastNext);
      }
    }
    return { members: count, changes };
  }

  remove(id: string): void {
    const seg = this.live.get(id);
    if (!seg) return;
    this.live.delete(id);
    this.slots[seg.slot] = undefined;
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  count(id: string): number {
    return this.live.get(id)?.count ?? 0;
  }

  isMember(id: string, customer: number): boolean {
    const seg = this.live.get(id);
    return seg !== undefined && customer < seg.member.length && seg.member[customer] === 1;
  }

  /** Member customer indices, ascending. */
  members(id: string): number[] {
    const seg = this.live.get(id);
    const out: number[] = [];
    if (!seg) return out;
    const n = Math.min(seg.member.length, this.store.customerCount);
    for (let c = 0; c < n; c++) if (seg.member[c]) out.push(c);
    return out;
  }

  /** Why customer c is (not) in live segment `id` at `now`; undefined for an unknown segment. */
  explain(id: string, customer: number, now: number): ExplainNode | undefined {
    const seg = this.live.get(id);
    return seg && explain(seg.evaluator.compiled, this.store, customer, now);
  }

  /** The earliest instant at which passing time may change some membership (Infinity if none). */
  nextDue(): number {
    return this.queue.peekTime();
  }

  /**
   * After the store changed for `touched` customers: first applies the time flips due up to `now`,
   * then re-evaluates the touched customers for every live segment that reads what changed.
   */
  update(touched: readonly number[], now: number, scope?: ChangeScope): MembershipChange[] {
    const changes = this.advanceTo(now);
    const events = scope?.events?.map(eventKey);
    for (const seg of this.slots) {
      if (!seg) continue;
      this.ensureSize(seg);
      // Segments that do not read what changed only need to see customers created just now.
      const relevant = !scope || reads(seg, events, scope.attributes);
      const known = seg.evaluated;
      seg.evaluated = this.store.customerCount;
      for (const c of touched) {
        if (!relevant && c < known) continue;
        const v = seg.timeless ? seg.evaluator.one(c, now) : seg.evaluator.oneWithNext(c, now);
        if ((seg.member[c] === 1) !== v) {
          seg.member[c] = v ? 1 : 0;
          seg.count += v ? 1 : -1;
          changes.push(this.change(seg, c, v, now));
        }
        if (!seg.timeless) this.scheduleAt(seg, c, seg.evaluator.lastNext);
      }
    }
    return changes;
  }

  /** Applies, in time order, every flip that passing time causes up to and including `now`. */
  advanceTo(now: number): MembershipChange[] {
    const changes: MembershipChange[] = [];
    const queue = this.queue;
    let sink = 0;
    while (queue.peekTime() <= now) {
      queue.pop();
      const t = queue.time;
      const slot = queue.seg;
      const c = queue.cust;
      // At a million customers each pop's reads (its timer, membership, event groups, id) are cache
      // misses. Reading them a few pops early lets those of several pops overlap: the rows of the
      // entry READ_AHEAD pops away, and the event times (found through those rows) of one half as far.
      if (queue.ahead(READ_AHEAD)) sink += this.touchRows(queue.aheadSeg, queue.aheadCust);
      if (queue.ahead(READ_AHEAD >> 1)) sink += this.touchEvents(queue.aheadSeg, queue.aheadCust);
      const seg = this.slots[slot];
      if (!seg || seg.nextAt[c] !== t) continue;
      seg.nextAt[c] = Infinity;
      const v = seg.evaluator.oneWithNext(c, t);
      if ((seg.member[c] === 1) !== v) {
        seg.member[c] = v ? 1 : 0;
        seg.count += v ? 1 : -1;
        changes.push(this.change(seg, c, v, t));
      }
      this.scheduleAt(seg, c, seg.evaluator.lastNext);
    }
    this.sink = sink;
    return changes;
  }

  /** Reads what evaluating customer c for the segment in `slot` reads first (see advanceTo). */
  private touchRows(slot: number, c: number): number {
    const seg = this.slots[slot];
    if (seg === undefined || c >= seg.nextAt.length) return 0;
    // Compared, not kept: storing the id would make the write barrier read its page at once.
    const id = this.store.idOf(c) === undefined ? 1 : 0;
    return id + seg.nextAt[c] + seg.member[c] + seg.evaluator.touchRows(c);
  }

  private touchEvents(slot: number, c: number): number {
    const seg = this.slots[slot];
    return seg === undefined ? 0 : seg.evaluator.touchEvents(c);
  }

  private scheduleAt(seg: LiveSegment, c: number, t: number): void {
    if (seg.nextAt[c] === t) return;
    seg.nextAt[c] = t;
    if (t !== Infinity) this.queue.push(t, seg.slot, c);
  }

  private ensureSize(seg: LiveSegment): void {
    const n = this.store.customerCount;
    if (seg.member.length < n || seg.nextAt.length < n) {
      const size = Math.max(n, seg.member.length * 2, seg.nextAt.length);
      seg.member = grown(seg.member, size);
      const next = new Float64Array(size).fill(Infinity);
      next.set(seg.nextAt);
      seg.nextAt = next;
    }
  }

  private change(seg: LiveSegment, c: number, enter: boolean, at: number): MembershipChange {
    return {
      segment: seg.id,
      customer: c,
      id: this.store.idOf(c),
      kind: enter ? 'enter' : 'leave',
      at
    };
  }
}

function reads(
  seg: LiveSegment,
  events: readonly string[] | undefined,
  attributes: readonly string[] | undefined
): boolean {
  // Plain loops: this runs for every live segment on every update.
  if (events) {
    if (seg.anyEvent && events.length > 0) return true;
    for (let i = 0; i < events.length; i++) if (seg.events.has(events[i])) return true;
  }
  if (attributes) {
    for (let i = 0; i < attributes.length; i++) if (seg.attributes.has(attributes[i])) return true;
  }
  return false;
}

function grown(a: Uint8Array, n: number): Uint8Array {
  if (a.length >= n && a.length > 0) return a;
  const b = new Uint8Array(Math.max(n, 16));
  b.set(a);
  return b;
}
