// The sPAPR half of the VFIO user-space ABI (include/uapi/linux/vfio.h; spec vfio-core
// §1.2, §1.3, §5): the TCE IOMMU ioctls and structs, VFIO_EEH_PE_OP with its op codes and
// PE states, and the vfio-pci region and IRQ indexes. Pure values shared by kernel and VMM.

import { argszOf, getU32, getU64, setU32, setU64, vfioIo } from './vfio-uapi.js';

/** A little-endian u32 at off, 0 past the end (the hot EEH path avoids a DataView per field). */
function rd32(b: Uint8Array, off: number): number {
  return off + 4 <= b.length ? (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0 : 0;
}

function wr32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

export const VFIO_IOMMU_SPAPR_TCE_GET_INFO = vfioIo(12); // 0x3B70
export const VFIO_IOMMU_ENABLE = vfioIo(15); // 0x3B73
export const VFIO_IOMMU_DISABLE = vfioIo(16); // 0x3B74
export const VFIO_IOMMU_SPAPR_REGISTER_MEMORY = vfioIo(17); // 0x3B75
export const VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY = vfioIo(18); // 0x3B76
export const VFIO_IOMMU_SPAPR_TCE_CREATE = vfioIo(19); // 0x3B77
export const VFIO_IOMMU_SPAPR_TCE_REMOVE = vfioIo(20); // 0x3B78
export const VFIO_EEH_PE_OP = vfioIo(21); // 0x3B79

/** vfio_iommu_spapr_tce_info.flags: dynamic DMA windows are supported. */
export const VFIO_IOMMU_SPAPR_INFO_DDW = 1 << 0;
/** offsetofend(vfio_iommu_spapr_tce_info, dma32_window_size) and the full struct with ddw. */
export const SPAPR_TCE_INFO_MINSZ = 16;
export const SPAPR_TCE_INFO_SIZE = 32;
/** struct vfio_iommu_spapr_register_memory { argsz, flags, u64 vaddr, u64 size }. */
export const SPAPR_REGISTER_MEMORY_SIZE = 24;
/** struct vfio_iommu_spapr_tce_create { argsz, flags, u32 page_shift, u32 __resv1, u64 window_size, u32 levels, u32 __resv2, u64 start_addr }. */
export const SPAPR_TCE_CREATE_SIZE = 40;
/** struct vfio_iommu_spapr_tce_remove { argsz, flags, u64 start_addr }. */
export const SPAPR_TCE_REMOVE_SIZE = 16;

/** VFIO_EEH_PE_OP op codes. */
export const EEH_PE_OPS = [
  'DISABLE',
  'ENABLE',
  'UNFREEZE_IO',
  'UNFREEZE_DMA',
  'GET_STATE',
  'RESET_DEACTIVATE',
  'RESET_HOT',
  'RESET_FUNDAMENTAL',
  'CONFIGURE',
  'INJECT_ERR',
] as const;
export type EehPeOpName = (typeof EEH_PE_OPS)[number];
export const VFIO_EEH_PE_DISABLE = 0;
export const VFIO_EEH_PE_ENABLE = 1;
export const VFIO_EEH_PE_UNFREEZE_IO = 2;
export const VFIO_EEH_PE_UNFREEZE_DMA = 3;
export const VFIO_EEH_PE_GET_STATE = 4;
export const VFIO_EEH_PE_RESET_DEACTIVATE = 5;
export const VFIO_EEH_PE_RESET_HOT = 6;
export const VFIO_EEH_PE_RESET_FUNDAMENTAL = 7;
export const VFIO_EEH_PE_CONFIGURE = 8;
export const VFIO_EEH_PE_INJECT_ERR = 9;

/** VFIO_EEH_PE_GET_STATE results (= the kernel's EEH_PE_STATE_*). */
export const EEH_PE_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'EEH_PE_STATE_NORMAL',
  1: 'EEH_PE_STATE_RESET',
  2: 'EEH_PE_STATE_STOPPED_IO_DMA',
  4: 'EEH_PE_STATE_STOPPED_DMA',
  5: 'EEH_PE_STATE_UNAVAIL',
};

/** offsetofend(vfio_eeh_pe_op, op) and offsetofend(vfio_eeh_pe_op, err.mask). */
export const EEH_PE_OP_MINSZ = 12;
export const EEH_PE_OP_SIZE = 40;

export interface EehPeOp {
  argsz: number;
  flags: number;
  op: number;
  err: { type: number; func: number; addr: bigint; mask: bigint };
}

export function encodeEehPeOp(op: number, err?: Partial<EehPeOp['err']>, argsz = EEH_PE_OP_SIZE, flags = 0): Uint8Array {
  const b = new Uint8Array(EEH_PE_OP_SIZE);
  wr32(b, 0, argsz);
  wr32(b, 4, flags);
  wr32(b, 8, op);
  if (err) {
    wr32(b, 16, err.type ?? 0);
    wr32(b, 20, err.func ?? 0);
    setU64(b, 24, err.addr ?? 0n);
    setU64(b, 32, err.mask ?? 0n);
  }
  return b;
}

/** The fields every op reads (argsz, flags, op); decodeEehPeOp adds the error for INJECT_ERR. */
export function decodeEehPeOpHeader(b: Uint8Array): Pick<EehPeOp, 'argsz' | 'flags' | 'op'> {
  return { argsz: rd32(b, 0), flags: rd32(b, 4), op: rd32(b, 8) };
}

export function decodeEehPeOp(b: Uint8Array): EehPeOp {
  return {
    argsz: rd32(b, 0),
    flags: rd32(b, 4),
    op: rd32(b, 8),
    err: { type: rd32(b, 16), func: rd32(b, 20), addr: getU64(b, 24), mask: getU64(b, 32) },
  };
}

export interface SpaprTceInfo {
  argsz: number;
  flags: number;
  dma32WindowStart: number;
  dma32WindowSize: number;
  ddw: { pgsizes: bigint; maxDynamicWindowsSupported: number; levels: number };
}

export function encodeSpaprTceInfo(argsz = SPAPR_TCE_INFO_SIZE): Uint8Array {
  const b = new Uint8Array(SPAPR_TCE_INFO_SIZE);
  setU32(b, 0, argsz);
  return b;
}

export function decodeSpaprTceInfo(b: Uint8Array): SpaprTceInfo {
  return {
    argsz: argszOf(b),
    flags: getU32(b, 4),
    dma32WindowStart: getU32(b, 8),
    dma32WindowSize: getU32(b, 12),
    ddw: { pgsizes: getU64(b, 16), maxDynamicWindowsSupported: getU32(b, 24), levels: getU32(b, 28) },
  };
}

export function encodeRegisterMemory(vaddr: bigint, size: bigint, flags = 0, argsz = SPAPR_REGISTER_MEMORY_SIZE): Uint8Array {
  const b = new Uint8Array(SPAPR_REGISTER_MEMORY_SIZE);
  setU32(b, 0, argsz);
  setU32(b, 4, flags);
  setU64(b, 8, vaddr);
  setU64(b, 16, size);
  return b;
}

export function encodeTceCreate(pageShift: number, windowSize: bigint, levels: number, flags = 0, argsz = SPAPR_TCE_CREATE_SIZE): Uint8Array {
  const b = new Uint8Array(SPAPR_TCE_CREATE_SIZE);
  setU32(b, 0, argsz);
  setU32(b, 4, flags);
  setU32(b, 8, pageShift);
  setU64(b, 16, windowSize);
  setU32(b, 24, levels);
  return b;
}

export function encodeTceRemove(startAddr: bigint, flags = 0, argsz = SPAPR_TCE_REMOVE_SIZE): Uint8Array {
  const b = new Uint8Array(SPAPR_TCE_REMOVE_SIZE);
  setU32(b, 0, argsz);
  setU32(b, 4, flags);
  setU64(b, 8, startAddr);
  return b;
}

/** vfio-pci's fixed region and IRQ indexes (ABI). */
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_ROM_REGION_INDEX = 6;
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
export const VFIO_PCI_VGA_REGION_INDEX = 8;
export const VFIO_PCI_NUM_REGIONS = 9;
export const VFIO_PCI_INTX_IRQ_INDEX = 0;
export const VFIO_PCI_MSI_IRQ_INDEX = 1;
export const VFIO_PCI_MSIX_IRQ_INDEX = 2;
export const VFIO_PCI_ERR_IRQ_INDEX = 3;
export const VFIO_PCI_REQ_IRQ_INDEX = 4;
export const VFIO_PCI_NUM_IRQS = 5;
/** VFIO_PCI_OFFSET_SHIFT: the region index in the device fd's file offset. */
export const VFIO_PCI_OFFSET_SHIFT = 40n;

export function vfioPciRegionOffset(index: number): bigint {
  return BigInt(index) << VFIO_PCI_OFFSET_SHIFT;
}
