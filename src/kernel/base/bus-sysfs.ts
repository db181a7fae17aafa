// A bus in sysfs (drivers/base/bus.c, core.c): /sys/bus/<bus>/{devices,drivers,
// drivers_autoprobe,drivers_probe,uevent}, each driver's bind/unbind/uevent and links to
// its devices, and the driver core's files in every device directory (driver,
// subsystem, uevent); the bus adds its own (modalias, driver_override, of_node ...).

import { KernelError } from '../../core/errno.js';
import { Attr, Dir, Link, relativeTarget, type VfsNode } from '../vfs/node.js';
import { checkSyntheticUevent, deviceUeventAttr, ueventAttr } from '../vfs/uevent.js';
import type { Vfs } from '../vfs/vfs.js';
import type { BusType } from './bus-type.js';
import type { Device, DeviceDriver } from './device.js';

/** What the bus adds to the driver core's sysfs. */
export interface BusSysfsOps<D extends Device> {
  /** The bus's uevent variables (bus->uevent) after DRIVER= and the OF_ lines, one "KEY=value\n" each. */
  ueventEnv(dev: D): string;
  /** The bus's and device's own files in the device directory (modalias, driver_override, of_node ...). */
  deviceFiles(dev: D): ReadonlyMap<string, VfsNode>;
  /** Extra driver files (the PCI bus's new_id/remove_id). */
  driverFiles?(drv: DeviceDriver<D>): ReadonlyMap<string, VfsNode>;
}

/** models driver_override_store/show (driver_set_override): "(null)" when unset; an empty write or "\n" clears it. */
export function driverOverrideAttr(dev: Device): Attr {
  return Attr.rw(
    () => `${dev.driverOverride ?? '(null)'}\n`,
    (buf) => {
      // one character less than a page: room for the newline show adds
      if (buf.length >= 4096 - 1) throw new KernelError('EINVAL');
      const nul = buf.indexOf('\0');
      let s = nul < 0 ? buf : buf.slice(0, nul);
      const nl = s.indexOf('\n');
      if (nl >= 0) s = s.slice(0, nl);
      dev.driverOverride = s.length ? s : undefined;
    },
  );
}

export class BusSysfs<D extends Device> {
  constructor(
    private readonly vfs: Vfs,
    private readonly bus: BusType<D>,
    private readonly ops: BusSysfsOps<D>,
  ) {}

  /** models bus_register's files. */
  publish(): void {
    const { bus } = this;
    const dir = this.vfs.mkdirp(bus.path);
    dir.add(
      'devices',
      new Dir({
        names: () => [...bus.devices.keys()],
        lookup: (name) => {
          const dev = bus.devices.get(name);
          return dev ? new Link(relativeTarget(`${bus.path}/devices`, dev.path)) : undefined;
        },
      }),
    );
    dir.dir('drivers');
    dir.add('drivers_autoprobe', Attr.rw(() => `${bus.driversAutoprobe ? 1 : 0}\n`, (buf) => bus.setAutoprobe(buf)));
    dir.add('drivers_probe', Attr.wo((buf) => bus.driversProbe(buf)));
    dir.add('uevent', ueventAttr());
  }

  /** models bus_add_driver's files: bind, unbind, uevent and a link per bound device. */
  publishDriver(drv: DeviceDriver<D>): void {
    const { bus } = this;
    const path = `${bus.path}/drivers/${drv.name}`;
    const files = new Map<string, VfsNode>([
      ['bind', Attr.wo((buf) => bus.bind(drv, buf))],
      ['unbind', Attr.wo((buf) => bus.unbind(drv, buf))],
      ['uevent', Attr.wo(checkSyntheticUevent)],
      ...(this.ops.driverFiles?.(drv) ?? []),
    ]);
    const bound = (): D[] => [...bus.devices.values()].filter((d) => d.driver === drv);
    this.vfs.attach(
      path,
      new Dir({
        names: () => [...files.keys(), ...bound().map((d) => d.name)],
        lookup: (name) => {
          const f = files.get(name);
          if (f) return f;
          const dev = bus.devices.get(name);
          return dev?.driver === drv ? new Link(relativeTarget(path, dev.path)) : undefined;
        },
      }),
    );
  }

  /** models device_add's files: the device directory with the driver core's entries and the bus's. */
  publishDevice(dev: D): Dir {
    const { bus } = this;
    const own = this.ops.deviceFiles(dev);
    const fixed = new Map<string, VfsNode>([
      ...own,
      ['subsystem', new Link(relativeTarget(dev.path, bus.path))],
      // models dev_uevent: DRIVER= while bound, then the bus's variables
      ['uevent', deviceUeventAttr(() => `${dev.driver ? `DRIVER=${dev.driver.name}\n` : ''}${this.ops.ueventEnv(dev)}`)],
    ]);
    const power = new Dir();
    const dir = new Dir({
      names: () => [...fixed.keys(), 'power', ...(dev.driver ? ['driver'] : []), ...(dev.driver?.deviceAttributes?.(dev).keys() ?? [])],
      lookup: (name) => {
        if (name === 'power') return power;
        if (name === 'driver') return dev.driver ? new Link(relativeTarget(dev.path, `${bus.path}/drivers/${dev.driver.name}`)) : undefined;
        return fixed.get(name) ?? dev.driver?.deviceAttributes?.(dev).get(name);
      },
    });
    return this.vfs.attach(dev.path, dir);
  }
}
