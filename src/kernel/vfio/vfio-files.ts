// The file operations of /dev/vfio/vfio and /dev/vfio/N (vfio_fops_open,
// vfio_group_fops_open), plus the rebuild of VFIO files from a checkpoint.

import { KernelError } from '../../core/errno.js';
import type { DeviceFile, FileCheckpoint, OpenContext } from '../vfs/node.js';
import type { IommuGroup } from './iommu-groups.js';
import { VFIO_CONTAINER_CHECKPOINT_KIND, VfioContainer, VfioContainerFile } from './vfio-container.js';
import type { VfioCore, VfioFileFactory } from './vfio-core.js';
import { VFIO_DEVICE_CHECKPOINT_KIND, VfioDeviceFile } from './vfio-device.js';
import { VFIO_GROUP_CHECKPOINT_KIND, VfioGroupFile } from './vfio-group.js';

export class VfioFiles implements VfioFileFactory {
  constructor(private readonly core: VfioCore) {}

  /** models vfio_fops_open: every open is a new, empty container. */
  openContainer(_ctx: OpenContext): DeviceFile {
    return new VfioContainerFile(new VfioContainer(this.core.iommuDrivers));
  }

  /** models vfio_group_fops_open. */
  openGroup(group: IommuGroup, _ctx: OpenContext): DeviceFile {
    return this.core.group(group.id).open();
  }

  /** Rebuilds a checkpointed VFIO file without open side effects; undefined when not a VFIO file. */
  restoreFile(ckpt: FileCheckpoint, containers: ReadonlyMap<number, VfioContainer>): DeviceFile | undefined {
    switch (ckpt.kind) {
      case VFIO_CONTAINER_CHECKPOINT_KIND: {
        const c = containers.get(ckpt.id);
        if (!c) throw new KernelError('ENOENT', `container ${ckpt.id} missing from the checkpoint`);
        return new VfioContainerFile(c);
      }
      case VFIO_GROUP_CHECKPOINT_KIND:
        return new VfioGroupFile(this.core.group(ckpt.id));
      case VFIO_DEVICE_CHECKPOINT_KIND: {
        const dev = this.core.deviceInGroup(ckpt.id, ckpt.name);
        if (!dev) throw new KernelError('ENODEV', `no VFIO device ${ckpt.name ?? ''} in group ${ckpt.id}`);
        return new VfioDeviceFile(dev);
      }
      default:
        return undefined;
    }
  }
}
