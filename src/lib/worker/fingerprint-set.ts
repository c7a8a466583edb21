// A set of event fingerprints (53-bit safe integers) as an open-addressing hash table over a
// Float64Array: a million events cost 16 MB and no per-entry objects, where a Set<number> of non-small
// integers boxes every entry and spends its time in the garbage collector.

const EMPTY = 0;
/** Fingerprint 0 would collide with the empty marker: it is stored as this instead. */
const ZERO = -1;

export class FingerprintSet {
  #table: Float64Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    let cap = 1024;
    while (cap < capacity * 2) cap *= 2;
    this.#table = new Float64Array(cap);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  has(fingerprint: number): boolean {
    const key = fingerprint === 0 ? ZERO : fingerprint;
    const table = this.#table;
    for (let i = slot(key) & this.#mask; ; i = (i + 1) & this.#mask) {
      const v = table[i];
      if (v === key) return true;
      if (v === EMPTY) return false;
    }
  }

  /** Adds a fingerprint; false when it was already there. */
  add(fingerprint: number): boolean {
    if ((this.#size + 1) * 2 > this.#table.length) this.#grow();
    const key = fingerprint === 0 ? ZERO : fingerprint;
    const table = this.#table;
    for (let i = slot(key) & this.#mask; ; i = (i + 1) & this.#mask) {
      const v = table[i];
      if (v === key) return false;
      if (v === EMPTY) {
        table[i] = key;
        this.#size++;
        return true;
      }
    }
  }

  /** Adds every fingerprint of `other`. */
  addAll(other: FingerprintSet): void {
    this.reserve(other.size);
    const table = other.#table;
    for (let i = 0; i < table.length; i++) {
      const v = table[i];
      if (v !== EMPTY) this.add(v === ZERO ? 0 : v);
    }
  }

  /** Makes room for `extra` more entries at once (one rehash instead of several). */
  reserve(extra: number): void {
    let cap = this.#table.length;
    while ((this.#size + extra) * 2 > cap) cap *= 2;
    if (cap !== this.#table.length) this.#rehash(cap);
  }

  #grow(): void {
    this.#rehash(this.#table.length * 2);
  }

  #rehash(capacity: number): void {
    const old = this.#table;
    const table = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v === EMPTY) continue;
      let j = slot(v) & mask;
      while (table[j] !== EMPTY) j = (j + 1) & mask;
      table[j] = v;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** Mixes the low 32 bits (already a hash) with the high bits, so clustered keys spread out. */
function slot(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) | 0;
  return Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b) >>> 0;
}
