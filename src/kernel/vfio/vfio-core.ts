// The VFIO core's registry: emulated-IOMMU devices, their groups, /dev/vfio/vfio and
// /dev/vfio/N. The file operations on those nodes are the ioctl layer's business.

import { KernelError } from '../../core/errno.js';
import type { KernelContext } from '../kernel-context.js';
import { CharDevice, type DeviceFile, type OpenContext } from '../vfs/node.js';
import { IommuGroups, type IommuGroup } from './iommu-groups.js';
import { VfioDevice, type VfioDeviceOps } from './vfio-device.js';

/** The misc device number of /dev/vfio/vfio (10:196) and the first dynamic vfio major. */
export const VFIO_CONTAINER_MINOR = 196;
export const VFIO_GROUP_MAJOR = 241;

/** Opens of the device nodes are delegated, so the ioctl layer can plug in its file objects. */
export interface VfioFileFactory {
  openContainer(ctx: OpenContext): DeviceFile;
  openGroup(group: IommuGroup, ctx: OpenContext): DeviceFile;
}

export class VfioCore {
  readonly iommuGroups: IommuGroups;
  readonly devices = new Map<number, VfioDevice>();
  files: VfioFileFactory | undefined;

  constructor(private readonly ctx: KernelContext) {
    this.iommuGroups = new IommuGroups(ctx);
    ctx.vfs.attach(
      '/dev/vfio/vfio',
      new CharDevice(10, VFIO_CONTAINER_MINOR, 0o666, (open) => this.factory().openContainer(open)),
    );
  }

  private factory(): VfioFileFactory {
    if (!this.files) throw new KernelError('ENODEV');
    return this.files;
  }

  /**
   * models vfio_register_emulated_iommu_dev: a fresh singleton group, its sysfs entries
   * and /dev/vfio/N. `groupId` pins the number when a snapshot is restored.
   */
  registerEmulatedIommuDevice(name: string, devicePath: string, ops: VfioDeviceOps, groupId?: number): VfioDevice {
    const group = this.iommuGroups.alloc(name, devicePath, groupId);
    const dev = new VfioDevice(name, group, ops);
    this.devices.set(group.id, dev);
    this.ctx.vfs.attach(
      `/dev/vfio/${group.id}`,
      new CharDevice(VFIO_GROUP_MAJOR, group.id, 0o600, (open) => this.factory().openGroup(group, open)),
    );
    return dev;
  }

  /**
   * models vfio_unregister_group_dev: while user space holds the device open, ask the
   * driver to have it released; the twin cannot block, so a device still open is EBUSY.
   */
  unregister(dev: VfioDevice): void {
    for (let count = 0; dev.openCount > 0 && count < 2; count++) dev.ops.request(count);
    if (dev.openCount > 0) throw new KernelError('EBUSY');
    this.ctx.vfs.detach(`/dev/vfio/${dev.group.id}`);
    this.devices.delete(dev.group.id);
    this.iommuGroups.free(dev.group);
  }

  deviceInGroup(groupId: number): VfioDevice | undefined {
    return this.devices.get(groupId);
  }
}
