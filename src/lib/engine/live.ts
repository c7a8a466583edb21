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
  /** Its column in the customers' state records (see States). */
  readonly slot: number;
  readonly evaluator: Evaluator;
  readonly events: ReadonlySet<string>;
  readonly attributes: ReadonlySet<string>;
  /** Reads every event name (`for whole window` falls back to a customer's first event). */
  readonly anyEvent: boolean;
  readonly timeless: boolean;
  count: number;
  /** Customers [0, evaluated) have an answer; newer ones are evaluated on their first update. */
  evaluated: number;
}

/**
 * Every live segment's per-customer state, customer-major: customer c's record holds, for each slot,
 * the instant its timer is set for (Infinity: none) and then a membership byte per slot. A live
 * update re-evaluates one customer for many segments, and a timer pop reads the timer and the
 * membership together: one record, one memory page, where an array per segment and per field cost a
 * page (and a TLB miss, at a million customers) each.
 */
class States {
  /** Slots per record, and the record's size in 8-byte words (timers, then membership bytes). */
  width = 0;
  words = 0;
  capacity = 0;
  next = new Float64Array(0);
  member = new Uint8Array(0);

  /** Index of c's timer for `slot` in `next`. */
  at(c: number, slot: number): number {
    return c * this.words + slot;
  }

  /** Index of c's membership byte for `slot` in `member`. */
  memberAt(c: number, slot: number): number {
    return (c * this.words + this.width) * 8 + slot;
  }

  /** Room for `customers` records of at least `width` slots (growing keeps every record). */
  ensure(customers: number, width: number): void {
    if (customers <= this.capacity && width <= this.width) return;
    const capacity =
      customers <= this.capacity ? this.capacity : Math.max(customers, this.capacity * 2, 16);
    // A few spare slots, so adding segments one by one does not copy every record each time.
    const w = width <= this.width ? this.width : width + 3;
    const words = w + Math.ceil(w / 8);
    const buffer = new ArrayBuffer(capacity * words * 8);
    const next = new Float64Array(buffer);
    const member = new Uint8Array(buffer);
    // A new buffer is all zeros: membership bytes start as "not a member"; timers need Infinity.
    for (let c = 0; c < capacity; c++) {
      const to = c * words;
      let k = 0;
      if (c < this.capacity) {
        const from = c * this.words;
        for (; k < this.width; k++) {
          next[to + k] = this.next[from + k];
          member[(to + w) * 8 + k] = this.member[(from + this.width) * 8 + k];
        }
      }
      for (; k < w; k++) next[to + k] = Infinity;
    }
    this.width = w;
    this.words = words;
    this.capacity = capacity;
    this.next = next;
    this.member = member;
  }

  /** Clears a slot for a new segment: no timer, no members. */
  clear(slot: number): void {
    for (let c = 0; c < this.capacity; c++) {
      this.next[this.at(c, slot)] = Infinity;
      this.member[this.memberAt(c, slot)] = 0;
    }
  }
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
  private readonly states = new States();
  /**
   * Entries superseded by a later schedule (the timer moved) are skipped as they are popped:
   * checking them when their hour opens read every entry's timer twice, and the pop's read is made
   * early.
   */
  private readonly queue = new TimerQueue();
  /**
   * Keeps what read-ahead read (see touchRows), so the reads are not optimized away. A double from
   * the start: a field turning from small integer to double changes the object's hidden class,
   * which sent the optimized functions holding this engine back to the interpreter.
   */
  private sink = 0.5;
  /** Per event name of a one-event update, which slots read it (cleared when segments change). */
  private readonly readers = new Map<string, Uint8Array>();

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
    let slot = previous ? previous.slot : this.slots.indexOf(undefined);
    if (slot < 0) slot = this.slots.length;
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
      count: 0,
      evaluated: n
    };
    const st = this.states;
    st.ensure(n, slot + 1);
    const changes: MembershipChange[] = [];
    if (previous) {
      for (let c = 0; c < n; c++) {
        const m = member[c];
        if (st.member[st.memberAt(c, slot)] !== m) changes.push(this.change(seg, c, m === 1, now));
      }
      st.clear(slot);
    }
    // The slot is clean now (ensure makes slots, and remove leaves them, without timers or
    // members): only members need writing, which spares the set-up a pass over every record.
    let count = 0;
    for (let c = 0; c < n; c++) {
      if (member[c] !== 1) continue;
      count++;
      st.member[st.memberAt(c, slot)] = 1;
    }
    seg.count = count;
    this.live.set(id, seg);
    this.slots[slot] = seg;
    this.readers.clear();
    if (!timeless) {
      for (let c = 0; c < n; c++) {
        evaluator.oneWithNext(c, now);
        this.scheduleAt(slot, c, evaluator.lastNext);
      }
    }
    return { members: count, changes };
  }

  remove(id: string): void {
    const seg = this.live.get(id);
    if (!seg) return;
    this.live.delete(id);
    this.slots[seg.slot] = undefined;
    this.readers.clear();
    // A later segment may take the slot: it must start without this one's timers and members.
    this.states.clear(seg.slot);
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  count(id: string): number {
    return this.live.get(id)?.count ?? 0;
  }

  isMember(id: string, customer: number): boolean {
    const seg = this.live.get(id);
    const st = this.states;
    return (
      seg !== undefined &&
      customer >= 0 &&
      customer < st.capacity &&
      st.member[st.memberAt(customer, seg.slot)] === 1
    );
  }

  /** Member customer indices, ascending. */
  members(id: string): number[] {
    const seg = this.live.get(id);
    const out: number[] = [];
    if (!seg) return out;
    const st = this.states;
    const n = Math.min(st.capacity, this.store.customerCount);
    // Stops at the last member: the count is known.
    for (let c = 0; c < n && out.length < seg.count; c++)
      if (st.member[st.memberAt(c, seg.slot)] === 1) out.push(c);
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
    const n = this.store.customerCount;
    const st = this.states;
    st.ensure(n, this.slots.length);
    const relevant = this.relevant(scope);
    const slots = this.slots;
    // Segments that do not read what changed only need to see customers created just now.
    let fresh = false;
    for (let k = 0; k < slots.length; k++) {
      const seg = slots[k];
      if (seg !== undefined && seg.evaluated < n) fresh = true;
    }
    for (let j = 0; j < touched.length; j++) {
      const c = touched[j];
      // Read ahead what the segments will read for c (attribute columns, event groups): their
      // cache misses then overlap instead of coming one segment at a time.
      let sink = 0;
      for (let k = 0; k < slots.length; k++) {
        const seg = slots[k];
        if (seg !== undefined && relevant[k] === 1) sink += seg.evaluator.touchRows(c);
      }
      this.sink = sink;
      for (let k = 0; k < slots.length; k++) {
        const seg = slots[k];
        if (seg === undefined || (relevant[k] === 0 && (!fresh || c < seg.evaluated))) continue;
        const v = seg.timeless ? seg.evaluator.one(c, now) : seg.evaluator.oneWithNext(c, now);
        const i = st.memberAt(c, k);
        if ((st.member[i] === 1) !== v) {
          st.member[i] = v ? 1 : 0;
          seg.count += v ? 1 : -1;
          changes.push(this.change(seg, c, v, now));
        }
        if (!seg.timeless) this.scheduleAt(k, c, seg.evaluator.lastNext);
      }
    }
    if (fresh) for (const seg of slots) if (seg !== undefined) seg.evaluated = n;
    return changes;
  }

  /** Per slot, 1 when the segment reads what `scope` says changed (everything without a scope). */
  private relevant(scope: ChangeScope | undefined): Uint8Array {
    const one = scope?.events?.length === 1 && !scope.attributes?.length ? scope.events[0] : null;
    if (one !== null) {
      const hit = this.readers.get(one);
      if (hit !== undefined && hit.length === this.slots.length) return hit;
    }
    const events = scope?.events?.map(eventKey);
    const out = new Uint8Array(this.slots.length);
    this.slots.forEach((seg, k) => {
      out[k] = seg !== undefined && (!scope || reads(seg, events, scope.attributes)) ? 1 : 0;
    });
    if (one !== null) this.readers.set(one, out);
    return out;
  }

  /** Applies, in time order, every flip that passing time causes up to and including `now`. */
  advanceTo(now: number): MembershipChange[] {
    const changes: MembershipChange[] = [];
    const queue = this.queue;
    const st = this.states;
    let sink = 0;
    while (queue.peekTime() <= now) {
      queue.pop();
      const t = queue.time;
      const slot = queue.seg;
      const c = queue.cust;
      // At a million customers each pop's reads (its state record, event groups, id) are cache
      // misses. Reading them a few pops early lets those of several pops overlap: the rows of the
      // entry READ_AHEAD pops away, and the event times (found through those rows) of one half as far.
      if (queue.ahead(READ_AHEAD)) sink += this.touchRows(queue.aheadSeg, queue.aheadCust);
      if (queue.ahead(READ_AHEAD >> 1)) sink += this.touchEvents(queue.aheadSeg, queue.aheadCust);
      const seg = this.slots[slot];
      const at = st.at(c, slot);
      if (!seg || st.next[at] !== t) continue;
      st.next[at] = Infinity;
      const v = seg.evaluator.oneWithNext(c, t);
      const i = st.memberAt(c, slot);
      if ((st.member[i] === 1) !== v) {
        st.member[i] = v ? 1 : 0;
        seg.count += v ? 1 : -1;
        changes.push(this.change(seg, c, v, t));
      }
      this.scheduleAt(slot, c, seg.evaluator.lastNext);
    }
    this.sink = sink;
    return changes;
  }

  /** Reads what evaluating customer c for the segment in `slot` reads first (see advanceTo). */
  private touchRows(slot: number, c: number): number {
    const seg = this.slots[slot];
    const st = this.states;
    if (seg === undefined || c >= st.capacity) return 0;
    // Compared, not kept: storing the id would make the write barrier read its page at once.
    const id = this.store.idOf(c) === undefined ? 1 : 0;
    return id + st.next[st.at(c, slot)] + seg.evaluator.touchRows(c);
  }

  private touchEvents(slot: number, c: number): number {
    const seg = this.slots[slot];
    return seg === undefined ? 0 : seg.evaluator.touchEvents(c);
  }

  private scheduleAt(slot: number, c: number, t: number): void {
    const st = this.states;
    const at = st.at(c, slot);
    if (st.next[at] === t) return;
    st.next[at] = t;
    if (t !== Infinity) this.queue.push(t, slot, c);
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
