// The three info ioctls every VFIO device driver answers the same way (vfio_pci_ioctl_get_info,
// vfio_pci_ioctl_get_region_info, vfio_pci_ioctl_get_irq_info; vfio_platform_ioctl): copy
// minsz bytes in (EFAULT), refuse argsz < minsz and an index past the device's (EINVAL),
// then fill the fixed fields in place. No capability chain is offered (cap_offset 0).

import { KernelError } from '../../core/errno.js';
import { VFIO_DEVICE_INFO_SIZE, VFIO_IRQ_INFO_SIZE, VFIO_REGION_INFO_SIZE, argszOf, getU32, setU32, setU64 } from '../../core/vfio-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { structArg } from './vfio-iommu-type1.js';

export interface DeviceInfo {
  flags: number;
  numRegions: number;
  numIrqs: number;
}

export interface RegionInfo {
  flags: number;
  size: number;
  /** The region's file offset (VFIO_PCI_INDEX_TO_OFFSET and its platform twin). */
  offset: bigint;
}

export interface IrqInfo {
  flags: number;
  count: number;
}

/** models copy_from_user(minsz) then `info.argsz < minsz`, the opening of each handler. */
function infoArg(arg: IoctlArg, minsz: number): Uint8Array {
  const buf = structArg(arg, minsz);
  if (argszOf(buf) < minsz) throw new KernelError('EINVAL');
  return buf;
}

function indexIn(buf: Uint8Array, count: number): number {
  const index = getU32(buf, 8);
  if (index >= count) throw new KernelError('EINVAL');
  return index;
}

/** VFIO_DEVICE_GET_INFO: struct vfio_device_info's flags, num_regions and num_irqs. */
export function getDeviceInfo(arg: IoctlArg, info: DeviceInfo): number {
  const buf = infoArg(arg, VFIO_DEVICE_INFO_SIZE);
  setU32(buf, 4, info.flags);
  setU32(buf, 8, info.numRegions);
  setU32(buf, 12, info.numIrqs);
  return 0;
}

/** VFIO_DEVICE_GET_REGION_INFO of one of `numRegions` regions. */
export function getRegionInfo(arg: IoctlArg, numRegions: number, region: (index: number) => RegionInfo): number {
  const buf = infoArg(arg, VFIO_REGION_INFO_SIZE);
  const index = indexIn(buf, numRegions);
  const r = region(index);
  setU32(buf, 4, r.flags);
  setU32(buf, 12, 0);
  setU64(buf, 16, BigInt(r.size));
  setU64(buf, 24, r.offset);
  return 0;
}

/** VFIO_DEVICE_GET_IRQ_INFO of one of `numIrqs` IRQ indexes. */
export function getIrqInfo(arg: IoctlArg, numIrqs: number, irq: (index: number) => IrqInfo): number {
  const buf = infoArg(arg, VFIO_IRQ_INFO_SIZE);
  const i = irq(indexIn(buf, numIrqs));
  setU32(buf, 4, i.flags);
  setU32(buf, 12, i.count);
  return 0;
}
