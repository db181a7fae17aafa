// A 256-bit AP mask (adapters, usage or control domains). The kernel keeps these with
// the "inverted" bit helpers (set_bit_inv), so ID 0 is the most significant bit and the
// text form is MSB-first: `0x` + 64 hex digits, digit k carrying IDs 4k..4k+3.
// Word w of the bitmap holds IDs 32w..32w+31, ID 32w in bit 31.

export const AP_MASK_BITS = 256;
const WORDS = AP_MASK_BITS / 32;

function bitOf(id: number): number {
  return 0x8000_0000 >>> (id & 31);
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= AP_MASK_BITS) throw new RangeError(`AP id out of range: ${id}`);
}

export class ApMask {
  private constructor(private readonly words: Uint32Array) {}

  static empty(): ApMask {
    return new ApMask(new Uint32Array(WORDS));
  }

  static full(): ApMask {
    return new ApMask(new Uint32Array(WORDS).fill(0xffff_ffff));
  }

  static of(...ids: number[]): ApMask {
    return ApMask.fromIds(ids);
  }

  static fromIds(ids: Iterable<number>): ApMask {
    const m = ApMask.empty();
    for (const id of ids) m.set(id);
    return m;
  }

  /** IDs first..last inclusive. */
  static range(first: number, last: number): ApMask {
    const m = ApMask.empty();
    for (let id = first; id <= last; id++) m.set(id);
    return m;
  }

  /** Parses the canonical 64-digit form this class prints (snapshots, not user input). */
  static fromHex(text: string): ApMask {
    const m = /^0x([0-9a-f]{64})$/.exec(text);
    if (!m) throw new Error(`not a 256-bit mask: ${text}`);
    const words = new Uint32Array(WORDS);
    for (let w = 0; w < WORDS; w++) words[w] = parseInt(m[1]!.slice(w * 8, w * 8 + 8), 16) >>> 0;
    return new ApMask(words);
  }

  clone(): ApMask {
    return new ApMask(this.words.slice());
  }

  has(id: number): boolean {
    if (id < 0 || id >= AP_MASK_BITS) return false;
    return (this.words[id >>> 5]! & bitOf(id)) !== 0;
  }

  /** Sets the bit in place; returns this. */
  set(id: number): this {
    checkId(id);
    this.words[id >>> 5] = (this.words[id >>> 5]! | bitOf(id)) >>> 0;
    return this;
  }

  /** Clears the bit in place; returns this. */
  clear(id: number): this {
    checkId(id);
    this.words[id >>> 5] = (this.words[id >>> 5]! & ~bitOf(id)) >>> 0;
    return this;
  }

  and(other: ApMask): ApMask {
    const r = new Uint32Array(WORDS);
    for (let w = 0; w < WORDS; w++) r[w] = (this.words[w]! & other.words[w]!) >>> 0;
    return new ApMask(r);
  }

  or(other: ApMask): ApMask {
    const r = new Uint32Array(WORDS);
    for (let w = 0; w < WORDS; w++) r[w] = (this.words[w]! | other.words[w]!) >>> 0;
    return new ApMask(r);
  }

  andNot(other: ApMask): ApMask {
    const r = new Uint32Array(WORDS);
    for (let w = 0; w < WORDS; w++) r[w] = (this.words[w]! & ~other.words[w]!) >>> 0;
    return new ApMask(r);
  }

  /** True when the two masks share at least one ID (no allocation: hot path of the sharing check). */
  intersects(other: ApMask): boolean {
    for (let w = 0; w < WORDS; w++) if ((this.words[w]! & other.words[w]!) !== 0) return true;
    return false;
  }

  isEmpty(): boolean {
    for (let w = 0; w < WORDS; w++) if (this.words[w] !== 0) return false;
    return true;
  }

  equals(other: ApMask): boolean {
    for (let w = 0; w < WORDS; w++) if (this.words[w] !== other.words[w]) return false;
    return true;
  }

  /** Keeps only IDs 0..max (the kernel's *_max limits). */
  truncate(max: number): ApMask {
    const r = this.clone();
    for (let id = Math.max(max + 1, 0); id < AP_MASK_BITS; id++) if (r.has(id)) r.clear(id);
    return r;
  }

  /** Highest set ID, or -1. */
  last(): number {
    for (let w = WORDS - 1; w >= 0; w--) {
      const word = this.words[w]!;
      // the highest ID of a word is its lowest set bit: ID 32w + k sits in bit 31 - k
      if (word !== 0) return w * 32 + Math.clz32(word & -word);
    }
    return -1;
  }

  count(): number {
    let n = 0;
    for (let w = 0; w < WORDS; w++) {
      let v = this.words[w]!;
      while (v !== 0) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  /** Set IDs in ascending order (an iterator object: V8 optimises it far better than a generator). */
  [Symbol.iterator](): IterableIterator<number> {
    return new SetIds(this.words);
  }

  ids(): number[] {
    return [...this];
  }

  /** `0x` + 64 lowercase hex digits, as apmask and ap_config print it. */
  toHex(): string {
    let s = '0x';
    for (let w = 0; w < WORDS; w++) s += this.words[w]!.toString(16).padStart(8, '0');
    return s;
  }

  toJSON(): string {
    return this.toHex();
  }
}

/** The set IDs of a mask's words, lowest first: each step clears the highest set bit of a copy. */
class SetIds implements IterableIterator<number> {
  private w = 0;
  private word: number;

  constructor(private readonly words: Uint32Array) {
    this.word = words[0]!;
  }

  next(): IteratorResult<number> {
    while (this.word === 0) {
      if (++this.w >= WORDS) return { done: true, value: undefined };
      this.word = this.words[this.w]!;
    }
    // ID 32w + k sits in bit 31 - k: the highest set bit is the lowest ID
    const k = Math.clz32(this.word);
    this.word = (this.word & ~(0x8000_0000 >>> k)) >>> 0;
    return { done: false, value: this.w * 32 + k };
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this;
  }
}
