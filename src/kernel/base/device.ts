// struct device and struct device_driver as the driver core (drivers/base/) sees them:
// a named device at a sysfs path on a bus, maybe bound to a driver, maybe with a
// driver_override; a driver that probes and removes devices.

import type { IommuMember } from '../vfio/iommu-groups.js';
import type { Attr } from '../vfs/node.js';

/** struct device_driver with the callbacks the bus calls. */
export interface DeviceDriver<D extends Device = Device> {
  readonly name: string;
  /** models drv->probe: throws KernelError to refuse the device (ENODEV/ENXIO quietly). */
  probe(dev: D): void;
  /** models drv->remove. */
  remove(dev: D): void;
  /** driver_managed_dma: the driver manages DMA itself (VFIO), so an IOMMU group owned by user space does not stop it. */
  readonly driverManagedDma?: boolean;
  /** Attributes the bound driver adds to the device's directory (dev_groups). */
  deviceAttributes?(dev: D): ReadonlyMap<string, Attr>;
}

export class Device implements IommuMember {
  driver: DeviceDriver | undefined;
  /** driver_override (platform and PCI): only the driver of that name may bind. */
  driverOverride: string | undefined;

  constructor(
    readonly name: string,
    /** Absolute sysfs path of the device directory. */
    readonly path: string,
  ) {}

  driverName(): string | undefined {
    return this.driver?.name;
  }
}
