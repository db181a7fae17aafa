// A POWER host (PowerNV, little-endian): the PCI part with its PHBs, PEs and EEH, and the
// sPAPR TCE IOMMU for VFIO. KVM (HV) is modelled only as far as QEMU needs a VM fd.

import type { ArchDef } from '../host-part.js';
import { ppcKvmType } from '../kvm/ppc/kvm-ppc.js';
import { PciSubsystem } from '../pci/pci-subsystem.js';

export const ppc64le: ArchDef = {
  kvm: () => ppcKvmType(),
  parts: (host) => [new PciSubsystem(host)],
};
