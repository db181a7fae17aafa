// The VFIO container (/dev/vfio/vfio; drivers/vfio/vfio.c vfio_fops_*, spec vfio-core §1.4):
// every open makes a new empty container; groups join it; SET_IOMMU picks the backend.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_API_VERSION,
  VFIO_CHECK_EXTENSION,
  VFIO_GET_API_VERSION,
  VFIO_SET_IOMMU,
  VFIO_TYPE1_IOMMU,
} from '../../core/vfio-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, Task } from '../vfs/node.js';
import type { VfioGroup } from './vfio-group.js';
import { VfioIommuType1, type VfioDma, type1Claims } from './vfio-iommu-type1.js';

export const VFIO_CONTAINER_CHECKPOINT_KIND = 'vfio-container';

/** A by-value ioctl argument (an extension id, an iommu type); a pointer is never a valid id. */
export function valueArg(arg: IoctlArg): number {
  if (arg === undefined) return 0;
  return typeof arg === 'number' ? arg : -1;
}

export interface VfioContainerSnapshot {
  /** VFIO_TYPE1_IOMMU / VFIO_TYPE1v2_IOMMU, or null before SET_IOMMU. */
  iommu: number | null;
  dmas: { iova: string; vaddr: string; size: string; flags: number; pid: number }[];
}

/** struct vfio_container. */
export class VfioContainer {
  readonly groups = new Set<VfioGroup>();
  iommu: VfioIommuType1 | undefined;

  /** models vfio_fops_unl_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case VFIO_GET_API_VERSION:
        return VFIO_API_VERSION;
      case VFIO_CHECK_EXTENSION:
        return this.checkExtension(valueArg(arg));
      case VFIO_SET_IOMMU:
        return this.setIommu(valueArg(arg));
      default:
        // models the passthrough of every other ioctl to the backend; none set → EINVAL
        if (!this.iommu) throw new KernelError('EINVAL');
        return this.iommu.ioctl(request, arg, task.pid);
    }
  }

  /** models vfio_ioctl_check_extension: the chosen backend, else every registered one (Type1 only on s390). */
  checkExtension(ext: number): number {
    if (this.iommu) return this.iommu.checkExtension(ext);
    return type1Claims(ext) ? 1 : 0;
  }

  /** models vfio_ioctl_set_iommu + __vfio_container_attach_groups. */
  setIommu(type: number): number {
    if (this.groups.size === 0 || this.iommu) throw new KernelError('EINVAL');
    // no registered backend claims it (no-IOMMU mode is off): ENODEV
    if (!type1Claims(type)) throw new KernelError('ENODEV');
    // mdev groups go into the external domain: the attach cannot fail
    this.iommu = new VfioIommuType1(type !== VFIO_TYPE1_IOMMU);
    return 0;
  }

  /** models __vfio_group_set_container's list_add (the backend attach of an mdev group cannot fail). */
  addGroup(group: VfioGroup): void {
    this.groups.add(group);
  }

  /** models __vfio_group_unset_container: the last group leaving deprivileges the container. */
  removeGroup(group: VfioGroup): void {
    this.groups.delete(group);
    if (this.groups.size === 0 && this.iommu) {
      this.iommu.release();
      this.iommu = undefined;
    }
  }

  snapshot(): VfioContainerSnapshot {
    return {
      iommu: this.iommu ? this.iommu.type : null,
      dmas: (this.iommu?.dmas ?? []).map((d) => ({
        iova: d.iova.toString(),
        vaddr: d.vaddr.toString(),
        size: d.size.toString(),
        flags: d.flags,
        pid: d.pid,
      })),
    };
  }

  static restore(s: VfioContainerSnapshot): VfioContainer {
    const c = new VfioContainer();
    if (s.iommu !== null) {
      c.iommu = new VfioIommuType1(s.iommu !== VFIO_TYPE1_IOMMU);
      for (const d of s.dmas) {
        const dma: VfioDma = { iova: BigInt(d.iova), vaddr: BigInt(d.vaddr), size: BigInt(d.size), flags: d.flags, pid: d.pid };
        c.iommu.dmas.push(dma);
        c.iommu.dmaAvail--;
      }
    }
    return c;
  }
}

/** An open /dev/vfio/vfio. Closing it drops a reference; groups keep the container alive. */
export class VfioContainerFile implements DeviceFile {
  constructor(readonly container: VfioContainer) {}

  ioctl(request: number, arg: IoctlArg, task: Task): number {
    return this.container.ioctl(request, arg, task);
  }

  checkpoint(refs: CheckpointRefs): FileCheckpoint {
    return { kind: VFIO_CONTAINER_CHECKPOINT_KIND, id: refs.idOf(this.container) };
  }

  release(): void {}
}
