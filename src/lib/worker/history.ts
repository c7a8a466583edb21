// Membership history in the worker's memory: every recorded enter/leave, per segment in time order,
// loaded once from storage and then followed by record id (this tab's writes and other tabs' alike).
// It answers the list's 30-day trends, the segment page's daily chart and its filtered, paged log,
// so that the UI never loads all the changes.
import type { MembershipChangeRecord } from '$lib/storage/db';

export const DAY_MS = 86_400_000;

/** What the history reads from storage (SegmentsRepo). */
export interface HistorySource {
  /** The lowest and highest record ids stored, undefined when there are none. */
  changeIdRange(): Promise<{ first: number; last: number } | undefined>;
  /** Records with an id above `afterId`, in id order. */
  changesAfter(afterId: number): Promise<MembershipChangeRecord[]>;
}

/** A segment's size at `days` instants one day apart, the last one being now. */
export interface SizeTrend {
  /** The instants, ascending (epoch ms). */
  readonly at: readonly number[];
  /** The size at each instant; null before the segment existed. */
  readonly sizes: readonly (number | null)[];
}

/** One UTC day of a segment's history. */
export interface DayPoint {
  /** Midnight UTC that starts the day (epoch ms). */
  readonly day: number;
  readonly entered: number;
  readonly left: number;
  /** Members at the end of the day (at now, for today); null before the segment existed. */
  readonly size: number | null;
}

export interface SizeHistory {
  readonly days: readonly DayPoint[];
  /** Customers who entered and left over the whole range. */
  readonly entered: number;
  readonly left: number;
}

export interface LogQuery {
  readonly kind?: 'enter' | 'leave';
  /** Part of a customer id, case-insensitive. */
  readonly customer?: string;
  /** Instants, inclusive (epoch ms). */
  readonly from?: number;
  readonly to?: number;
  readonly offset: number;
  readonly limit: number;
}

export interface LogPage {
  /** Changes matching the filter. */
  readonly total: number;
  readonly offset: number;
  /** Newest first. */
  readonly rows: readonly MembershipChangeRecord[];
}

/** One segment's changes, ascending by instant then record id, as parallel arrays. */
class SegmentLog {
  readonly at: number[] = [];
  readonly rid: number[] = [];
  readonly enter: boolean[] = [];
  readonly customer: string[] = [];

  get length(): number {
    return this.at.length;
  }

  add(r: MembershipChangeRecord): void {
    const id = r.id ?? 0;
    let i = this.at.length;
    // Changes arrive almost always in order: look back from the end for the place.
    while (i > 0 && (this.at[i - 1] > r.at || (this.at[i - 1] === r.at && this.rid[i - 1] > id)))
      i--;
    if (i === this.at.length) {
      this.at.push(r.at);
      this.rid.push(id);
      this.enter.push(r.kind === 'enter');
      this.customer.push(r.customerId);
    } else {
      this.at.splice(i, 0, r.at);
      this.rid.splice(i, 0, id);
      this.enter.splice(i, 0, r.kind === 'enter');
      this.customer.splice(i, 0, r.customerId);
    }
  }

  /** The first index whose instant is above t (or, `inclusive`, at or above t). */
  after(t: number, inclusive = false): number {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at[mid] < t || (!inclusive && this.at[mid] === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  record(i: number, segmentId: string): MembershipChangeRecord {
    return {
      id: this.rid[i],
      segmentId,
      customerId: this.customer[i],
      kind: this.enter[i] ? 'enter' : 'leave',
      at: this.at[i]
    };
  }
}

const EMPTY = new SegmentLog();

/** Midnight UTC at or before t. */
export const dayStart = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;

export class MembershipHistory {
  #logs = new Map<string, SegmentLog>();
  #first = -1;
  #last = 0;
  #syncing: Promise<void> | null = null;

  constructor(private readonly source: HistorySource) {}

  /** Catches up with storage (one small read when nothing is new). Concurrent calls share one read. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = null));
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    const range = await this.source.changeIdRange();
    if (!range) {
      this.#reset();
      return;
    }
    // The history was erased (and perhaps written again) since it was loaded: start over.
    if (range.first !== this.#first && this.#first !== -1) this.#reset();
    if (range.last < this.#last) this.#reset();
    this.#first = range.first;
    if (range.last === this.#last) return;
    for (const r of await this.source.changesAfter(this.#last)) {
      this.#log(r.segmentId, true).add(r);
      if ((r.id ?? 0) > this.#last) this.#last = r.id ?? 0;
    }
  }

  #reset(): void {
    this.#logs = new Map();
    this.#first = -1;
    this.#last = 0;
  }

  #log(segmentId: string, create = false): SegmentLog {
    let log = this.#logs.get(segmentId);
    if (!log && create) this.#logs.set(segmentId, (log = new SegmentLog()));
    return log ?? EMPTY;
  }

  /** Recorded changes of a segment. */
  count(segmentId: string): number {
    return this.#log(segmentId).length;
  }

  /** The instant of the segment's latest change, null when none is recorded. */
  lastChangeAt(segmentId: string): number | null {
    const log = this.#log(segmentId);
    return log.length > 0 ? log.at[log.length - 1] : null;
  }

  /**
   * The segment's size at each instant (ascending), walking back from `current`, its size now:
   * every later entry is one member fewer, every later exit one more. Null before `since`.
   */
  sizesAt(
    segmentId: string,
    current: number,
    instants: readonly number[],
    since = -Infinity
  ): (number | null)[] {
    const log = this.#log(segmentId);
    const out: (number | null)[] = new Array(instants.length);
    let size = current;
    let j = log.length - 1;
    for (let i = instants.length - 1; i >= 0; i--) {
      const t = instants[i];
      while (j >= 0 && log.at[j] > t) {
        size += log.enter[j] ? -1 : 1;
        j--;
      }
      out[i] = t < since ? null : Math.max(0, size);
    }
    return out;
  }

  /** The size at `days` instants a day apart, ending at `now`. */
  trend(segmentId: string, current: number, now: number, since: number, days = 30): SizeTrend {
    const at: number[] = [];
    for (let i = days - 1; i >= 0; i--) at.push(now - i * DAY_MS);
    return { at, sizes: this.sizesAt(segmentId, current, at, since) };
  }

  /** Entered, left and end-of-day size for each UTC day from `from`'s day to `now`'s day. */
  daily(segmentId: string, current: number, from: number, now: number, since: number): SizeHistory {
    const log = this.#log(segmentId);
    const first = dayStart(from);
    const count = Math.max(1, Math.floor((dayStart(now) - first) / DAY_MS) + 1);
    const ends: number[] = [];
    for (let k = 0; k < count; k++) ends.push(Math.min(first + (k + 1) * DAY_MS - 1, now));
    const sizes = this.sizesAt(segmentId, current, ends, since);
    const days: DayPoint[] = [];
    let entered = 0;
    let left = 0;
    let j = log.after(first, true);
    for (let k = 0; k < count; k++) {
      const day = first + k * DAY_MS;
      let inDay = 0;
      let outDay = 0;
      while (j < log.length && log.at[j] < day + DAY_MS && log.at[j] <= now) {
        if (log.enter[j]) inDay++;
        else outDay++;
        j++;
      }
      entered += inDay;
      left += outDay;
      // A day that ended before the segment existed has no size (the creation day has one).
      days.push({ day, entered: inDay, left: outDay, size: sizes[k] });
    }
    return { days, entered, left };
  }

  /** The changes matching the filter, newest first, one page of them. */
  log(segmentId: string, query: LogQuery): LogPage {
    const log = this.#log(segmentId);
    const lo = query.from === undefined ? 0 : log.after(query.from, true);
    const hi = query.to === undefined ? log.length : log.after(query.to);
    const wantEnter = query.kind === undefined ? undefined : query.kind === 'enter';
    const needle = query.customer?.trim().toLowerCase() ?? '';
    const offset = Math.max(0, Math.floor(query.offset));
    const limit = Math.max(0, Math.min(500, Math.floor(query.limit)));
    const rows: MembershipChangeRecord[] = [];
    let total = 0;
    for (let i = hi - 1; i >= lo; i--) {
      if (wantEnter !== undefined && log.enter[i] !== wantEnter) continue;
      if (needle !== '' && !log.customer[i].toLowerCase().includes(needle)) continue;
      if (total >= offset && rows.length < limit) rows.push(log.record(i, segmentId));
      total++;
    }
    return { total, offset: Math.min(offset, total), rows };
  }
}
