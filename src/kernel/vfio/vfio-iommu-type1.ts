// The Type1 IOMMU backend (drivers/vfio/vfio_iommu_type1.c, 4.19.71; spec vfio-core §1.9)
// as an mdev-only container sees it: every group sits in the external domain (the mdev bus
// has no IOMMU), so MAP_DMA only records ranges and nothing is pinned or programmed.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_DMA_CC_IOMMU,
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_IOMMU_GET_INFO,
  VFIO_IOMMU_INFO_PGSIZES,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_TYPE1_DMA_MAP_SIZE,
  VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE,
  VFIO_IOMMU_TYPE1_INFO_SIZE,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1_NESTING_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  argszOf,
  decodeDmaMap,
  decodeDmaUnmap,
  setU32,
  setU64,
} from '../../core/vfio-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';

export const PAGE_SHIFT = 12;
const PAGE_SIZE_N = 1n << BigInt(PAGE_SHIFT);
const U64_MAX = (1n << 64n) - 1n;
/** The pgsize bitmap without an IOMMU domain: every size from PAGE_SIZE up (0xFFFFFFFFFFFFF000). */
export const TYPE1_EXTERNAL_PGSIZES = U64_MAX & ~(PAGE_SIZE_N - 1n);
/** dma_entry_limit's default (module parameter, 4.19.71 backport of CVE-2019-3882). */
export const DMA_ENTRY_LIMIT = 65535;

/** struct vfio_dma: one recorded mapping, owned by the address space (pid) that made it. */
export interface VfioDma {
  iova: bigint;
  vaddr: bigint;
  size: bigint;
  /** VFIO_DMA_MAP_FLAG_READ/WRITE as given. */
  flags: number;
  /** The mapping task's mm, as its pid. */
  pid: number;
}

/** Does a Type1 backend claim this extension / iommu type? (vfio_iommu_type1_check_extension without a container) */
export function type1Claims(type: number): boolean {
  return type === VFIO_TYPE1_IOMMU || type === VFIO_TYPE1v2_IOMMU || type === VFIO_TYPE1_NESTING_IOMMU;
}

export function structArg(arg: IoctlArg, minsz = 0): Uint8Array {
  // models copy_from_user of a pointer argument (minsz bytes): anything but a buffer that big is a bad address
  if (!(arg instanceof Uint8Array) || arg.length < minsz) throw new KernelError('EFAULT');
  return arg;
}

/** struct vfio_iommu for one container. */
export class VfioIommuType1 {
  /** Sorted by iova, pairwise disjoint (vfio_iommu.dma_list is an rb-tree). */
  readonly dmas: VfioDma[] = [];
  dmaAvail = DMA_ENTRY_LIMIT;

  constructor(readonly v2: boolean) {}

  /** The IOMMU type SET_IOMMU chose (v2 covers TYPE1v2 and NESTING). */
  get type(): number {
    return this.v2 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
  }

  /** models vfio_iommu_type1_check_extension with an open backend. */
  checkExtension(ext: number): number {
    if (type1Claims(ext)) return 1;
    // models vfio_domains_have_iommu_cache: no IOMMU domain at all counts as coherent
    if (ext === VFIO_DMA_CC_IOMMU) return 1;
    return 0;
  }

  /** models vfio_iommu_type1_ioctl. */
  ioctl(request: number, arg: IoctlArg, pid: number): number {
    switch (request) {
      case VFIO_IOMMU_GET_INFO:
        return this.getInfo(structArg(arg));
      case VFIO_IOMMU_MAP_DMA:
        return this.map(structArg(arg), pid);
      case VFIO_IOMMU_UNMAP_DMA:
        return this.unmap(structArg(arg), pid);
      default:
        throw new KernelError('ENOTTY');
    }
  }

  private getInfo(buf: Uint8Array): number {
    if (buf.length < VFIO_IOMMU_TYPE1_INFO_SIZE) throw new KernelError('EFAULT');
    if (argszOf(buf) < VFIO_IOMMU_TYPE1_INFO_SIZE) throw new KernelError('EINVAL');
    setU32(buf, 4, VFIO_IOMMU_INFO_PGSIZES);
    setU64(buf, 8, TYPE1_EXTERNAL_PGSIZES);
    return 0;
  }

  /** models vfio_find_dma: the lowest-iova mapping overlapping [iova, iova+size). */
  private findDma(iova: bigint, size: bigint): VfioDma | undefined {
    return this.dmas.find((d) => d.iova < iova + size && iova < d.iova + d.size);
  }

  /** models vfio_dma_do_map. */
  private map(buf: Uint8Array, pid: number): number {
    if (buf.length < VFIO_IOMMU_TYPE1_DMA_MAP_SIZE) throw new KernelError('EFAULT');
    const m = decodeDmaMap(buf);
    const known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    if (m.argsz < VFIO_IOMMU_TYPE1_DMA_MAP_SIZE || (m.flags & ~known) !== 0) throw new KernelError('EINVAL');
    const mask = PAGE_SIZE_N - 1n;
    if ((m.flags & known) === 0 || m.size === 0n || ((m.size | m.iova | m.vaddr) & mask) !== 0n) throw new KernelError('EINVAL');
    if (m.iova + m.size - 1n > U64_MAX || m.vaddr + m.size - 1n > U64_MAX) throw new KernelError('EINVAL');
    if (this.findDma(m.iova, m.size)) throw new KernelError('EEXIST');
    if (this.dmaAvail === 0) throw new KernelError('ENOSPC');
    // no IOMMU-backed domain: the range is recorded, nothing is pinned
    const dma: VfioDma = { iova: m.iova, vaddr: m.vaddr, size: m.size, flags: m.flags & known, pid };
    const at = this.dmas.findIndex((d) => d.iova > dma.iova);
    this.dmas.splice(at < 0 ? this.dmas.length : at, 0, dma);
    this.dmaAvail--;
    return 0;
  }

  /** models vfio_dma_do_unmap: v2 refuses to split a mapping, v1 removes whole mappings it starts on. */
  private unmap(buf: Uint8Array, pid: number): number {
    if (buf.length < VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE) throw new KernelError('EFAULT');
    const u = decodeDmaUnmap(buf);
    if (u.argsz < VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE || u.flags !== 0) throw new KernelError('EINVAL');
    const mask = PAGE_SIZE_N - 1n;
    if ((u.iova & mask) !== 0n || u.size === 0n || (u.size & mask) !== 0n) throw new KernelError('EINVAL');
    if (u.iova + u.size - 1n > U64_MAX) throw new KernelError('EINVAL');
    if (this.v2) {
      const first = this.findDma(u.iova, 1n);
      if (first && first.iova !== u.iova) throw new KernelError('EINVAL');
      const last = this.findDma(u.iova + u.size - 1n, 1n);
      if (last && last.iova + last.size !== u.iova + u.size) throw new KernelError('EINVAL');
    }
    let unmapped = 0n;
    for (let dma = this.findDma(u.iova, u.size); dma; dma = this.findDma(u.iova, u.size)) {
      if (!this.v2 && u.iova > dma.iova) break;
      // only the address space that mapped a range may unmap it
      if (dma.pid !== pid) break;
      unmapped += dma.size;
      this.remove(dma);
    }
    setU64(buf, 16, unmapped);
    return 0;
  }

  private remove(dma: VfioDma): void {
    this.dmas.splice(this.dmas.indexOf(dma), 1);
    this.dmaAvail++;
  }

  /** models vfio_iommu_type1_release: every mapping goes. */
  release(): void {
    this.dmas.length = 0;
    this.dmaAvail = DMA_ENTRY_LIMIT;
  }
}
