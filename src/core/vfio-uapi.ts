// The VFIO user-space ABI (include/uapi/linux/vfio.h as of Linux 4.20, which QEMU 3.1
// carries in linux-headers/linux/vfio.h; spec vfio-core §1.2, §1.3): ioctl numbers,
// extension ids, flag bits and little-endian codecs for the structs, argsz first.
// Pure values: the twin kernel and the VMM (user space) share them.

/** `VFIO_TYPE` (';') and `VFIO_BASE`. */
export const VFIO_TYPE = 0x3b;
export const VFIO_BASE = 100;

/** `_IO(VFIO_TYPE, VFIO_BASE + n)`: no size or direction is encoded (argsz travels in the struct). */
export function vfioIo(n: number): number {
  return (VFIO_TYPE << 8) | (VFIO_BASE + n);
}

export const VFIO_API_VERSION = 0;

// Container fd (/dev/vfio/vfio)
export const VFIO_GET_API_VERSION = vfioIo(0); // 0x3B64
export const VFIO_CHECK_EXTENSION = vfioIo(1); // 0x3B65, arg = extension id by value
export const VFIO_SET_IOMMU = vfioIo(2); // 0x3B66, arg = iommu type by value
// Group fd (/dev/vfio/N)
export const VFIO_GROUP_GET_STATUS = vfioIo(3); // 0x3B67
export const VFIO_GROUP_SET_CONTAINER = vfioIo(4); // 0x3B68, arg = s32 container fd
export const VFIO_GROUP_UNSET_CONTAINER = vfioIo(5); // 0x3B69
export const VFIO_GROUP_GET_DEVICE_FD = vfioIo(6); // 0x3B6A, arg = device name
// Device fd
export const VFIO_DEVICE_GET_INFO = vfioIo(7); // 0x3B6B
export const VFIO_DEVICE_GET_REGION_INFO = vfioIo(8); // 0x3B6C
export const VFIO_DEVICE_GET_IRQ_INFO = vfioIo(9); // 0x3B6D
export const VFIO_DEVICE_SET_IRQS = vfioIo(10); // 0x3B6E
export const VFIO_DEVICE_RESET = vfioIo(11); // 0x3B6F
// Container fd with a Type1 backend (the same numbers mean other things on a device fd)
export const VFIO_IOMMU_GET_INFO = vfioIo(12); // 0x3B70
export const VFIO_IOMMU_MAP_DMA = vfioIo(13); // 0x3B71
export const VFIO_IOMMU_UNMAP_DMA = vfioIo(14); // 0x3B72

/** Extension and IOMMU type ids (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU). */
export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_SPAPR_TCE_IOMMU = 2;
export const VFIO_TYPE1v2_IOMMU = 3;
export const VFIO_DMA_CC_IOMMU = 4;
export const VFIO_EEH = 5;
export const VFIO_TYPE1_NESTING_IOMMU = 6;
export const VFIO_SPAPR_TCE_v2_IOMMU = 7;
export const VFIO_NOIOMMU_IOMMU = 8;

// struct vfio_group_status.flags
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

// struct vfio_device_info.flags
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0;
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1;
export const VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2;
export const VFIO_DEVICE_FLAGS_AMBA = 1 << 3;
export const VFIO_DEVICE_FLAGS_CCW = 1 << 4;
export const VFIO_DEVICE_FLAGS_AP = 1 << 5;

export const VFIO_DEVICE_API_PCI_STRING = 'vfio-pci';
export const VFIO_DEVICE_API_PLATFORM_STRING = 'vfio-platform';
export const VFIO_DEVICE_API_AMBA_STRING = 'vfio-amba';
export const VFIO_DEVICE_API_CCW_STRING = 'vfio-ccw';
export const VFIO_DEVICE_API_AP_STRING = 'vfio-ap';

// struct vfio_region_info.flags
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0;
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;

// struct vfio_irq_info.flags
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1;
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3;

// struct vfio_irq_set.flags
export const VFIO_IRQ_SET_DATA_NONE = 1 << 0;
export const VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
export const VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
export const VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
export const VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
export const VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;
export const VFIO_IRQ_SET_DATA_TYPE_MASK =
  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD;
export const VFIO_IRQ_SET_ACTION_TYPE_MASK =
  VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER;

// vfio-ap IRQ indexes (vfio.h: enum { VFIO_AP_REQ_IRQ_INDEX, VFIO_AP_CFG_CHG_IRQ_INDEX, VFIO_AP_NUM_IRQS })
export const VFIO_AP_REQ_IRQ_INDEX = 0;
export const VFIO_AP_CFG_CHG_IRQ_INDEX = 1;
export const VFIO_AP_NUM_IRQS = 2;

// struct vfio_iommu_type1_info.flags and vfio_iommu_type1_dma_map.flags
export const VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
export const VFIO_DMA_MAP_FLAG_READ = 1 << 0;
export const VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;

/** VFIO_GROUP_NOTIFY_SET_KVM: the group notifier event vfio_ap (legacy) and GVT register for. */
export const VFIO_GROUP_NOTIFY_SET_KVM = 1 << 0;
/** VFIO_IOMMU_NOTIFY_DMA_UNMAP: the IOMMU notifier event for vendor drivers that pin pages. */
export const VFIO_IOMMU_NOTIFY_DMA_UNMAP = 1 << 0;

// ---- struct sizes (sizeof) = the kernel's minsz for each ioctl ----
export const VFIO_GROUP_STATUS_SIZE = 8;
export const VFIO_DEVICE_INFO_SIZE = 16;
export const VFIO_REGION_INFO_SIZE = 32;
export const VFIO_IRQ_INFO_SIZE = 16;
export const VFIO_IRQ_SET_HEADER_SIZE = 20;
export const VFIO_IOMMU_TYPE1_INFO_SIZE = 16;
export const VFIO_IOMMU_TYPE1_DMA_MAP_SIZE = 32;
export const VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE = 24;

// ---- little-endian field access ----

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads a u32 at off, or 0 when the buffer is too short (a short struct reads as zeros). */
export function getU32(buf: Uint8Array, off: number): number {
  return off + 4 <= buf.byteLength ? view(buf).getUint32(off, true) : 0;
}

export function getS32(buf: Uint8Array, off: number): number {
  return off + 4 <= buf.byteLength ? view(buf).getInt32(off, true) : 0;
}

export function getU64(buf: Uint8Array, off: number): bigint {
  return off + 8 <= buf.byteLength ? view(buf).getBigUint64(off, true) : 0n;
}

/** Writes a u32 at off when it fits in the buffer (copy_to_user of a field). */
export function setU32(buf: Uint8Array, off: number, value: number): void {
  if (off + 4 <= buf.byteLength) view(buf).setUint32(off, value >>> 0, true);
}

export function setS32(buf: Uint8Array, off: number, value: number): void {
  if (off + 4 <= buf.byteLength) view(buf).setInt32(off, value | 0, true);
}

export function setU64(buf: Uint8Array, off: number, value: bigint): void {
  if (off + 8 <= buf.byteLength) view(buf).setBigUint64(off, BigInt.asUintN(64, value), true);
}

/** The argsz every VFIO struct carries first. */
export function argszOf(buf: Uint8Array): number {
  return getU32(buf, 0);
}

// ---- struct vfio_group_status { u32 argsz; u32 flags; } ----

export interface VfioGroupStatus {
  argsz: number;
  flags: number;
}

export function encodeGroupStatus(s: Partial<VfioGroupStatus> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_GROUP_STATUS_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_GROUP_STATUS_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  return buf;
}

export function decodeGroupStatus(buf: Uint8Array): VfioGroupStatus {
  return { argsz: getU32(buf, 0), flags: getU32(buf, 4) };
}

// ---- struct vfio_device_info { u32 argsz, flags, num_regions, num_irqs; } ----

export interface VfioDeviceInfo {
  argsz: number;
  flags: number;
  num_regions: number;
  num_irqs: number;
}

export function encodeDeviceInfo(s: Partial<VfioDeviceInfo> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_DEVICE_INFO_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_DEVICE_INFO_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU32(buf, 8, s.num_regions ?? 0);
  setU32(buf, 12, s.num_irqs ?? 0);
  return buf;
}

export function decodeDeviceInfo(buf: Uint8Array): VfioDeviceInfo {
  return { argsz: getU32(buf, 0), flags: getU32(buf, 4), num_regions: getU32(buf, 8), num_irqs: getU32(buf, 12) };
}

// ---- struct vfio_region_info { u32 argsz, flags, index, cap_offset; u64 size, offset; } ----

export interface VfioRegionInfo {
  argsz: number;
  flags: number;
  index: number;
  cap_offset: number;
  size: bigint;
  offset: bigint;
}

export function encodeRegionInfo(s: Partial<VfioRegionInfo> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_REGION_INFO_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_REGION_INFO_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU32(buf, 8, s.index ?? 0);
  setU32(buf, 12, s.cap_offset ?? 0);
  setU64(buf, 16, s.size ?? 0n);
  setU64(buf, 24, s.offset ?? 0n);
  return buf;
}

export function decodeRegionInfo(buf: Uint8Array): VfioRegionInfo {
  return {
    argsz: getU32(buf, 0),
    flags: getU32(buf, 4),
    index: getU32(buf, 8),
    cap_offset: getU32(buf, 12),
    size: getU64(buf, 16),
    offset: getU64(buf, 24),
  };
}

// ---- struct vfio_irq_info { u32 argsz, flags, index, count; } ----

export interface VfioIrqInfo {
  argsz: number;
  flags: number;
  index: number;
  count: number;
}

export function encodeIrqInfo(s: Partial<VfioIrqInfo> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_IRQ_INFO_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_IRQ_INFO_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU32(buf, 8, s.index ?? 0);
  setU32(buf, 12, s.count ?? 0);
  return buf;
}

export function decodeIrqInfo(buf: Uint8Array): VfioIrqInfo {
  return { argsz: getU32(buf, 0), flags: getU32(buf, 4), index: getU32(buf, 8), count: getU32(buf, 12) };
}

// ---- struct vfio_irq_set { u32 argsz, flags, index, start, count; u8 data[]; } ----

export interface VfioIrqSet {
  argsz: number;
  flags: number;
  index: number;
  start: number;
  count: number;
  /** The raw payload after the 20-byte header. */
  data: Uint8Array;
}

/** Builds a vfio_irq_set; argsz defaults to the header plus the payload. */
export function encodeIrqSet(s: Partial<VfioIrqSet> & { data?: Uint8Array } = {}): Uint8Array {
  const data = s.data ?? new Uint8Array(0);
  const buf = new Uint8Array(VFIO_IRQ_SET_HEADER_SIZE + data.length);
  setU32(buf, 0, s.argsz ?? buf.length);
  setU32(buf, 4, s.flags ?? 0);
  setU32(buf, 8, s.index ?? 0);
  setU32(buf, 12, s.start ?? 0);
  setU32(buf, 16, s.count ?? 0);
  buf.set(data, VFIO_IRQ_SET_HEADER_SIZE);
  return buf;
}

export function decodeIrqSet(buf: Uint8Array): VfioIrqSet {
  return {
    argsz: getU32(buf, 0),
    flags: getU32(buf, 4),
    index: getU32(buf, 8),
    start: getU32(buf, 12),
    count: getU32(buf, 16),
    data: buf.subarray(Math.min(VFIO_IRQ_SET_HEADER_SIZE, buf.length)),
  };
}

/** The s32 eventfd payload of a DATA_EVENTFD vfio_irq_set. */
export function encodeS32s(values: readonly number[]): Uint8Array {
  const buf = new Uint8Array(4 * values.length);
  values.forEach((v, i) => setS32(buf, 4 * i, v));
  return buf;
}

export function decodeS32s(data: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(getS32(data, 4 * i));
  return out;
}

/** A DATA_EVENTFD|ACTION_TRIGGER vfio_irq_set binding fds[i] to sub-index start+i (fd −1 de-assigns). */
export function encodeIrqSetEventfds(index: number, fds: readonly number[], start = 0): Uint8Array {
  return encodeIrqSet({
    flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
    index,
    start,
    count: fds.length,
    data: encodeS32s(fds),
  });
}

// ---- struct vfio_iommu_type1_info { u32 argsz, flags; u64 iova_pgsizes; } ----

export interface VfioIommuType1Info {
  argsz: number;
  flags: number;
  iova_pgsizes: bigint;
}

export function encodeIommuType1Info(s: Partial<VfioIommuType1Info> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_IOMMU_TYPE1_INFO_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_IOMMU_TYPE1_INFO_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU64(buf, 8, s.iova_pgsizes ?? 0n);
  return buf;
}

export function decodeIommuType1Info(buf: Uint8Array): VfioIommuType1Info {
  return { argsz: getU32(buf, 0), flags: getU32(buf, 4), iova_pgsizes: getU64(buf, 8) };
}

// ---- struct vfio_iommu_type1_dma_map { u32 argsz, flags; u64 vaddr, iova, size; } ----

export interface VfioIommuType1DmaMap {
  argsz: number;
  flags: number;
  vaddr: bigint;
  iova: bigint;
  size: bigint;
}

export function encodeDmaMap(s: Partial<VfioIommuType1DmaMap> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_IOMMU_TYPE1_DMA_MAP_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_IOMMU_TYPE1_DMA_MAP_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU64(buf, 8, s.vaddr ?? 0n);
  setU64(buf, 16, s.iova ?? 0n);
  setU64(buf, 24, s.size ?? 0n);
  return buf;
}

export function decodeDmaMap(buf: Uint8Array): VfioIommuType1DmaMap {
  return {
    argsz: getU32(buf, 0),
    flags: getU32(buf, 4),
    vaddr: getU64(buf, 8),
    iova: getU64(buf, 16),
    size: getU64(buf, 24),
  };
}

// ---- struct vfio_iommu_type1_dma_unmap { u32 argsz, flags; u64 iova, size; } ----

export interface VfioIommuType1DmaUnmap {
  argsz: number;
  flags: number;
  iova: bigint;
  /** In: the range to unmap. Out: the bytes actually unmapped. */
  size: bigint;
}

export function encodeDmaUnmap(s: Partial<VfioIommuType1DmaUnmap> = {}): Uint8Array {
  const buf = new Uint8Array(VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE);
  setU32(buf, 0, s.argsz ?? VFIO_IOMMU_TYPE1_DMA_UNMAP_SIZE);
  setU32(buf, 4, s.flags ?? 0);
  setU64(buf, 8, s.iova ?? 0n);
  setU64(buf, 16, s.size ?? 0n);
  return buf;
}

export function decodeDmaUnmap(buf: Uint8Array): VfioIommuType1DmaUnmap {
  return { argsz: getU32(buf, 0), flags: getU32(buf, 4), iova: getU64(buf, 8), size: getU64(buf, 16) };
}

/** The s32 container fd argument of VFIO_GROUP_SET_CONTAINER, as QEMU passes `&container->fd`. */
export function encodeS32(value: number): Uint8Array {
  return encodeS32s([value]);
}
