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
import { TYPE1_IOMMU_DRIVER, type VfioIommuBackend, type VfioIommuDriver } from './vfio-iommu-driver.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, Task } from '../vfs/node.js';
import type { VfioGroup } from './vfio-group.js';
import { VfioIommuType1, type VfioDma } from './vfio-iommu-type1.js';

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
  /** A back-end other than Type1: its driver and state. */
  backend?: { driver: string; state: unknown };
}

/** struct vfio_container. */
export class VfioContainer {
  readonly groups = new Set<VfioGroup>();
  iommu: VfioIommuBackend | undefined;

  /** drivers: the IOMMU back-ends the host registered (vfio.iommu_drivers_list). */
  constructor(private readonly drivers: readonly VfioIommuDriver[] = [TYPE1_IOMMU_DRIVER]) {}

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

  /** models vfio_ioctl_check_extension: the chosen backend, else every registered one in turn. */
  checkExtension(ext: number): number {
    if (this.iommu) return this.iommu.checkExtension(ext);
    for (const d of this.drivers) {
      const r = d.checkExtension(ext);
      if (r > 0) return r;
    }
    return 0;
  }

  /**
   * models vfio_ioctl_set_iommu + __vfio_container_attach_groups: each driver that claims
   * the type opens a back-end and attaches every group; a failure undoes the attaches and
   * the next driver tries. The last error, or ENODEV when no driver tried.
   */
  setIommu(type: number): number {
    if (this.groups.size === 0 || this.iommu) throw new KernelError('EINVAL');
    let err: KernelError = new KernelError('ENODEV');
    for (const d of this.drivers) {
      if (d.checkExtension(type) <= 0) continue;
      let backend: VfioIommuBackend;
      try {
        backend = d.open(type);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        err = e;
        continue;
      }
      const attached: VfioGroup[] = [];
      try {
        for (const g of this.groups) {
          backend.attachGroup?.(g);
          attached.push(g);
        }
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        for (const g of attached) backend.detachGroup?.(g);
        backend.release();
        err = e;
        continue;
      }
      this.iommu = backend;
      return 0;
    }
    throw err;
  }

  /** models __vfio_group_set_container: a container with a backend attaches the group first (which may refuse). */
  addGroup(group: VfioGroup): void {
    this.iommu?.attachGroup?.(group);
    this.groups.add(group);
  }

  /** models __vfio_group_unset_container: the last group leaving deprivileges the container. */
  removeGroup(group: VfioGroup): void {
    this.iommu?.detachGroup?.(group);
    this.groups.delete(group);
    if (this.groups.size === 0 && this.iommu) {
      this.iommu.release();
      this.iommu = undefined;
    }
  }

  snapshot(): VfioContainerSnapshot {
    const type1 = this.iommu instanceof VfioIommuType1 ? this.iommu : undefined;
    const other = this.iommu && !type1 ? this.iommu : undefined;
    const driver = other ? this.drivers.find((d) => d.restore) : undefined;
    return {
      iommu: this.iommu ? this.iommu.type : null,
      ...(other && driver ? { backend: { driver: driver.name, state: other.snapshot?.() } } : {}),
      dmas: (type1?.dmas ?? []).map((d) => ({
        iova: d.iova.toString(),
        vaddr: d.vaddr.toString(),
        size: d.size.toString(),
        flags: d.flags,
        pid: d.pid,
      })),
    };
  }

  static restore(s: VfioContainerSnapshot, drivers?: readonly VfioIommuDriver[], group?: (id: number) => VfioGroup | undefined): VfioContainer {
    const c = new VfioContainer(drivers);
    if (s.backend) {
      const d = drivers?.find((x) => x.name === s.backend!.driver);
      if (d?.restore && group) c.iommu = d.restore(s.backend.state, group);
    } else if (s.iommu !== null) {
      const t1 = new VfioIommuType1(s.iommu !== VFIO_TYPE1_IOMMU);
      c.iommu = t1;
      for (const d of s.dmas) {
        const dma: VfioDma = { iova: BigInt(d.iova), vaddr: BigInt(d.vaddr), size: BigInt(d.size), flags: d.flags, pid: d.pid };
        t1.dmas.push(dma);
        t1.dmaAvail--;
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
