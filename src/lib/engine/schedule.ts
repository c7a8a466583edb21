// A min-heap of (instant, segment slot, customer) in typed arrays: the timer queue that tells
// advanceTo which answers passing time may flip next. Stale entries are skipped by the caller.
export class TimerQueue {
  private times = new Float64Array(1024);
  private segs = new Int32Array(1024);
  private custs = new Int32Array(1024);
  size = 0;

  push(t: number, seg: number, cust: number): void {
    if (this.size === this.times.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent] <= t) break;
      this.times[i] = this.times[parent];
      this.segs[i] = this.segs[parent];
      this.custs[i] = this.custs[parent];
      i = parent;
    }
    this.times[i] = t;
    this.segs[i] = seg;
    this.custs[i] = cust;
  }

  peekTime(): number {
    return this.size > 0 ? this.times[0] : Infinity;
  }

  /** Removes the earliest entry and returns [time, seg, cust]. */
  pop(out: [number, number, number]): void {
    out[0] = this.times[0];
    out[1] = this.segs[0];
    out[2] = this.custs[0];
    const last = --this.size;
    if (last === 0) return;
    const t = this.times[last];
    const s = this.segs[last];
    const c = this.custs[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.times[child + 1] < this.times[child]) child++;
      if (this.times[child] >= t) break;
      this.times[i] = this.times[child];
      this.segs[i] = this.segs[child];
      this.custs[i] = this.custs[child];
      i = child;
    }
    this.times[i] = t;
    this.segs[i] = s;
    this.custs[i] = c;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const segs = new Int32Array(cap);
    segs.set(this.segs);
    this.segs = segs;
    const custs = new Int32Array(cap);
    custs.set(this.custs);
    this.custs = custs;
  }
}
