// The device types of qemu-system-ppc64: the 7.2 table (help only), and the two the twin
// instantiates, spapr-pci-host-bridge and vfio-pci.

import { memoized } from '../../core/memoized.js';
import { registerHelpOnlyDevices } from '../qdev/help-only-devices.js';
import { TypeRegistry } from '../qdev/qdev.js';
import { vfioPciClass } from '../vfio/vfio-pci.js';
import type { QemuProfile } from '../vm-context.js';
import { PPC64_DEVICE_PROPERTIES, PPC64_DEVICE_TABLE } from './ppc64-tables.js';
import { spaprPhbClass } from './spapr-phb.js';

// one registry per profile, as the other targets keep theirs
export const ppc64DeviceTypes = memoized((_profile: QemuProfile): TypeRegistry => build());

function build(): TypeRegistry {
  const types = new TypeRegistry();
  registerHelpOnlyDevices(types, PPC64_DEVICE_TABLE);
  types.register(spaprPhbClass(PPC64_DEVICE_PROPERTIES['spapr-pci-host-bridge']));
  types.register(vfioPciClass(PPC64_DEVICE_PROPERTIES['vfio-pci']));
  return types;
}
