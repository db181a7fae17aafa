// A process's mappings (mm/mmap.c for the shared file mappings a VMM makes, and the
// anonymous memory a program keeps its buffers in): each file mapping keeps its file open
// (the vma holds a reference) until munmap or exit, and its loads and stores go to what
// the driver mapped. Addresses are handed out from a fixed base, page by page, so a
// checkpoint can put each file mapping back where the program saw it. The kernel reaches
// the memory with copy_from_user/copy_to_user (read/write here; EFAULT outside a mapping).

import { KernelError } from '../../core/errno.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, O_ACCMODE, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE, type Mapping } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, MmapArea } from './node.js';

const PAGE = 4096n;
/** Where the twin's mmaps start (a user-space address on a 48-bit VA). */
const MMAP_BASE = 0x7f00_0000_0000n;

export interface MappingCheckpoint {
  addr: string;
  length: number;
  prot: number;
  flags: number;
  offset: string;
  /** The file's checkpoint reference (shared with its fd, if the fd is still open). */
  ref: number;
  file: FileCheckpoint;
}

interface Vma {
  readonly mapping: Mapping;
  /** The mapped file; none for anonymous memory. */
  readonly file: DeviceFile | undefined;
  readonly prot: number;
  readonly flags: number;
  readonly offset: bigint;
}

class FileMapping implements Mapping {
  constructor(
    readonly addr: bigint,
    readonly length: number,
    private readonly prot: number,
    private readonly area: MmapArea,
  ) {}

  private check(offset: number, size: number, need: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.length || ![1, 2, 4, 8].includes(size) || !(this.prot & need)) {
      throw new KernelError('EFAULT', `fault at 0x${(this.addr + BigInt(Math.max(0, offset))).toString(16)}`);
    }
  }

  load(offset: number, size: number): bigint {
    this.check(offset, size, PROT_READ);
    return this.area.load(offset, size);
  }

  store(offset: number, size: number, value: bigint): void {
    this.check(offset, size, PROT_WRITE);
    this.area.store(offset, size, value);
  }

  read(offset: number, length: number): Uint8Array {
    return Uint8Array.from({ length }, (_, i) => Number(this.load(offset + i, 1)));
  }

  write(offset: number, data: Uint8Array): void {
    data.forEach((b, i) => this.store(offset + i, 1, BigInt(b)));
  }
}

/** Anonymous memory: zero-filled bytes of the process's own. */
class AnonMapping implements Mapping {
  private readonly bytes: Uint8Array;

  constructor(
    readonly addr: bigint,
    readonly length: number,
    private readonly prot: number,
  ) {
    this.bytes = new Uint8Array(length);
  }

  private span(offset: number, size: number, need: number): DataView {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.length || !(this.prot & need)) {
      throw new KernelError('EFAULT', `fault at 0x${(this.addr + BigInt(Math.max(0, offset))).toString(16)}`);
    }
    return new DataView(this.bytes.buffer, offset, size);
  }

  load(offset: number, size: number): bigint {
    const v = this.span(offset, size, PROT_READ);
    return size === 8 ? v.getBigUint64(0, true) : BigInt(size === 4 ? v.getUint32(0, true) : size === 2 ? v.getUint16(0, true) : v.getUint8(0));
  }

  store(offset: number, size: number, value: bigint): void {
    const v = this.span(offset, size, PROT_WRITE);
    if (size === 8) v.setBigUint64(0, value, true);
    else if (size === 4) v.setUint32(0, Number(value & 0xffff_ffffn), true);
    else if (size === 2) v.setUint16(0, Number(value & 0xffffn), true);
    else v.setUint8(0, Number(value & 0xffn));
  }

  read(offset: number, length: number): Uint8Array {
    this.span(offset, length, PROT_READ);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.span(offset, data.length, PROT_WRITE);
    this.bytes.set(data, offset);
  }
}

export class AddressSpace {
  private readonly vmas = new Map<bigint, Vma>();
  private next = MMAP_BASE;

  constructor(private readonly onUnmapped: (file: DeviceFile) => void) {}

  /** models mmap(MAP_ANONYMOUS): private zeroed memory (MAP_SHARED anonymous memory is not modelled). */
  mapAnonymous(length: number, prot: number, flags: number, offset: bigint): Mapping {
    if (!Number.isInteger(length) || length <= 0 || offset !== 0n || (flags & (MAP_SHARED | MAP_PRIVATE)) !== MAP_PRIVATE || !(flags & MAP_ANONYMOUS))
      throw new KernelError('EINVAL');
    const pages = (BigInt(length) + PAGE - 1n) / PAGE;
    const mapping = new AnonMapping(this.next, length, prot);
    this.next += pages * PAGE;
    this.vmas.set(mapping.addr, { mapping, file: undefined, prot, flags, offset });
    return mapping;
  }

  /** The mapping holding all of [addr, addr + length), and the offset there; EFAULT if none. */
  private span(addr: bigint, length: number): { mapping: Mapping; offset: number } {
    for (const v of this.vmas.values()) {
      const off = addr - v.mapping.addr;
      if (off >= 0n && off + BigInt(length) <= BigInt(v.mapping.length)) return { mapping: v.mapping, offset: Number(off) };
    }
    throw new KernelError('EFAULT');
  }

  /** models copy_from_user. */
  read(addr: bigint, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const { mapping, offset } = this.span(addr, length);
    return mapping.read(offset, length);
  }

  /** models copy_to_user. */
  write(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const { mapping, offset } = this.span(addr, data.length);
    mapping.write(offset, data);
  }

  /** Whether a mapping still holds this file. */
  maps(file: DeviceFile): boolean {
    for (const v of this.vmas.values()) if (v.file === file) return true;
    return false;
  }

  /** models do_mmap's checks for a shared/private file mapping, then file->f_op->mmap. */
  map(file: DeviceFile, fileFlags: number, length: number, prot: number, flags: number, offset: bigint, at?: bigint): Mapping {
    if (!Number.isInteger(length) || length <= 0) throw new KernelError('EINVAL');
    if (offset < 0n || offset % PAGE !== 0n) throw new KernelError('EINVAL');
    const type = flags & (MAP_SHARED | MAP_PRIVATE);
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) throw new KernelError('EINVAL');
    const access = fileFlags & O_ACCMODE;
    // models do_mmap: reading needs a readable file; a shared writable mapping a writable one
    if (access !== O_RDONLY && access !== O_RDWR) throw new KernelError('EACCES');
    if (type === MAP_SHARED && prot & PROT_WRITE && access !== O_RDWR) throw new KernelError('EACCES');
    const area = file.mmap!(length, prot, flags, offset);
    const pages = (BigInt(length) + PAGE - 1n) / PAGE;
    const addr = at ?? this.next;
    if (at === undefined) this.next += pages * PAGE;
    else if (at + pages * PAGE > this.next) this.next = at + pages * PAGE;
    const mapping = new FileMapping(addr, length, prot, area);
    this.vmas.set(addr, { mapping, file, prot, flags, offset });
    return mapping;
  }

  at(addr: bigint): Mapping | undefined {
    return this.vmas.get(addr)?.mapping;
  }

  /** models munmap of a whole mapping (the twin does not split mappings: EINVAL for a part). */
  unmap(addr: bigint, length: number): void {
    if (addr % PAGE !== 0n || length <= 0) throw new KernelError('EINVAL');
    const v = this.vmas.get(addr);
    // unmapping nothing is not an error
    if (!v) return;
    if (v.mapping.length !== length) throw new KernelError('EINVAL', 'the twin unmaps whole mappings only');
    this.vmas.delete(addr);
    if (v.file && !this.maps(v.file)) this.onUnmapped(v.file);
  }

  unmapAll(): void {
    for (const [addr, v] of [...this.vmas]) this.unmap(addr, v.mapping.length);
  }

  checkpoint(refs: CheckpointRefs): MappingCheckpoint[] {
    const out: MappingCheckpoint[] = [];
    for (const v of this.vmas.values()) {
      // anonymous memory is the program's, not the kernel's: a restored process starts without it
      if (!v.file?.checkpoint) continue;
      out.push({
        addr: v.mapping.addr.toString(),
        length: v.mapping.length,
        prot: v.prot,
        flags: v.flags,
        offset: v.offset.toString(),
        ref: refs.idOf(v.file),
        file: v.file.checkpoint(refs),
      });
    }
    return out;
  }

  /** Puts a checkpointed mapping back at its address (the driver's mmap runs again: it has no side effects). */
  restore(m: MappingCheckpoint, file: DeviceFile): void {
    this.map(file, O_RDWR, m.length, m.prot, m.flags, BigInt(m.offset), BigInt(m.addr));
  }
}
