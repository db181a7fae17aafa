// The device types of qemu-system-s390x: the 7.2 table (help only), the machine's bridges,
// the AP bridge and bus, and vfio-ap, the one the twin instantiates.

import { memoized } from '../../core/memoized.js';
import { registerHelpOnlyDevices } from '../qdev/help-only-devices.js';
import { TypeRegistry } from '../qdev/qdev.js';
import { S390X_DEVICE_PROPERTIES, S390X_DEVICE_TABLE } from '../qdev/s390x-device-table.js';
import { vfioApClass } from '../vfio/vfio-ap.js';
import type { QemuProfile } from '../vm-context.js';
import { registerApTypes } from './ap-bridge.js';
import { registerMachineTypes } from './machine.js';

export const s390xDeviceTypes = memoized((profile: QemuProfile): TypeRegistry => build(profile));

function build(profile: QemuProfile): TypeRegistry {
  const types = new TypeRegistry();
  registerHelpOnlyDevices(types, S390X_DEVICE_TABLE, S390X_DEVICE_PROPERTIES);
  registerMachineTypes(types);
  registerApTypes(types);
  // hotpluggable since QEMU 5.2 ("vfio-ap: hot plug/unplug support")
  types.register(vfioApClass(profile === 'modern'));
  return types;
}
