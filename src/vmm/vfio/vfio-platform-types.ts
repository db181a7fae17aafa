// The QOM types of the vfio-platform family (hw/vfio/platform.c, calxeda-xgmac.c,
// amd-xgbe.c): the same five properties, and the two subclasses that preset their compat
// string before the parent realize (neither checks the host device's own compatible).

import type { DeviceClass, PropertyInfo } from '../qdev/qdev.js';
import type { VmContext } from '../vm-context.js';
import { VfioPlatformDevice } from './vfio-platform.js';

export const TYPE_VFIO_PLATFORM = 'vfio-platform';
export const TYPE_VFIO_CALXEDA_XGMAC = 'vfio-calxeda-xgmac';
export const TYPE_VFIO_AMD_XGBE = 'vfio-amd-xgbe';

const prop = <K extends 'host' | 'sysfsdev' | 'noMmap' | 'mmapTimeout' | 'irqfdAllowed'>(name: string, type: PropertyInfo['type'], key: K): PropertyInfo => ({
  name,
  type,
  set: (dev, v) => ((dev as VfioPlatformDevice)[key] = v as never),
  get: (dev) => (dev as VfioPlatformDevice)[key] as string | boolean | number | undefined,
});

/** models vfio_platform_dev_properties. */
const PROPS: readonly PropertyInfo[] = [
  prop('host', 'str', 'host'),
  prop('sysfsdev', 'str', 'sysfsdev'),
  prop('x-no-mmap', 'bool', 'noMmap'),
  prop('mmap-timeout-ms', 'uint32', 'mmapTimeout'),
  prop('x-irqfd', 'bool', 'irqfdAllowed'),
];

/** What `-device vfio-platform,help` prints in 7.2 (sorted, with the defaults). */
const HELP_PROPS = [
  { name: 'host', type: 'str' },
  { name: 'mmap-timeout-ms', type: 'uint32', description: '', defaultValue: '1100' },
  { name: 'sysfsdev', type: 'str' },
  { name: 'x-irqfd', type: 'bool', description: '', defaultValue: 'true' },
  { name: 'x-no-mmap', type: 'bool', description: '', defaultValue: 'false' },
];

/** A subclass's realize: the compat preset, then the parent's. */
class CompatDevice extends VfioPlatformDevice {
  constructor(
    cls: DeviceClass,
    private readonly preset: string,
  ) {
    super(cls);
  }

  override realize(vm: VmContext): void {
    this.compat = [this.preset];
    super.realize(vm);
  }
}

function cls(typeName: string, desc: string, parent: string, instantiate: (c: DeviceClass) => VfioPlatformDevice): DeviceClass {
  return {
    typeName,
    parent,
    abstract: false,
    userCreatable: true,
    // DeviceClass's default; what refuses a hot plug is the system bus, which has no hotplug handler
    hotpluggable: true,
    busType: 'System',
    desc,
    categories: ['misc'],
    props: PROPS,
    helpProps: HELP_PROPS,
    instantiate,
  };
}

export function vfioPlatformClasses(): DeviceClass[] {
  return [
    cls(TYPE_VFIO_PLATFORM, 'VFIO-based platform device assignment', 'sys-bus-device', (c) => new VfioPlatformDevice(c)),
    cls(TYPE_VFIO_CALXEDA_XGMAC, 'VFIO Calxeda XGMAC', TYPE_VFIO_PLATFORM, (c) => new CompatDevice(c, 'calxeda,hb-xgmac')),
    cls(TYPE_VFIO_AMD_XGBE, 'VFIO AMD XGBE', TYPE_VFIO_PLATFORM, (c) => new CompatDevice(c, 'amd,xgbe-seattle-v1a')),
  ];
}
