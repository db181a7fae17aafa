// The AP bridge and bus (hw/s390x/ap-bridge.c, hw/s390x/ap-device.c): created at machine
// init only when the CPU model has `ap`; the bus takes one device and the bridge is its
// hotplug handler (simple unplug).

import { BusState, DeviceState, type DeviceClass, type TypeRegistry } from '../qdev/qdev.js';
import { qdevSimpleDeviceUnplug as simpleUnplug } from '../qdev/qdev-monitor.js';
import type { VmContext } from '../vm-context.js';

export const TYPE_AP_BRIDGE = 'ap-bridge';
export const TYPE_AP_BUS = 'ap-bus';
export const TYPE_AP_DEVICE = 'ap-device';

/** A bridge on the system bus that the machine creates (never -device, never hot plugged). */
export function sysbusBridgeClass(typeName: string): DeviceClass {
  return {
    typeName,
    parent: 'sys-bus-device',
    abstract: false,
    userCreatable: false,
    hotpluggable: false,
    busType: 'System',
    categories: ['bridge'],
    props: [],
    instantiate: (cls) => new DeviceState(cls),
  };
}

// models ap_bridge_class_init
export const apBridgeClass = sysbusBridgeClass(TYPE_AP_BRIDGE);

/** models ap_device_info: the abstract parent of vfio-ap. */
export const apDeviceClass: DeviceClass = {
  typeName: TYPE_AP_DEVICE,
  parent: 'device',
  abstract: true,
  userCreatable: true,
  hotpluggable: false,
  busType: TYPE_AP_BUS,
  desc: 'AP device for s390',
  categories: ['misc'],
  props: [],
};

export function registerApTypes(types: TypeRegistry): void {
  types.register(apBridgeClass);
  types.register(apDeviceClass);
}

/** models s390_init_ap: bridge device under the machine, one ap-bus (max_dev 1), hotplug handler. */
export function s390InitAp(vm: VmContext, sysbus: BusState): BusState {
  const bridge = new DeviceState(apBridgeClass);
  bridge.realized = true;
  sysbus.children.push(bridge);
  bridge.parentBus = sysbus;
  const bus = new BusState(TYPE_AP_BUS, TYPE_AP_BUS, bridge, 1);
  bus.hotplugHandler = { unplug: (dev) => simpleUnplug(vm, dev) };
  return bus;
}
