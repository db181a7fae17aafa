// The s390-ccw-virtio machine (hw/s390x/s390-virtio-ccw.c): versioned machine types, the
// main system bus with the virtual channel subsystem bridge, and the AP bridge when the
// CPU model has `ap` (ccw_init → s390_init_ap).

import type { MachineTypeInfo } from '../options/index.js';
import { BusState, DeviceState, type TypeRegistry } from '../qdev/qdev.js';
import { sysbusBridgeClass } from './ap-bridge.js';
import type { QemuProfile } from '../vm-context.js';

export const MACHINE_FAMILY = 's390-ccw-virtio';

const MODERN_VERSIONS = ['7.2', '7.1', '7.0', '6.2', '6.1', '6.0', '5.2', '5.1', '5.0', '4.2', '4.1', '4.0', '3.1', '3.0', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4'];

type Prop = { name: string; type: string; description: string };

/** The MachineClass properties every machine has (hw/core/machine.c), as `-M none,help` prints them. */
const COMMON_PROPERTIES: Prop[] = [
  { name: 'append', type: 'string', description: 'Linux kernel command line' },
  { name: 'boot', type: 'BootConfiguration', description: 'Boot configuration' },
  { name: 'confidential-guest-support', type: 'link<confidential-guest-support>', description: 'Set confidential guest scheme to support' },
  { name: 'dt-compatible', type: 'string', description: 'Overrides the "compatible" property of the dt root node' },
  { name: 'dtb', type: 'string', description: 'Linux kernel device tree file' },
  { name: 'dump-guest-core', type: 'bool', description: 'Include guest memory in a core dump' },
  { name: 'dumpdtb', type: 'string', description: 'Dump current dtb to a file and quit' },
  { name: 'firmware', type: 'string', description: 'Firmware image' },
  { name: 'graphics', type: 'bool', description: 'Set on/off to enable/disable graphics emulation' },
  { name: 'initrd', type: 'string', description: 'Linux initial ramdisk file' },
  { name: 'kernel', type: 'string', description: 'Linux kernel image file' },
  { name: 'mem-merge', type: 'bool', description: 'Enable/disable memory merge support' },
  { name: 'memory-backend', type: 'link<memory-backend>', description: 'Set RAM backendValid value is ID of hostmem based backend' },
  { name: 'memory-encryption', type: 'string', description: 'Set memory encryption object to use' },
  { name: 'memory', type: 'MemorySizeConfiguration', description: 'Memory size configuration' },
  { name: 'phandle-start', type: 'int', description: 'The first phandle ID we may generate dynamically' },
  { name: 'smp', type: 'SMPConfiguration', description: 'CPU topology' },
  { name: 'suppress-vmdesc', type: 'bool', description: 'Set on to disable self-describing migration' },
  { name: 'usb', type: 'bool', description: 'Set on/off to enable/disable usb' },
];

/** s390-ccw-virtio's own class properties (ccw_machine_class_init). */
const CCW_PROPERTIES: Prop[] = [
  { name: 'aes-key-wrap', type: 'bool', description: 'enable/disable AES key wrapping using the CPACF wrapping key' },
  { name: 'dea-key-wrap', type: 'bool', description: 'enable/disable DEA key wrapping using the CPACF wrapping key' },
  {
    name: 'loadparm',
    type: 'loadparm',
    description: 'Up to 8 chars in set of [A-Za-z0-9. ] (lower case chars converted to upper case) to pass to machine loader, boot manager, and guest kernel',
  },
];

/** The machine types qemu-system-s390x knows in the profile's QEMU release. */
export function machineTypes(profile: QemuProfile): MachineTypeInfo[] {
  const versions = profile === 'modern' ? MODERN_VERSIONS : MODERN_VERSIONS.slice(MODERN_VERSIONS.indexOf('3.1'));
  const ccw = [...COMMON_PROPERTIES, ...CCW_PROPERTIES];
  return [
    ...versions.map((v, i) => ({
      name: `${MACHINE_FAMILY}-${v}`,
      desc: `Virtual s390x machine (version ${v})`,
      properties: ccw,
      ...(i === 0 ? { alias: MACHINE_FAMILY, isDefault: true } : {}),
    })),
    { name: 'none', desc: 'empty machine', properties: COMMON_PROPERTIES },
  ];
}

/** Properties `-machine s390-ccw-virtio,prop=value` may set, by how the value is checked. */
export const MACHINE_PROPERTIES: ReadonlyMap<string, 'bool' | 'str'> = new Map(
  [...COMMON_PROPERTIES, ...CCW_PROPERTIES].map((p): [string, 'bool' | 'str'] => [p.name, p.type === 'bool' ? 'bool' : 'str']),
);


export const virtualCssBridgeClass = sysbusBridgeClass('virtual-css-bridge');

export function registerMachineTypes(types: TypeRegistry): void {
  types.register(virtualCssBridgeClass);
}

/** models ccw_init up to the AP bridge: the main system bus and the channel subsystem bridge. */
export function ccwInit(): BusState {
  const sysbus = new BusState('System', 'main-system-bus', undefined);
  const css = new DeviceState(virtualCssBridgeClass);
  css.realized = true;
  css.parentBus = sysbus;
  sysbus.children.push(css);
  // models virtual_css_bus_init: the bus every -device virtio-*-ccw plugs into
  const cssBus = new BusState('virtual-css-bus', 'virtual-css', css);
  cssBus.hotplugHandler = { unplug: () => undefined };
  return sysbus;
}
