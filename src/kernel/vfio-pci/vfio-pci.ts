// The vfio-pci driver (drivers/vfio/pci/vfio_pci.c, vfio_pci_core.c) as far as passthrough
// on pseries needs it: it binds through driver_override or new_id (its id table is
// override-only), refuses bridges, registers the function with VFIO in its IOMMU group,
// and serves GET_INFO, region and IRQ info, config space (vfio-pci-config.ts) and BAR
// reads and writes. Opening the device hands its PE to user space (eeh_dev_open).
// No interrupt is delivered: SET_IRQS is refused (EINVAL) by the twin.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_ERR_IRQ_INDEX,
  VFIO_PCI_INTX_IRQ_INDEX,
  VFIO_PCI_NUM_IRQS,
  VFIO_PCI_NUM_REGIONS,
  VFIO_PCI_OFFSET_SHIFT,
  VFIO_PCI_REQ_IRQ_INDEX,
} from '../../core/vfio-spapr-uapi.js';
import {
  VFIO_DEVICE_FLAGS_PCI,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_INFO_NORESIZE,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
} from '../../core/vfio-uapi.js';
import { PCI_INTERRUPT_PIN, type PciDevice } from '../pci/pci-device.js';
import { PciDriver, anyId } from '../pci/pci-driver.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { IommuGroups } from '../vfio/iommu-groups.js';
import type { VfioCore } from '../vfio/vfio-core.js';
import { getDeviceInfo, getIrqInfo, getRegionInfo, type RegionInfo } from '../vfio/vfio-device-info.js';
import type { VfioDevice, VfioDeviceOps } from '../vfio/vfio-device.js';
import { VfioPciConfig } from './vfio-pci-config.js';

const OFFSET_MASK = (1n << VFIO_PCI_OFFSET_SHIFT) - 1n;

/** One bound function's VFIO side (struct vfio_pci_core_device). */
export class VfioPciDevice implements VfioDeviceOps {
  readonly driverName = 'vfio-pci';
  config: VfioPciConfig | undefined;
  vfio!: VfioDevice;

  constructor(readonly pdev: PciDevice) {}

  /** models vfio_pci_core_enable + finish_enable: the virtual config is read, the PE changes owner. */
  openDevice(): void {
    const pe = this.pdev.pe;
    if (pe) {
      pe.changeOwner();
      pe.passDevCnt++;
    }
    this.config = new VfioPciConfig(this.pdev);
  }

  /** models vfio_pci_core_disable: eeh_dev_release gives the PE back (thawing a frozen one). */
  closeDevice(): void {
    const pe = this.pdev.pe;
    if (pe && pe.passDevCnt > 0) {
      pe.passDevCnt--;
      pe.changeOwner();
    }
    this.config = undefined;
  }

  restoreOpen(): void {
    this.config = new VfioPciConfig(this.pdev);
  }

  request(): void {}

  private regionSize(index: number): number {
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) return this.pdev.config.length;
    return this.pdev.bars.find((b) => b.index === index)?.size ?? 0;
  }

  /** models vfio_pci_core_ioctl. */
  ioctl(request: number, arg: IoctlArg): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return getDeviceInfo(arg, { flags: VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, numRegions: VFIO_PCI_NUM_REGIONS, numIrqs: VFIO_PCI_NUM_IRQS });
      case VFIO_DEVICE_GET_REGION_INFO:
        return getRegionInfo(arg, VFIO_PCI_NUM_REGIONS, (index) => this.regionInfo(index));
      case VFIO_DEVICE_GET_IRQ_INFO:
        return getIrqInfo(arg, VFIO_PCI_NUM_IRQS, (index) => ({ flags: this.irqFlags(index), count: this.irqCount(index) }));
      case VFIO_DEVICE_RESET:
        // models pci_try_reset_function: the function's state is saved and restored around the reset
        return 0;
      default:
        // SET_IRQS and the hot-reset ioctls: no interrupt delivery or bus reset in the twin
        throw new KernelError(request === VFIO_DEVICE_SET_IRQS ? 'EINVAL' : 'ENOTTY');
    }
  }

  /** models vfio_pci_ioctl_get_region_info: config is read/write, a BAR of some size mmap-able too, an empty one nothing. */
  private regionInfo(index: number): RegionInfo {
    const size = this.regionSize(index);
    let flags = 0;
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    else if (size > 0) flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;
    return { flags, size, offset: BigInt(index) << VFIO_PCI_OFFSET_SHIFT };
  }

  /** models vfio_pci_ioctl_get_irq_info: INTx is maskable and automasked, the others are NORESIZE. */
  private irqFlags(index: number): number {
    return VFIO_IRQ_INFO_EVENTFD | (index === VFIO_PCI_INTX_IRQ_INDEX ? VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED : VFIO_IRQ_INFO_NORESIZE);
  }

  /** models vfio_pci_get_irq_count: INTx when the pin is wired, no MSI/MSI-X capability, ERR and REQ on PCIe. */
  private irqCount(index: number): number {
    if (index === VFIO_PCI_INTX_IRQ_INDEX) return this.pdev.config[PCI_INTERRUPT_PIN] ? 1 : 0;
    if (index === VFIO_PCI_ERR_IRQ_INDEX || index === VFIO_PCI_REQ_IRQ_INDEX) return 1;
    return 0;
  }

  /** The region and offset a file offset names (EINVAL past the region's end). */
  private region(offset: bigint): { index: number; at: number } {
    const index = Number(offset >> VFIO_PCI_OFFSET_SHIFT);
    const at = Number(offset & OFFSET_MASK);
    const size = index < VFIO_PCI_NUM_REGIONS ? this.regionSize(index) : 0;
    if (at >= size) throw new KernelError('EINVAL');
    return { index, at };
  }

  /** models vfio_pci_rw: config through the permission tables, BARs straight to the function. */
  read(count: number, offset: bigint): Uint8Array {
    const { index, at } = this.region(offset);
    const n = Math.min(count, this.regionSize(index) - at);
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) return this.cfg().read(at, n);
    return this.pdev.mmioRead(index, at, n);
  }

  write(data: Uint8Array, offset: bigint): number {
    const { index, at } = this.region(offset);
    const n = Math.min(data.length, this.regionSize(index) - at);
    if (index === VFIO_PCI_CONFIG_REGION_INDEX) this.cfg().write(at, data.subarray(0, n));
    else this.pdev.mmioWrite(index, at, data.subarray(0, n));
    return n;
  }

  private cfg(): VfioPciConfig {
    return (this.config ??= new VfioPciConfig(this.pdev));
  }
}

/**
 * The vfio-pci driver: probe refuses anything but a normal header (EINVAL) and a function
 * without an IOMMU group (EINVAL), then registers the function with VFIO.
 */
export function vfioPciDriver(vfio: VfioCore, groups: IommuGroups): PciDriver {
  const bound = new Map<PciDevice, VfioPciDevice>();
  return new PciDriver(
    'vfio-pci',
    [anyId({ overrideOnly: true })],
    {
      probe(dev) {
        if (dev.isBridge) throw new KernelError('EINVAL');
        const group = groups.groupOf(dev);
        if (!group) throw new KernelError('EINVAL');
        const ops = new VfioPciDevice(dev);
        ops.vfio = vfio.registerGroupDevice(dev, group, ops);
        bound.set(dev, ops);
      },
      remove(dev) {
        const ops = bound.get(dev);
        if (!ops) return;
        vfio.unregister(ops.vfio);
        bound.delete(dev);
      },
    },
    true,
  );
}
