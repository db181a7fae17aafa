// The platform bus (drivers/base/platform.c): platform_match (driver_override first, then
// the driver's OF match table), and what it adds to sysfs: driver_override, modalias, the
// of_node link and the OF uevent variables (drivers/of/device.c of_device_uevent).

import { KernelError } from '../../core/errno.js';
import { BusSysfs, driverOverrideAttr } from '../base/bus-sysfs.js';
import { BusType } from '../base/bus-type.js';
import type { DeviceDriver } from '../base/device.js';
import type { KernelContext } from '../kernel-context.js';
import { Attr, Link, relativeTarget, type VfsNode } from '../vfs/node.js';
import { DT_BASE } from './host-device-tree.js';
import type { PlatformDevice } from './platform-device.js';

/** A platform driver: its OF match table (of_device_id compatibles). */
export interface PlatformDriver extends DeviceDriver<PlatformDevice> {
  readonly ofMatch: readonly string[];
}

export const PLATFORM_DEVICES_ROOT = '/sys/devices/platform';

export class PlatformBus extends BusType<PlatformDevice> {
  readonly sysfs: BusSysfs<PlatformDevice>;

  constructor(ctx: KernelContext) {
    const modern = ctx.profile === 'modern';
    super('platform', ctx, {
      // models platform_match: driver_override, then of_driver_match_device
      match: (dev, drv) =>
        dev.driverOverride !== undefined ? dev.driverOverride === drv.name : ((drv as PlatformDriver).ofMatch ?? []).some((c) => dev.compatible.includes(c)),
      // models platform_dma_configure → iommu_device_use_default_domain: a group user space owns refuses kernel drivers
      dmaConfigure: (dev, drv) => {
        if (dev.iommuGroup?.dmaOwner !== undefined && !drv.driverManagedDma) throw new KernelError('EBUSY');
      },
    });
    this.sysfs = new BusSysfs(ctx.vfs, this, {
      ueventEnv: (dev) => {
        const type = dev.deviceType ?? (modern ? undefined : '<NULL>');
        return [
          `OF_NAME=${dev.ofName}`,
          `OF_FULLNAME=${dev.node}`,
          // 4.19 prints OF_TYPE only for a real device_type; 6.x only when there is one
          ...(type && type !== '<NULL>' ? [`OF_TYPE=${type}`] : []),
          ...dev.compatible.map((c, i) => `OF_COMPATIBLE_${i}=${c}`),
          `OF_COMPATIBLE_N=${dev.compatible.length}`,
          `MODALIAS=${dev.modalias(modern)}`,
        ]
          .map((l) => `${l}\n`)
          .join('');
      },
      deviceFiles: (dev) =>
        new Map<string, VfsNode>([
          ['driver_override', driverOverrideAttr(dev)],
          ['modalias', Attr.ro(() => `${dev.modalias(modern)}\n`)],
          ['of_node', new Link(relativeTarget(dev.path, `${DT_BASE}${dev.node}`))],
        ]),
    });
  }

  registerPlatformDriver(drv: PlatformDriver): void {
    this.registerDriver(drv);
    this.sysfs.publishDriver(drv);
  }

  /** models platform_device_add: the directory, then the bus's probe. */
  addPlatformDevice(dev: PlatformDevice): void {
    this.sysfs.publishDevice(dev);
    this.addDevice(dev);
  }
}
