// The timer queue that tells advanceTo which answers passing time may flip next: (instant, segment
// slot, customer) entries popped in time order. Stale entries are skipped by the caller (or dropped
// early through `isLive`).
//
// A single binary heap over millions of entries (one per live segment and customer with a finite
// next instant) cost a dozen cache misses per pop at a million customers. So entries wait, unordered,
// in one append-only bucket per hour, and a bucket is sorted into a run only when time reaches its
// hour; entries pushed for the open hour meanwhile go to a small heap beside the run. Because the
// run is in pop order, `ahead(k)` can tell the caller which entries come next, so it can start
// reading their customers' data early (the memory latency of one pop then overlaps with the work of
// the ones before it).
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
  /** The open hour's bucket, sorted by time; entries [runAt, run.n) are still to pop. */
  private run = new Entries(1024);
  private runAt = 0;
  /** A min-heap (by time) of the entries pushed before `horizon` after their hour was opened. */
  private readonly near = new Entries(64);
  private horizon = -Infinity;
  /** Entries due at or after `horizon`, by hour number. */
  private readonly buckets = new Map<number, Entries>();
  /** The hour numbers in `buckets`, as a min-heap. */
  private readonly hours: number[] = [];
  private farCount = 0;
  /** Sort keys and the spare run, reused from bucket to bucket. */
  private keys = new Float64Array(1024);
  private spare = new Entries(1024);

  /**
   * `isLive` (optional) tells whether an entry still stands when its bucket is opened, so entries
   * superseded while they waited never reach the run.
   */
  constructor(private readonly isLive?: (t: number, seg: number, cust: number) => boolean) {}

  get size(): number {
    return this.run.n - this.runAt + this.near.n + this.farCount;
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
    // Both counts read on every call (no short circuit): a read first reached hours into a day of
    // pops sent the optimized advanceTo back to the interpreter.
    let inRun = this.run.n - this.runAt;
    let inHeap = this.near.n;
    while (inRun === 0 && inHeap === 0) {
      if (this.hours.length === 0) return Infinity;
      this.openNextBucket();
      inRun = this.run.n - this.runAt;
      inHeap = this.near.n;
    }
    if (inRun === 0) return this.near.times[0];
    const t = this.run.times[this.runAt];
    return inHeap > 0 && this.near.times[0] < t ? this.near.times[0] : t;
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
    const t = this.peekTime();
    if (t === Infinity) {
      this.time = Infinity;
    } else if (this.runAt < this.run.n && this.run.times[this.runAt] === t) {
      const i = this.runAt++;
      this.time = t;
      this.seg = this.run.segs[i];
      this.cust = this.run.custs[i];
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

  /** Set by `ahead`: an entry that will be popped soon. */
  aheadSeg = 0;
  aheadCust = 0;

  /**
   * Whether the open hour's run has a k-th next entry (k = 0 is the next one of the run), and if so
   * which, in aheadSeg/aheadCust. A hint for reading ahead: entries pushed into the open hour since
   * it was sorted are not counted, and an entry may already be stale.
   */
  ahead(k: number): boolean {
    const i = this.runAt + k;
    if (i >= this.run.n) return false;
    this.aheadSeg = this.run.segs[i];
    this.aheadCust = this.run.custs[i];
    return true;
  }

  /**
   * Sorts the earliest hour's bucket into the run (dropping entries that no longer stand). Called only
   * once the run and the heap are empty: everything in them was due before this hour.
   */
  private openNextBucket(): void {
    const hour = heapPopNumber(this.hours);
    const bucket = this.buckets.get(hour)!;
    this.buckets.delete(hour);
    this.farCount -= bucket.n;
    this.horizon = (hour + 1) * BUCKET_MS;
    const isLive = this.isLive;
    let n = 0;
    if (isLive === undefined) n = bucket.n;
    else {
      // Compacts the standing entries to the front, in place.
      for (let i = 0; i < bucket.n; i++) {
        const t = bucket.times[i];
        const seg = bucket.segs[i];
        const cust = bucket.custs[i];
        if (!isLive(t, seg, cust)) continue;
        bucket.times[n] = t;
        bucket.segs[n] = seg;
        bucket.custs[n] = cust;
        n++;
      }
    }
    this.sortInto(bucket, n, hour * BUCKET_MS);
  }

  /** Writes bucket entries [0, n) to the run in time order (ties in push order). */
  private sortInto(bucket: Entries, n: number, base: number): void {
    // The run's previous arrays become the spare, so a steady state allocates nothing.
    let run = this.spare;
    this.spare = this.run;
    if (run.times.length < n) run = new Entries(Math.max(n, run.times.length * 2));
    if (this.keys.length < n) this.keys = new Float64Array(Math.max(n, this.keys.length * 2));
    const keys = this.keys.subarray(0, n);
    // Whole milliseconds within the hour (< 2^22) times 2^24 plus the entry's position stay exact
    // in a double, so a plain numeric sort of the keys orders by (time, position); other times
    // (fractions of a millisecond, which imports do not make) take a comparator sort.
    let packed = n < POSITIONS;
    for (let i = 0; i < n && packed; i++) {
      const offset = bucket.times[i] - base;
      packed = offset === Math.floor(offset) && offset >= 0 && offset < BUCKET_MS;
      keys[i] = offset * POSITIONS + i;
    }
    if (packed) {
      keys.sort();
      for (let j = 0; j < n; j++) {
        const i = (keys[j] % POSITIONS) | 0;
        run.times[j] = bucket.times[i];
        run.segs[j] = bucket.segs[i];
        run.custs[j] = bucket.custs[i];
      }
    } else {
      const order = Array.from({ length: n }, (_, i) => i);
      order.sort((a, b) => bucket.times[a] - bucket.times[b] || a - b);
      for (let j = 0; j < n; j++) {
        const i = order[j];
        run.times[j] = bucket.times[i];
        run.segs[j] = bucket.segs[i];
        run.custs[j] = bucket.custs[i];
      }
    }
    run.n = n;
    this.run = run;
    this.runAt = 0;
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

/** Entry positions a packed sort key can tell apart (see sortInto). */
const POSITIONS = 2 ** 24;

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
