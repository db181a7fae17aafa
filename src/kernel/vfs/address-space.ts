// A process's file mappings (mm/mmap.c for the shared file mappings a VMM makes): each
// mapping keeps its file open (the vma holds a reference) until munmap or exit, and its
// loads and stores go to what the driver mapped. Addresses are handed out from a fixed
// base, page by page, so a checkpoint can put each mapping back where the program saw it.

import { KernelError } from '../../core/errno.js';
import { MAP_PRIVATE, MAP_SHARED, O_ACCMODE, O_RDONLY, O_RDWR, PROT_READ, PROT_WRITE, type Mapping } from '../syscall-surface.js';
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
  readonly file: DeviceFile;
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
}

export class AddressSpace {
  private readonly vmas = new Map<bigint, Vma>();
  private next = MMAP_BASE;

  constructor(private readonly onUnmapped: (file: DeviceFile) => void) {}

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
    if (!this.maps(v.file)) this.onUnmapped(v.file);
  }

  unmapAll(): void {
    for (const [addr, v] of [...this.vmas]) this.unmap(addr, v.mapping.length);
  }

  checkpoint(refs: CheckpointRefs): MappingCheckpoint[] {
    const out: MappingCheckpoint[] = [];
    for (const v of this.vmas.values()) {
      if (!v.file.checkpoint) continue;
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
