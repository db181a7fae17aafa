// The sPAPR TCE IOMMU back-end (drivers/vfio/vfio_iommu_spapr_tce.c; spec vfio-core §1.9)
// on PowerNV IODA2 PEs: v2 pre-registers memory and creates and removes DMA windows
// itself; v1 enables the container, uses the default window and takes one group. IOVAs are
// bus addresses inside a window; each window is a TCE table shared by the container's groups.

import { KernelError } from '../../core/errno.js';
import {
  SPAPR_REGISTER_MEMORY_SIZE,
  SPAPR_TCE_CREATE_SIZE,
  SPAPR_TCE_INFO_MINSZ,
  SPAPR_TCE_INFO_SIZE,
  SPAPR_TCE_REMOVE_SIZE,
  VFIO_EEH_PE_OP,
  VFIO_IOMMU_DISABLE,
  VFIO_IOMMU_ENABLE,
  VFIO_IOMMU_SPAPR_INFO_DDW,
  VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
  VFIO_IOMMU_SPAPR_TCE_CREATE,
  VFIO_IOMMU_SPAPR_TCE_GET_INFO,
  VFIO_IOMMU_SPAPR_TCE_REMOVE,
  VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
} from '../../core/vfio-spapr-uapi.js';
import {
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_EEH,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_TYPE1_DMA_MAP_SIZE,
  VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_SPAPR_TCE_IOMMU,
  VFIO_SPAPR_TCE_v2_IOMMU,
  argszOf,
  decodeDmaMap,
  decodeDmaUnmap,
  getU32,
  getU64,
  setU32,
  setU64,
} from '../../core/vfio-uapi.js';
import type { EehPe } from '../eeh/eeh-pe.js';
import { vfioEehPeOp } from '../eeh/vfio-eeh-pe-op.js';
import type { IoctlArg } from '../syscall-surface.js';
import { IOMMU_TABLE_GROUP_MAX_TABLES, TCE64_BUS_OFFSET, type SpaprTableGroup } from './spapr-table-group.js';
import type { VfioIommuBackend } from './vfio-iommu-driver.js';
import type { VfioGroup } from './vfio-group.js';
import { structArg } from './vfio-iommu-type1.js';

/** PAGE_SIZE of a ppc64 kernel (64K pages): pre-registered memory is counted in them. */
export const PPC64_PAGE_SIZE = 0x10000n;

/** What iommu_group_get_iommudata gives the back-end for a PowerNV PE. */
export interface SpaprIommuData {
  readonly tableGroup: SpaprTableGroup;
  readonly pe: EehPe;
}

/** One TCE table (struct iommu_table): its window in entries and the entries set. */
interface TceTable {
  /** it_offset: the first entry's bus page number. */
  offset: bigint;
  pageShift: number;
  /** it_size in entries. */
  size: bigint;
  levels: number;
  /** entry → the user address it maps and the DMA_MAP flags. */
  tces: Map<bigint, { ua: bigint; flags: number }>;
}

export interface SpaprTceSnapshot {
  v2: boolean;
  enabled: boolean;
  defWindowPending: boolean;
  pid: number | null;
  groups: number[];
  tables: ({ offset: string; pageShift: number; size: string; levels: number; tces: [string, string, number][] } | null)[];
  prereg: { vaddr: string; size: string }[];
}

function iommuData(group: VfioGroup): SpaprIommuData | undefined {
  return group.iommuGroup.iommuData as SpaprIommuData | undefined;
}

export class VfioIommuSpaprTce implements VfioIommuBackend {
  enabled = false;
  defWindowPending = false;
  /** container->mm, as the owning task's pid. */
  pid: number | undefined;
  readonly groups: VfioGroup[] = [];
  readonly tables: (TceTable | undefined)[] = new Array<TceTable | undefined>(IOMMU_TABLE_GROUP_MAX_TABLES).fill(undefined);
  readonly prereg: { vaddr: bigint; size: bigint }[] = [];

  constructor(
    readonly v2: boolean,
    private readonly eehEnabled: () => boolean,
  ) {}

  get type(): number {
    return this.v2 ? VFIO_SPAPR_TCE_v2_IOMMU : VFIO_SPAPR_TCE_IOMMU;
  }

  /** models tce_iommu_ioctl(container, VFIO_CHECK_EXTENSION): both sPAPR types, and EEH while the platform has it. */
  checkExtension(ext: number): number {
    if (ext === VFIO_SPAPR_TCE_IOMMU || ext === VFIO_SPAPR_TCE_v2_IOMMU) return 1;
    if (ext === VFIO_EEH) return this.eehEnabled() ? 1 : 0;
    return 0;
  }

  private firstTableGroup(errno: 'ENXIO' | 'ENODEV'): SpaprTableGroup {
    const g = this.groups[0];
    const data = g && iommuData(g);
    if (!data) throw new KernelError(errno);
    return data.tableGroup;
  }

  /** models tce_iommu_mm_set: the first user's mm owns the container. */
  private mmSet(pid: number): void {
    if (this.pid !== undefined && this.pid !== pid) throw new KernelError('EPERM');
    this.pid = pid;
  }

  /** models tce_iommu_ioctl. */
  ioctl(request: number, arg: IoctlArg, pid: number): number {
    if (this.pid !== undefined && this.pid !== pid) throw new KernelError('EPERM');
    switch (request) {
      case VFIO_IOMMU_SPAPR_TCE_GET_INFO:
        return this.getInfo(arg);
      case VFIO_IOMMU_MAP_DMA:
        return this.map(arg);
      case VFIO_IOMMU_UNMAP_DMA:
        return this.unmap(arg);
      case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:
        if (!this.v2) break;
        this.mmSet(pid);
        return this.registerMemory(arg, true);
      case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY:
        if (!this.v2) break;
        if (this.pid === undefined) throw new KernelError('EPERM');
        return this.registerMemory(arg, false);
      case VFIO_IOMMU_ENABLE:
        if (this.v2) break;
        return this.enable(pid);
      case VFIO_IOMMU_DISABLE:
        if (this.v2) break;
        this.enabled = false;
        return 0;
      case VFIO_EEH_PE_OP:
        for (const g of this.groups) {
          const r = vfioEehPeOp(iommuData(g)?.pe, arg);
          if (r) return r;
        }
        return 0;
      case VFIO_IOMMU_SPAPR_TCE_CREATE:
        if (!this.v2) break;
        return this.create(arg, pid);
      case VFIO_IOMMU_SPAPR_TCE_REMOVE:
        if (!this.v2) break;
        return this.remove(arg, pid);
    }
    throw new KernelError('ENOTTY');
  }

  private getInfo(arg: IoctlArg): number {
    const tg = this.firstTableGroup('ENXIO');
    const buf = structArg(arg);
    if (buf.length < SPAPR_TCE_INFO_MINSZ) throw new KernelError('EFAULT');
    const argsz = argszOf(buf);
    if (argsz < SPAPR_TCE_INFO_MINSZ) throw new KernelError('EINVAL');
    const ddw = this.v2 && tg.maxDynamicWindowsSupported > 0;
    setU32(buf, 4, ddw ? VFIO_IOMMU_SPAPR_INFO_DDW : 0);
    setU32(buf, 8, tg.tce32Start);
    setU32(buf, 12, tg.tce32Size);
    if (argsz >= SPAPR_TCE_INFO_SIZE) {
      setU64(buf, 16, ddw ? tg.pgsizes : 0n);
      setU32(buf, 24, ddw ? tg.maxDynamicWindowsSupported : 0);
      setU32(buf, 28, ddw ? tg.maxLevels : 0);
    }
    return 0;
  }

  /** models tce_iommu_enable (v1): ENODEV without a group, EBUSY when enabled, EPERM without a 32-bit window. */
  private enable(pid: number): number {
    if (this.enabled) throw new KernelError('EBUSY');
    const tg = this.firstTableGroup('ENODEV');
    if (!tg.tce32Size) throw new KernelError('EPERM');
    this.mmSet(pid);
    this.enabled = true;
    return 0;
  }

  /** models tce_iommu_find_table. */
  private findTable(ioba: bigint): TceTable | undefined {
    return this.tables.find((t) => t !== undefined && (ioba >> BigInt(t.pageShift)) >= t.offset && (ioba >> BigInt(t.pageShift)) < t.offset + t.size);
  }

  /** models tce_iommu_create_default_window: the 4K window over tce32 that v2 attach left pending. */
  private createDefaultWindow(): void {
    if (!this.defWindowPending) return;
    const tg = this.firstTableGroup('ENODEV');
    this.createWindow(12, BigInt(tg.tce32Size), 1);
    this.defWindowPending = false;
  }

  /** models tce_iommu_create_window + pnv_pci_ioda2_create_table: returns the window's bus address. */
  private createWindow(pageShift: number, windowSize: bigint, levels: number): bigint {
    const num = this.tables.findIndex((t) => t === undefined);
    if (num < 0) throw new KernelError('ENOSPC');
    const tg = this.firstTableGroup('ENODEV');
    if (pageShift >= 64 || (tg.pgsizes & (1n << BigInt(pageShift))) === 0n) throw new KernelError('EINVAL');
    // pnv_pci_ioda2_get_table_size: 0 (EINVAL) for bad levels or a window that is not a power of two
    if (!levels || levels > tg.maxLevels || windowSize === 0n || (windowSize & (windowSize - 1n)) !== 0n) throw new KernelError('EINVAL');
    if (windowSize < 1n << BigInt(pageShift)) throw new KernelError('EINVAL');
    const bus = num === 0 ? BigInt(tg.tce32Start) : TCE64_BUS_OFFSET;
    this.tables[num] = { offset: bus >> BigInt(pageShift), pageShift, size: windowSize >> BigInt(pageShift), levels, tces: new Map() };
    return bus;
  }

  private create(arg: IoctlArg, pid: number): number {
    this.mmSet(pid);
    if (this.groups.length === 0) throw new KernelError('ENXIO');
    const buf = structArg(arg);
    if (buf.length < SPAPR_TCE_CREATE_SIZE) throw new KernelError('EFAULT');
    if (argszOf(buf) < SPAPR_TCE_CREATE_SIZE) throw new KernelError('EINVAL');
    if (getU32(buf, 4) !== 0) throw new KernelError('EINVAL');
    this.createDefaultWindow();
    const start = this.createWindow(getU32(buf, 8), getU64(buf, 16), getU32(buf, 24));
    setU64(buf, 32, start);
    return 0;
  }

  private remove(arg: IoctlArg, pid: number): number {
    this.mmSet(pid);
    if (this.groups.length === 0) throw new KernelError('ENXIO');
    const buf = structArg(arg);
    if (buf.length < SPAPR_TCE_REMOVE_SIZE) throw new KernelError('EFAULT');
    if (argszOf(buf) < SPAPR_TCE_REMOVE_SIZE) throw new KernelError('EINVAL');
    if (getU32(buf, 4) !== 0) throw new KernelError('EINVAL');
    const start = getU64(buf, 8);
    if (this.defWindowPending && start === 0n) {
      this.defWindowPending = false;
      return 0;
    }
    const t = this.findTable(start);
    if (!t) throw new KernelError('EINVAL');
    this.tables[this.tables.indexOf(t)] = undefined;
    return 0;
  }

  /** models tce_iommu_register_pages / tce_iommu_unregister_pages (64K pages, exact regions). */
  private registerMemory(arg: IoctlArg, register: boolean): number {
    const buf = structArg(arg);
    if (buf.length < SPAPR_REGISTER_MEMORY_SIZE) throw new KernelError('EFAULT');
    if (argszOf(buf) < SPAPR_REGISTER_MEMORY_SIZE) throw new KernelError('EINVAL');
    if (getU32(buf, 4) !== 0) throw new KernelError('EINVAL');
    const vaddr = getU64(buf, 8);
    const size = getU64(buf, 16);
    const mask = PPC64_PAGE_SIZE - 1n;
    if ((vaddr & mask) !== 0n || (size & mask) !== 0n) throw new KernelError('EINVAL');
    const same = this.prereg.find((r) => r.vaddr === vaddr && r.size === size);
    if (register) {
      if (vaddr + size >= 1n << 64n) throw new KernelError('EINVAL');
      if (same) throw new KernelError('EBUSY');
      // mm_iommu_do_alloc: a region overlapping another one is refused
      if (this.prereg.some((r) => r.vaddr < vaddr + size && vaddr < r.vaddr + r.size)) throw new KernelError('EINVAL');
      this.prereg.push({ vaddr, size });
      this.enabled = true;
      return 0;
    }
    if (!same) throw new KernelError('ENOENT');
    // mm_iommu_put: a region with TCEs still pointing into it is busy
    for (const t of this.tables) for (const e of t?.tces.values() ?? []) if (e.ua >= vaddr && e.ua < vaddr + size) throw new KernelError('EBUSY');
    this.prereg.splice(this.prereg.indexOf(same), 1);
    return 0;
  }

  /** models VFIO_IOMMU_MAP_DMA: EPERM before ENABLE/registration, ENXIO outside every window, EINVAL for alignment. */
  private map(arg: IoctlArg): number {
    if (!this.enabled) throw new KernelError('EPERM');
    const buf = structArg(arg);
    if (buf.length < VFIO_IOMMU_TYPE1_DMA_MAP_SIZE) throw new KernelError('EFAULT');
    const m = decodeDmaMap(buf);
    if (m.argsz < VFIO_IOMMU_TYPE1_DMA_MAP_SIZE) throw new KernelError('EINVAL');
    const known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    if ((m.flags & ~known) !== 0) throw new KernelError('EINVAL');
    this.createDefaultWindow();
    const t = this.findTable(m.iova);
    if (!t) throw new KernelError('ENXIO');
    const page = 1n << BigInt(t.pageShift);
    if ((m.size & (page - 1n)) !== 0n || (m.vaddr & (page - 1n)) !== 0n) throw new KernelError('EINVAL');
    if ((m.flags & known) === 0) throw new KernelError('EINVAL');
    // iommu_tce_put_param_check: the first page must be aligned and inside the window
    if ((m.iova & (page - 1n)) !== 0n) throw new KernelError('EINVAL');
    const first = m.iova >> BigInt(t.pageShift);
    const pages = m.size >> BigInt(t.pageShift);
    const done: bigint[] = [];
    for (let i = 0n; i < pages; i++) {
      const ua = m.vaddr + i * page;
      const fail = first + i >= t.offset + t.size || (this.v2 && !this.prereg.some((r) => ua >= r.vaddr && ua + page <= r.vaddr + r.size));
      if (fail) {
        // tce_iommu_clear of what this call built
        for (const e of done) t.tces.delete(e);
        throw new KernelError('EINVAL');
      }
      t.tces.set(first + i, { ua, flags: m.flags & known });
      done.push(first + i);
    }
    return 0;
  }

  /** models VFIO_IOMMU_UNMAP_DMA: the whole range must lie in one window; nothing is reported back. */
  private unmap(arg: IoctlArg): number {
    if (!this.enabled) throw new KernelError('EPERM');
    const buf = structArg(arg);
    if (buf.length < VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE) throw new KernelError('EFAULT');
    const u = decodeDmaUnmap(buf);
    if (u.argsz < VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE || u.flags !== 0) throw new KernelError('EINVAL');
    this.createDefaultWindow();
    const t = this.findTable(u.iova);
    if (!t) throw new KernelError('ENXIO');
    const page = 1n << BigInt(t.pageShift);
    if ((u.size & (page - 1n)) !== 0n || (u.iova & (page - 1n)) !== 0n) throw new KernelError('EINVAL');
    const first = u.iova >> BigInt(t.pageShift);
    const pages = u.size >> BigInt(t.pageShift);
    if (first + pages > t.offset + t.size) throw new KernelError('EINVAL');
    for (let i = 0n; i < pages; i++) t.tces.delete(first + i);
    return 0;
  }

  /**
   * models tce_iommu_attach_group on an IODA2 PE: v2 needs dynamic windows (EINVAL), v1
   * reuses the PE's tables and takes one group only (EBUSY), a group attaches once (EBUSY).
   * (Linux 6.4-6.8 refused v1 on IODA2 with EPERM; 4.19 and 6.9+ behave as modelled.)
   */
  attachGroup(group: VfioGroup): void {
    const data = iommuData(group);
    if (!data) throw new KernelError('ENODEV');
    if (this.v2 && data.tableGroup.maxDynamicWindowsSupported === 0) throw new KernelError('EINVAL');
    if (!this.v2 && this.groups.length > 0) throw new KernelError('EBUSY');
    if (this.groups.includes(group)) throw new KernelError('EBUSY');
    if (this.groups.length === 0 && !this.tables[0]) this.defWindowPending = true;
    this.groups.push(group);
  }

  detachGroup(group: VfioGroup): void {
    const i = this.groups.indexOf(group);
    if (i >= 0) this.groups.splice(i, 1);
  }

  /** models tce_iommu_release: tables, registrations and the enable go. */
  release(): void {
    this.groups.length = 0;
    this.tables.fill(undefined);
    this.prereg.length = 0;
    this.enabled = false;
  }

  snapshot(): SpaprTceSnapshot {
    return {
      v2: this.v2,
      enabled: this.enabled,
      defWindowPending: this.defWindowPending,
      pid: this.pid ?? null,
      groups: this.groups.map((g) => g.id),
      tables: this.tables.map((t) =>
        t ? { offset: t.offset.toString(), pageShift: t.pageShift, size: t.size.toString(), levels: t.levels, tces: [...t.tces].map(([e, v]): [string, string, number] => [e.toString(), v.ua.toString(), v.flags]) } : null,
      ),
      prereg: this.prereg.map((r) => ({ vaddr: r.vaddr.toString(), size: r.size.toString() })),
    };
  }

  restoreFrom(s: SpaprTceSnapshot, group: (id: number) => VfioGroup | undefined): void {
    this.enabled = s.enabled;
    this.defWindowPending = s.defWindowPending;
    this.pid = s.pid ?? undefined;
    for (const id of s.groups) {
      const g = group(id);
      if (g) this.groups.push(g);
    }
    s.tables.forEach((t, i) => {
      this.tables[i] = t
        ? { offset: BigInt(t.offset), pageShift: t.pageShift, size: BigInt(t.size), levels: t.levels, tces: new Map(t.tces.map(([e, ua, flags]) => [BigInt(e), { ua: BigInt(ua), flags }])) }
        : undefined;
    });
    for (const r of s.prereg) this.prereg.push({ vaddr: BigInt(r.vaddr), size: BigInt(r.size) });
  }
}
