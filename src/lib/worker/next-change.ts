// When each member of a dynamic segment next changes with passing time alone ("leaving soon"). The
// engine's Evaluator says when an answer *may* next change; stepping through those instants until the
// answer really differs gives the true instant, as explain does. Cached until the data, the rule, the
// membership or time moves on.
import type { CompiledSegment } from '$lib/engine/compile';
import { Evaluator } from '$lib/engine/evaluate';
import type { ColumnarStore } from '$lib/engine/store';

/** Candidate instants tried before giving up on finding a real change (explain uses as many). */
const MAX_STEPS = 64;

/** When customer c's answer next really changes after `now`, if the data stays as it is. */
export function nextChangeOf(ev: Evaluator, c: number, now: number): number {
  const answer = ev.one(c, now);
  let t = ev.next(c, now);
  for (let step = 0; step < MAX_STEPS && t !== Infinity; step++) {
    if (ev.one(c, t) !== answer) return t;
    t = ev.next(c, t);
  }
  return t;
}

export interface MemberTimes {
  /** Member customer indices, ascending. */
  readonly members: readonly number[];
  /** next[i]: when members[i] next changes (Infinity: not with time alone). */
  readonly next: Float64Array;
  /** Positions into members, soonest change first (then in members' order). */
  readonly soonest: Int32Array;
}

interface Cached extends MemberTimes {
  readonly key: string;
  readonly compiled: CompiledSegment;
  /** The answers hold until this instant (the earliest change, or an entry from the timer queue). */
  readonly until: number;
}

export class NextChanges {
  #cache = new Map<string, Cached>();

  /**
   * The next-change instant of every member. `key` identifies the data and membership state (it
   * changes when they do); `due` is the engine's earliest scheduled flip, after which members may
   * have entered or left.
   */
  of(
    segmentId: string,
    key: string,
    compiled: CompiledSegment,
    store: ColumnarStore,
    members: readonly number[],
    now: number,
    due: number
  ): MemberTimes {
    const hit = this.#cache.get(segmentId);
    if (hit && hit.key === key && hit.compiled === compiled && now < hit.until) return hit;
    const ev = new Evaluator(compiled, store);
    const next = new Float64Array(members.length);
    let earliest = Infinity;
    for (let i = 0; i < members.length; i++) {
      const t = nextChangeOf(ev, members[i], now);
      next[i] = t;
      if (t < earliest) earliest = t;
    }
    const soonest = Int32Array.from(members.keys()).sort((a, b) =>
      next[a] === next[b] ? a - b : next[a] < next[b] ? -1 : 1
    );
    const fresh: Cached = {
      key,
      compiled,
      members,
      next,
      soonest,
      until: Math.min(earliest, due)
    };
    this.#cache.set(segmentId, fresh);
    return fresh;
  }

  forget(segmentId: string): void {
    this.#cache.delete(segmentId);
  }
}
