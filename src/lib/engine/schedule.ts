// The timer queue that tells advanceTo which answers passing time may flip next: (instant, segment
// slot, customer) entries popped in time order. Stale entries are skipped by the caller (or dropped
// early through `isLive`).
//
// A single binary heap over millions of entries (one per live segment and customer with a finite
// next instant) cost a dozen cache misses per pop at a million customers. So only the entries due
// within the current hour sit in a small heap; later ones wait, unordered, in one append-only bucket
// per hour, and a bucket is heaped only when time reaches its hour.

const BUCKET_MS = 3_600_000;

class Entries {
  times: Float64Array;
  segs: Int32Array;
  custs: Int32Array;
  n = 0;

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.segs = new Int32Array(capacity);
    this.custs = new Int32Array(capacity);
  }

  add(t: number, seg: number, cust: number): void {
    if (this.n === this.times.length) this.grow(this.n * 2);
    const i = this.n++;
    this.times[i] = t;
    this.segs[i] = seg;
    this.custs[i] = cust;
  }

  grow(capacity: number): void {
    const times = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.n));
    this.times = times;
    const segs = new Int32Array(capacity);
    segs.set(this.segs.subarray(0, this.n));
    this.segs = segs;
    const custs = new Int32Array(capacity);
    custs.set(this.custs.subarray(0, this.n));
    this.custs = custs;
  }
}

export class TimerQueue {
  /** A min-heap (by time) of every entry due before `horizon`. */
  private readonly near = new Entries(1024);
  private horizon = -Infinity;
  /** Entries due at or after `horizon`, by hour number. */
  private readonly buckets = new Map<number, Entries>();
  /** The hour numbers in `buckets`, as a min-heap. */
  private readonly hours: number[] = [];
  private farCount = 0;

  /**
   * `isLive` (optional) tells whether an entry still stands when its bucket is heaped, so entries
   * superseded while they waited never reach the heap.
   */
  constructor(private readonly isLive?: (t: number, seg: number, cust: number) => boolean) {}

  get size(): number {
    return this.near.n + this.farCount;
  }

  push(t: number, seg: number, cust: number): void {
    if (t < this.horizon) {
      this.heapPush(t, seg, cust);
      return;
    }
    const hour = Math.floor(t / BUCKET_MS);
    let bucket = this.buckets.get(hour);
    if (!bucket) {
      bucket = new Entries(16);
      this.buckets.set(hour, bucket);
      heapPushNumber(this.hours, hour);
    }
    bucket.add(t, seg, cust);
    this.farCount++;
  }

  peekTime(): number {
    while (this.near.n === 0) {
      if (this.hours.length === 0) return Infinity;
      this.openNextBucket();
    }
    return this.near.times[0];
  }

  /**
   * The entry `pop` removed last. Fields rather than a returned tuple: a tuple array holding the
   * time turned into a double array, so the customer index came out as a double and every function
   * optimized for small-integer indices deoptimized on the first timer pop.
   */
  time = Infinity;
  seg = 0;
  cust = 0;

  /**
   * Removes the earliest entry into time/seg/cust (time Infinity when empty), and into `out` as
   * [time, seg, cust] when given (for callers outside hot loops).
   */
  pop(out?: [number, number, number]): void {
    if (this.peekTime() === Infinity) {
      this.time = Infinity;
    } else {
      const h = this.near;
      this.time = h.times[0];
      this.seg = h.segs[0];
      this.cust = h.custs[0];
      const last = --h.n;
      if (last > 0) this.siftDown(0, h.times[last], h.segs[last], h.custs[last]);
    }
    if (out) {
      out[0] = this.time;
      out[1] = this.seg;
      out[2] = this.cust;
    }
  }

  /** Moves the earliest hour's bucket into the heap (dropping entries that no longer stand). */
  private openNextBucket(): void {
    const hour = heapPopNumber(this.hours);
    const bucket = this.buckets.get(hour)!;
    this.buckets.delete(hour);
    this.farCount -= bucket.n;
    this.horizon = (hour + 1) * BUCKET_MS;
    const isLive = this.isLive;
    for (let i = 0; i < bucket.n; i++) {
      const t = bucket.times[i];
      const seg = bucket.segs[i];
      const cust = bucket.custs[i];
      if (isLive === undefined || isLive(t, seg, cust)) this.heapPush(t, seg, cust);
    }
  }

  private heapPush(t: number, seg: number, cust: number): void {
    const h = this.near;
    if (h.n === h.times.length) h.grow(h.n * 2);
    let i = h.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h.times[parent] <= t) break;
      h.times[i] = h.times[parent];
      h.segs[i] = h.segs[parent];
      h.custs[i] = h.custs[parent];
      i = parent;
    }
    h.times[i] = t;
    h.segs[i] = seg;
    h.custs[i] = cust;
  }

  private siftDown(from: number, t: number, s: number, c: number): void {
    const h = this.near;
    const last = h.n;
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && h.times[child + 1] < h.times[child]) child++;
      if (h.times[child] >= t) break;
      h.times[i] = h.times[child];
      h.segs[i] = h.segs[child];
      h.custs[i] = h.custs[child];
      i = child;
    }
    h.times[i] = t;
    h.segs[i] = s;
    h.custs[i] = c;
  }
}

function heapPushNumber(heap: number[], x: number): void {
  let i = heap.length;
  heap.push(x);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= x) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = x;
}

function heapPopNumber(heap: number[]): number {
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length > 0) {
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && heap[child + 1] < heap[child]) child++;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
  return top;
}
