// -device and device_add/device_del (softmmu/qdev-monitor.c in QEMU 7.2; qdev-monitor.c in
// QEMU 3.1): resolve the driver, find the bus, set the properties, realize; and unplug.

import { QemuError } from '../qemu-error.js';
import type { QemuProfile, VmContext } from '../vm-context.js';
import { qbusFind, qbusFindRecursive, qdevSetParentBus, qdevUnparent, walkDevices, type DeviceClass, type DeviceState, type TypeRegistry } from './qdev.js';

/** A -device / device_add option set after QemuOpts parsing (keys in order, duplicates kept). */
export interface DeviceOptions {
  driver: string | undefined;
  id: string | undefined;
  /** Every key=value except driver and id, in command-line order. */
  props: [string, string][];
}

/** models qdev_get_device_class (aliases: s390x has none for vfio-ap). */
export function qdevGetDeviceClass(types: TypeRegistry, driver: string, hotplug: boolean, profile: QemuProfile): DeviceClass {
  const cls = types.lookup(driver) ?? types.byAlias(driver);
  if (!cls) throw new QemuError(`'${driver}' is not a valid device model name`);
  // QEMU 5.1 added the article ("a non-abstract", "a pluggable") to these texts
  const a = profile === 'modern' ? 'a ' : '';
  if (cls.abstract) throw new QemuError(`Parameter 'driver' expects ${a}non-abstract device type`);
  if (!cls.userCreatable || (hotplug && !cls.hotpluggable)) throw new QemuError(`Parameter 'driver' expects ${a}pluggable device type`);
  return cls;
}

/** models set_property / object_set_properties_from_keyval with the string input visitor. */
function setProperty(dev: DeviceState, key: string, value: string, profile: QemuProfile): void {
  const prop = dev.cls.props.find((p) => p.name === key);
  if (!prop) {
    // QEMU 3.1 printed the (empty) type name: "Property '.foo' not found"
    throw new QemuError(profile === 'modern' ? `Property '${dev.typeName}.${key}' not found` : `Property '.${key}' not found`);
  }
  switch (prop.type) {
    case 'str':
      prop.set(dev, value);
      return;
    case 'bool': {
      const v = value.toLowerCase();
      if (['on', 'yes', 'true', 'y'].includes(v)) prop.set(dev, true);
      else if (['off', 'no', 'false', 'n'].includes(v)) prop.set(dev, false);
      else throw new QemuError(profile === 'modern' ? `Parameter '${key}' expects 'on' or 'off'` : `Invalid parameter type for '${key}', expected: boolean`);
      return;
    }
    case 'uint32': {
      if (profile === 'modern') {
        // models the keyval input visitor: qemu_strtou64 of the whole text ("-1" wraps), then the uint32_t range
        const m = /^\s*([-+]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(value);
        if (!m) throw new QemuError(`Parameter '${key}' expects integer`);
        const v = BigInt(m[2]!.length > 1 && m[2]!.startsWith('0') && !/^0x/i.test(m[2]!) ? `0o${m[2]!.slice(1)}` : m[2]!);
        if (m[1] === '-' ? v !== 0n : v > 0xffff_ffffn) throw new QemuError(`Parameter '${key}' expects uint32_t`);
        prop.set(dev, Number(v));
        return;
      }
      const n = /^\s*[-+]?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)/i.exec(value);
      if (!n) throw new QemuError(`Parameter '${key}' expects an int64 value or range`);
      const num = Number(n[1]!.startsWith('0') && n[1]!.length > 1 && !/^0x/i.test(n[1]!) ? parseInt(n[1]!, 8) : n[1]!);
      const signed = value.trim().startsWith('-') ? -num : num;
      if (signed < 0 || signed > 0xffff_ffff) throw new QemuError(`Parameter '${key}' expects uint32_t`);
      prop.set(dev, signed);
    }
  }
}

export interface DeviceAddContext {
  vm: VmContext;
  types: TypeRegistry;
}

/**
 * models qdev_device_add (QEMU 7.2 order): driver, class, bus, hotplug checks, id, properties,
 * realize, then the bus's hotplug handler. A failed realize leaves nothing behind.
 */
export function qdevDeviceAdd(ctx: DeviceAddContext, opts: DeviceOptions): DeviceState {
  const { vm, types } = ctx;
  const hotplug = vm.machineReady;
  const driver = opts.driver;
  if (driver === undefined) throw new QemuError("Parameter 'driver' is missing");
  const cls = qdevGetDeviceClass(types, driver, hotplug, vm.profile);
  // models 7.2's qdev_get_device_class: a sysbus device must be on the machine's allow-list
  if (vm.profile === 'modern' && cls.busType === 'System' && vm.dynamicSysbusAllowed?.(cls.typeName) === false) {
    throw new QemuError("Parameter 'driver' expects a dynamic sysbus device type for the machine");
  }
  if (!cls.instantiate) throw new QemuError(`the twin does not model device '${cls.typeName}' (only vfio-ap)`);

  let bus;
  const busPath = [...opts.props].reverse().find(([k]) => k === 'bus')?.[1];
  if (busPath !== undefined) {
    bus = qbusFind(vm.sysbus, busPath);
    if (cls.busType !== bus.typeName) throw new QemuError(`Device '${driver}' can't go on ${bus.typeName} bus`);
  } else if (cls.busType !== undefined) {
    bus = qbusFindRecursive(vm.sysbus, undefined, cls.busType);
    if (!bus || bus.full) throw new QemuError(`No '${cls.busType}' bus found for device '${driver}'`);
  }
  if (hotplug && bus && !bus.hotpluggable) throw new QemuError(`Bus '${bus.name}' does not support hotplugging`);

  const dev = cls.instantiate(cls);
  dev.hotplugged = hotplug;
  if (opts.id !== undefined) {
    // models qdev_set_id: the id is a child of /machine/peripheral
    for (const other of walkDevices(vm.sysbus)) if (other.id === opts.id) throw new QemuError(`Duplicate device ID '${opts.id}'`);
    dev.id = opts.id;
  }
  dev.opts = opts.props.filter(([k]) => k !== 'bus');
  for (const [key, value] of dev.opts) setProperty(dev, key, value, vm.profile);

  // models qdev_realize → device_set_realized
  if (!bus) throw new QemuError(`Device '${driver}' can not be hotplugged on this machine`);
  if (dev.hotplugged && !cls.hotpluggable) throw new QemuError(`Device '${cls.typeName}' does not support hotplugging`);
  qdevSetParentBus(dev, bus);
  try {
    dev.realize(vm);
  } catch (e) {
    qdevUnparent(dev);
    throw e;
  }
  dev.realized = true;
  // device_set_realized: a hot-plugged device is reset once it is realized
  if (dev.hotplugged) dev.reset(vm);
  bus.hotplugHandler?.plug?.(dev);
  // the machine's own plug handler (virt links a dynamic sysbus device into its platform bus)
  try {
    vm.machinePlug?.(dev);
  } catch (e) {
    qdevUnparent(dev);
    throw e;
  }
  return dev;
}

/** models find_device_state: a device in /machine/peripheral by id. */
export function findDeviceState(vm: VmContext, id: string): DeviceState {
  for (const dev of walkDevices(vm.sysbus)) if (dev.id === id) return dev;
  throw new QemuError(`Device '${id}' not found`);
}

/** models qdev_unplug: bus and device must be hotpluggable; the bus's handler unplugs. */
export function qdevUnplug(dev: DeviceState): void {
  const bus = dev.parentBus;
  if (bus && !bus.hotpluggable) throw new QemuError(`Bus '${bus.name}' does not support hotplugging`);
  if (!dev.cls.hotpluggable) throw new QemuError(`Device '${dev.typeName}' does not support hotplugging`);
  bus?.hotplugHandler?.unplug(dev);
}

/** models qdev_simple_device_unplug_cb: unrealize, then unparent. */
export function qdevSimpleDeviceUnplug(vm: VmContext, dev: DeviceState): void {
  if (dev.realized) {
    dev.unrealize(vm);
    dev.realized = false;
  }
  qdevUnparent(dev);
}
