// The VFIO IOMMU driver seam (struct vfio_iommu_driver_ops): which back-ends a host has
// registered (Type1 on s390x and ARM, the sPAPR TCE IOMMU on POWER), asked in turn by
// CHECK_EXTENSION and SET_IOMMU.

import type { IoctlArg } from '../syscall-surface.js';
import type { VfioGroup } from './vfio-group.js';
import { VfioIommuType1, type1Claims } from './vfio-iommu-type1.js';
import { VFIO_TYPE1_IOMMU } from '../../core/vfio-uapi.js';

/** One container's open back-end (iommu_data). */
export interface VfioIommuBackend {
  /** The type SET_IOMMU chose. */
  readonly type: number;
  checkExtension(ext: number): number;
  ioctl(request: number, arg: IoctlArg, pid: number): number;
  /** models ops->attach_group: throws KernelError to refuse. */
  attachGroup?(group: VfioGroup): void;
  detachGroup?(group: VfioGroup): void;
  release(): void;
  /** The back-end's own state for a checkpoint (Type1 keeps its mappings in the container's). */
  snapshot?(): unknown;
}

export interface VfioIommuDriver {
  readonly name: string;
  /** models ops->ioctl(NULL, VFIO_CHECK_EXTENSION, arg). */
  checkExtension(ext: number): number;
  /** models ops->open(arg): throws KernelError when it refuses the type. */
  open(type: number): VfioIommuBackend;
  /** Rebuilds a back-end from its checkpoint; groups are looked up by id. */
  restore?(saved: unknown, group: (id: number) => VfioGroup | undefined): VfioIommuBackend;
}

/** vfio_iommu_type1: every group sits in the external domain, so attaching cannot fail. */
export const TYPE1_IOMMU_DRIVER: VfioIommuDriver = {
  name: 'vfio-iommu-type1',
  checkExtension: (ext) => (type1Claims(ext) ? 1 : 0),
  open: (type) => new VfioIommuType1(type !== VFIO_TYPE1_IOMMU),
};
