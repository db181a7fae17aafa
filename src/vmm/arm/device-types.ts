// The device types of qemu-system-aarch64 / qemu-system-arm: the captured 7.2 table (help
// only), the abstract sys-bus-device, the platform bus (not user creatable), and the
// vfio-platform family, the ones the twin instantiates.

import { memoized } from '../../core/memoized.js';
import { registerHelpOnlyDevices } from '../qdev/help-only-devices.js';
import { TypeRegistry } from '../qdev/qdev.js';
import { vfioPlatformClasses } from '../vfio/vfio-platform-types.js';
import type { QemuProfile } from '../vm-context.js';
import { ARM_DEVICE_TABLE } from './captured-device-table.js';
import type { ArmBinary } from './machine.js';

export const TYPE_PLATFORM_BUS_DEVICE = 'platform-bus-device';

export const armDeviceTypes = memoized(
  (binary: ArmBinary, _profile: QemuProfile): TypeRegistry => build(binary),
  (binary, profile) => `${binary}/${profile}`,
);

function build(binary: ArmBinary): TypeRegistry {
  const types = new TypeRegistry();
  registerHelpOnlyDevices(types, ARM_DEVICE_TABLE.filter((e) => !e.aarch64Only || binary === 'qemu-system-aarch64'));
  types.register({ typeName: 'sys-bus-device', abstract: true, userCreatable: false, hotpluggable: false, busType: 'System', categories: [], props: [] });
  types.register({ typeName: TYPE_PLATFORM_BUS_DEVICE, parent: 'sys-bus-device', abstract: false, userCreatable: false, hotpluggable: false, busType: 'System', categories: [], props: [] });
  for (const c of vfioPlatformClasses()) types.register(c);
  return types;
}
