// The vfio-platform driver (drivers/vfio/platform/vfio_platform.c + vfio_platform_common.c
// probe/remove): no ID table (driver_override binds it), the reset module looked up by the
// first compatible string, `reset_required` (module parameter, 0444), the IOMMU group, and
// registration with the VFIO core, which makes /dev/vfio/N appear.

import { KernelError } from '../../core/errno.js';
import type { ModuleParam } from '../module-params.js';
import type { PlatformDriver } from '../platform/platform-bus.js';
import type { PlatformDevice } from '../platform/platform-device.js';
import type { KernelLog } from '../printk.js';
import type { VfioCore } from '../vfio/vfio-core.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { lookupReset } from './reset-modules.js';
import { VFIO_PLATFORM_DRIVER, VfioPlatformDevice } from './vfio-platform-device.js';

export class VfioPlatformDriver implements PlatformDriver {
  readonly name = VFIO_PLATFORM_DRIVER;
  readonly ofMatch: readonly string[] = [];
  readonly driverManagedDma = true;
  /** The VFIO devices this driver registered, by platform device name. */
  readonly bound = new Map<string, VfioDevice>();

  constructor(
    private readonly vfio: VfioCore,
    private readonly log: KernelLog,
    private readonly resetRequired: ModuleParam,
    /** The kernel trace of IRQ events (observation only). */
    private readonly sink: (event: string, detail: string) => void = () => undefined,
  ) {}

  /** models vfio_platform_probe → vfio_platform_probe_common. */
  probe(dev: PlatformDevice): void {
    const compat = dev.compatible[0];
    if (compat === undefined) {
      this.log.dev(this.name, dev.name, `Cannot retrieve compat for ${dev.name}`);
      throw new KernelError('EINVAL');
    }
    const reset = lookupReset(compat);
    const required = this.resetRequired.bool;
    if (!reset && required) {
      this.log.dev(this.name, dev.name, `No reset function found for device ${dev.name}`);
      throw new KernelError('ENOENT');
    }
    if (!dev.iommuGroup) {
      this.log.dev(this.name, dev.name, `No IOMMU group for device ${dev.name}`);
      throw new KernelError('EINVAL');
    }
    this.register(dev, new VfioPlatformDevice(dev, reset, required, this.log, this.sink));
  }

  /** Twin: rebinds a device of a checkpoint (no probe runs, nothing is logged). */
  restoreBinding(dev: PlatformDevice): VfioPlatformDevice {
    const ops = new VfioPlatformDevice(dev, lookupReset(dev.compatible[0] ?? ''), this.resetRequired.bool, this.log, this.sink);
    this.register(dev, ops);
    return ops;
  }

  private register(dev: PlatformDevice, ops: VfioPlatformDevice): void {
    this.bound.set(dev.name, this.vfio.registerGroupDevice(dev, dev.iommuGroup!, ops));
  }

  /** models vfio_platform_remove: unregistering waits for user space to close the device (EBUSY in the twin). */
  remove(dev: PlatformDevice): void {
    const vdev = this.bound.get(dev.name);
    if (!vdev) return;
    this.vfio.unregister(vdev);
    this.bound.delete(dev.name);
  }

  /** The ops of a bound device. */
  opsOf(name: string): VfioPlatformDevice | undefined {
    return this.bound.get(name)?.ops as VfioPlatformDevice | undefined;
  }
}
