// QOM/qdev in miniature (hw/core/qdev.c, hw/core/bus.c, qom/object.c): device types with
// properties, buses with a device limit and a hotplug handler, realize/unrealize/reset.

import { QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';

export type PropType = 'str' | 'bool' | 'uint32';

export interface PropertyInfo<D extends DeviceState = DeviceState> {
  name: string;
  type: PropType;
  /** Stores the already-parsed value. */
  set(dev: D, value: string | boolean | number): void;
  get(dev: D): string | boolean | number | undefined;
}

/** DEVICE_CATEGORY_* as -device help groups them. */
export type DeviceCategory = 'bridge' | 'usb' | 'storage' | 'network' | 'input' | 'display' | 'sound' | 'misc' | 'cpu' | 'watchdog';

export interface DeviceClass {
  typeName: string;
  parent?: string;
  abstract: boolean;
  userCreatable: boolean;
  hotpluggable: boolean;
  /** TYPE_* of the bus the device plugs into; undefined for bus-less devices. */
  busType?: string;
  /** qdev_alias_table: a short name -device also accepts (virtio-rng → virtio-rng-ccw). */
  alias?: string;
  desc?: string;
  categories: readonly DeviceCategory[];
  props: readonly PropertyInfo[];
  /** Help-only property list (types the twin does not instantiate). */
  helpProps?: readonly { name: string; type: string; description?: string; defaultValue?: string }[];
  /** object_new: a fresh, unrealized instance (abstract types have none). */
  instantiate?(cls: DeviceClass): DeviceState;
}

export class DeviceState {
  id: string | undefined;
  parentBus: BusState | undefined;
  realized = false;
  hotplugged = false;
  /** Child buses (qbus_new with this device as parent). */
  readonly childBuses: BusState[] = [];

  constructor(readonly cls: DeviceClass) {}

  get typeName(): string {
    return this.cls.typeName;
  }

  /** DeviceClass.realize: throws QemuError. */
  realize(_vm: VmContext): void {}

  /** DeviceClass.unrealize. */
  unrealize(_vm: VmContext): void {}

  /** DeviceClass.reset (legacy reset). */
  reset(_vm: VmContext): void {}

  /** The options the device was created with, for snapshots (-device text without id). */
  opts: [string, string][] = [];
}

export class BusState {
  readonly children: DeviceState[] = [];
  /** The bus's hotplug handler (qbus_set_hotplug_handler); without one the bus is not hotpluggable. */
  hotplugHandler: HotplugHandler | undefined;

  constructor(
    readonly typeName: string,
    readonly name: string,
    readonly parent: DeviceState | undefined,
    /** BusClass.max_dev; 0 = unlimited. */
    readonly maxDev = 0,
  ) {
    parent?.childBuses.push(this);
  }

  /** models qbus_is_full. */
  get full(): boolean {
    return this.maxDev > 0 && this.children.length >= this.maxDev;
  }

  /** models qbus_is_hotpluggable. */
  get hotpluggable(): boolean {
    return this.hotplugHandler !== undefined;
  }
}

/** models HotplugHandlerClass: plug after realize, unplug (synchronous) on request. */
export interface HotplugHandler {
  plug?(dev: DeviceState): void;
  /** qdev_simple_device_unplug_cb: unrealize and drop the device. */
  unplug(dev: DeviceState): void;
}

/** The type registry (type_register_static). */
export class TypeRegistry {
  private readonly types = new Map<string, DeviceClass>();

  register(cls: DeviceClass): void {
    this.types.set(cls.typeName, cls);
  }

  lookup(name: string): DeviceClass | undefined {
    return this.types.get(name);
  }

  /** models find_typename_by_alias. */
  byAlias(alias: string): DeviceClass | undefined {
    return [...this.types.values()].find((c) => c.alias === alias);
  }

  all(): DeviceClass[] {
    return [...this.types.values()];
  }
}

/** models qdev_set_parent_bus: the device joins the bus's child list. */
export function qdevSetParentBus(dev: DeviceState, bus: BusState): void {
  dev.parentBus = bus;
  bus.children.push(dev);
}

export function qdevUnparent(dev: DeviceState): void {
  const bus = dev.parentBus;
  if (!bus) return;
  const i = bus.children.indexOf(dev);
  if (i >= 0) bus.children.splice(i, 1);
  dev.parentBus = undefined;
}

/** Buses depth first from root (qbus_walk_children order). */
export function* walkBuses(bus: BusState): IterableIterator<BusState> {
  yield bus;
  for (const dev of bus.children) for (const child of dev.childBuses) yield* walkBuses(child);
}

/** Devices depth first below a bus. */
export function* walkDevices(bus: BusState): IterableIterator<DeviceState> {
  for (const dev of bus.children) {
    yield dev;
    for (const child of dev.childBuses) yield* walkDevices(child);
  }
}

/**
 * models qbus_find_recursive: the first bus matching the name or type that is not full;
 * a full match is returned only when no other match exists.
 */
export function qbusFindRecursive(bus: BusState, name: string | undefined, typeName: string | undefined): BusState | undefined {
  const match = name !== undefined ? bus.name === name : bus.typeName === typeName;
  if (match && !bus.full) return bus;
  let pick = match ? bus : undefined;
  for (const dev of bus.children) {
    for (const child of dev.childBuses) {
      const ret = qbusFindRecursive(child, name, typeName);
      if (ret && !ret.full) return ret;
      if (ret && !pick) pick = ret;
    }
  }
  return pick;
}

/**
 * models qbus_find for the path forms a VMM user writes: a bus name (`ap-bus`) or an
 * absolute path (`/ap-bus`). Errors: "Bus '%s' not found", "Bus '%s' is full".
 */
export function qbusFind(root: BusState, path: string): BusState {
  let bus: BusState = root;
  const elems = path.split('/').filter((e) => e !== '');
  if (path.startsWith('/')) {
    for (const elem of elems) {
      // a path element names a bus below the current one
      const next: BusState | undefined = bus.children.flatMap((d) => d.childBuses).find((b) => b.name === elem);
      if (!next) throw new QemuError(`Bus '${elem}' not found`);
      bus = next;
    }
  } else {
    const first = elems[0] ?? '';
    const found = qbusFindRecursive(root, first, undefined);
    if (!found) throw new QemuError(`Bus '${first}' not found`);
    bus = found;
  }
  if (bus.full) throw new QemuError(`Bus '${path}' is full`);
  return bus;
}
