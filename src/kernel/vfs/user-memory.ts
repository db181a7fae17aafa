// A process's address space, as far as the twin needs one: anonymous mappings a program
// makes with mmap(2) and reads and writes with its own loads and stores, and which the
// kernel reaches with copy_from_user/copy_to_user (EFAULT outside every mapping).

import { KernelError } from '../../core/errno.js';

/** Where the twin places the first mapping (a page-aligned user-space address). */
const MMAP_BASE = 0x3ff_a000_0000n;
const PAGE = 4096n;

interface Mapping {
  start: bigint;
  bytes: Uint8Array;
}

export class UserMemory {
  private readonly maps: Mapping[] = [];
  private next = MMAP_BASE;

  /** models mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0): zeroed pages. */
  map(length: number): bigint {
    if (!Number.isInteger(length) || length <= 0) throw new KernelError('EINVAL');
    const start = this.next;
    const size = ((BigInt(length) + PAGE - 1n) / PAGE) * PAGE;
    this.maps.push({ start, bytes: new Uint8Array(Number(size)) });
    this.next = start + size + PAGE;
    return start;
  }

  /** models munmap(2) of a whole mapping. */
  unmap(addr: bigint): void {
    const i = this.maps.findIndex((m) => m.start === addr);
    if (i < 0) throw new KernelError('EINVAL');
    this.maps.splice(i, 1);
  }

  /** The mapping holding [addr, addr + length), or EFAULT. */
  private span(addr: bigint, length: number): { m: Mapping; off: number } {
    for (const m of this.maps) {
      const off = addr - m.start;
      if (off >= 0n && off + BigInt(length) <= BigInt(m.bytes.length)) return { m, off: Number(off) };
    }
    throw new KernelError('EFAULT');
  }

  /** copy_from_user, or the program's own load. */
  read(addr: bigint, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const { m, off } = this.span(addr, length);
    return m.bytes.slice(off, off + length);
  }

  /** copy_to_user, or the program's own store. */
  write(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const { m, off } = this.span(addr, data.length);
    m.bytes.set(data, off);
  }

  /** Everything goes at exit (execve would do the same). */
  clear(): void {
    this.maps.length = 0;
  }
}
