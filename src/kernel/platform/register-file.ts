// A device's MMIO register file: one per `reg` range, 32-bit registers that read back what
// was written (or the reset value), little-endian byte lanes for 1- and 2-byte accesses,
// and hooks for registers with side effects (self-clearing reset bits, indirect windows).

import { KernelError } from '../../core/errno.js';

/** Side effects of one region's registers (the hardware behind it). */
export interface RegisterHooks {
  /** A read the hardware answers itself (undefined: the stored value). */
  read?(file: RegisterFile, offset: number): number | undefined;
  /** A write with a side effect; returns true when it handled the store itself. */
  write?(file: RegisterFile, offset: number, value: number): boolean;
}

export class RegisterFile {
  private readonly words = new Map<number, number>();

  constructor(
    readonly size: number,
    private readonly hooks: RegisterHooks = {},
  ) {}

  /** The stored word at a 4-byte aligned offset (0 when never written). */
  peek(offset: number): number {
    return this.words.get(offset) ?? 0;
  }

  /** Stores a word with no side effect (what the hardware itself does). */
  poke(offset: number, value: number): void {
    if (value === 0) this.words.delete(offset);
    else this.words.set(offset, value >>> 0);
  }

  read32(offset: number): number {
    return (this.hooks.read?.(this, offset) ?? this.peek(offset)) >>> 0;
  }

  write32(offset: number, value: number): void {
    if (!this.hooks.write?.(this, offset, value >>> 0)) this.poke(offset, value);
  }

  /** An access of 1, 2 or 4 bytes at a naturally aligned offset (ioread8/16/32). */
  read(offset: number, size: 1 | 2 | 4): number {
    this.check(offset, size);
    const word = this.read32(offset & ~3);
    const shift = (offset & 3) * 8;
    return size === 4 ? word : (word >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.check(offset, size);
    if (size === 4) return this.write32(offset, value);
    const base = offset & ~3;
    const shift = (offset & 3) * 8;
    const mask = (size === 2 ? 0xffff : 0xff) << shift;
    this.write32(base, ((this.peek(base) & ~mask) | ((value << shift) & mask)) >>> 0);
  }

  private check(offset: number, size: number): void {
    if (offset < 0 || offset % size !== 0 || offset + size > this.size) throw new KernelError('EINVAL');
  }

  /** Every non-zero register of the region, by offset. */
  entries(): [number, number][] {
    return this.rawEntries().filter(([o]) => o < this.size);
  }

  /** Every stored word, including state the hardware keeps beyond the window (an MMD space). */
  rawEntries(): [number, number][] {
    return [...this.words].sort((a, b) => a[0] - b[0]);
  }

  /** Every register back to 0 (a power-on or soft reset of the block). */
  clear(): void {
    this.words.clear();
  }

  snapshot(): [number, number][] {
    return this.rawEntries();
  }

  restore(saved: readonly [number, number][]): void {
    this.words.clear();
    for (const [o, v] of saved) this.words.set(o, v);
  }
}
