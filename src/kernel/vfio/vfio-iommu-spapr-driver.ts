// The iommu-vfio-powerpc driver a POWER host registers with VFIO (tce_iommu_driver_ops):
// which types it claims, how it opens a container's back-end, and its rebuild from a checkpoint.

import { KernelError } from '../../core/errno.js';
import { VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU } from '../../core/vfio-uapi.js';
import type { KernelLog } from '../printk.js';
import type { VfioIommuDriver } from './vfio-iommu-driver.js';
import { VfioIommuSpaprTce, type SpaprTceSnapshot } from './vfio-iommu-spapr-tce.js';

/** The iommu-vfio-powerpc driver of a POWER host. */
export function spaprTceIommuDriver(eehEnabled: () => boolean, log: KernelLog): VfioIommuDriver {
  // models tce_iommu_ioctl(NULL, VFIO_CHECK_EXTENSION): a container-less back-end answers the same
  const probe = new VfioIommuSpaprTce(true, eehEnabled);
  return {
    name: 'iommu-vfio-powerpc',
    checkExtension: (ext) => probe.checkExtension(ext),
    /** models tce_iommu_open: only the two sPAPR types ("tce_vfio: Wrong IOMMU type"). */
    open(type) {
      if (type !== VFIO_SPAPR_TCE_IOMMU && type !== VFIO_SPAPR_TCE_v2_IOMMU) {
        log.printk('tce_vfio: Wrong IOMMU type');
        throw new KernelError('EINVAL');
      }
      return new VfioIommuSpaprTce(type === VFIO_SPAPR_TCE_v2_IOMMU, eehEnabled);
    },
    restore(saved, group) {
      const s = saved as SpaprTceSnapshot;
      const b = new VfioIommuSpaprTce(s.v2, eehEnabled);
      b.restoreFrom(s, group);
      return b;
    },
  };
}
