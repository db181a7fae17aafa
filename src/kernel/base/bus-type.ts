// struct bus_type and the driver core's binding rules (drivers/base/bus.c, dd.c): devices
// and drivers of one bus, matching, probing, bind/unbind/drivers_probe and
// drivers_autoprobe, with the errno each returns in the profile's kernel (6.x flows probe
// errors back to a sysfs bind; 4.19 turns every failure into ENODEV).

import { KernelError, errnoNumber, type ErrnoName } from '../../core/errno.js';
import { cString } from '../../core/kstrtoul.js';
import type { KernelContext } from '../kernel-context.js';
import type { Device, DeviceDriver } from './device.js';

/** What a bus type adds to the driver core (struct bus_type's callbacks). */
export interface BusOps<D extends Device> {
  /** models bus->match (driver_override is the bus's business: platform and PCI honour it). */
  match(dev: D, drv: DeviceDriver<D>): boolean;
  /** models bus->dma_configure: throws KernelError (EBUSY for a group user space owns). */
  dmaConfigure?(dev: D, drv: DeviceDriver<D>): void;
}

/** The result of one probe attempt (really_probe). */
type ProbeResult = { ok: true } | { ok: false; errno: ErrnoName; fromProbe: boolean };

/** models bus_find_device_by_name's sysfs_streq: the C string up to a NUL, one trailing newline ignored. */
export function sysfsStreqName(buf: string): string {
  const s = cString(buf);
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

export class BusType<D extends Device = Device> {
  readonly devices = new Map<string, D>();
  /** Drivers in registration order (bus_for_each_drv walks them so). */
  readonly drivers: DeviceDriver<D>[] = [];
  driversAutoprobe = true;

  constructor(
    readonly name: string,
    protected readonly ctx: KernelContext,
    readonly ops: BusOps<D>,
  ) {}

  get path(): string {
    return `/sys/bus/${this.name}`;
  }

  driver(name: string): DeviceDriver<D> | undefined {
    return this.drivers.find((d) => d.name === name);
  }

  private get modern(): boolean {
    return this.ctx.profile === 'modern';
  }

  /** models really_probe: dev->driver is set while the driver probes; on failure it goes again. */
  private reallyProbe(dev: D, drv: DeviceDriver<D>): ProbeResult {
    dev.driver = drv;
    try {
      this.ops.dmaConfigure?.(dev, drv);
    } catch (e) {
      dev.driver = undefined;
      if (!(e instanceof KernelError)) throw e;
      return { ok: false, errno: e.code, fromProbe: false };
    }
    try {
      drv.probe(dev);
      return { ok: true };
    } catch (e) {
      dev.driver = undefined;
      if (!(e instanceof KernelError)) throw e;
      if (e.code !== 'ENODEV' && e.code !== 'ENXIO') {
        // 6.x call_driver_probe's dev_err; 4.19 really_probe's printk
        if (this.modern) this.ctx.log.dev(drv.name, dev.name, `probe with driver ${drv.name} failed with error -${errnoNumber(e.code)}`);
        else this.ctx.log.printk(`${drv.name}: probe of ${dev.name} failed with error -${errnoNumber(e.code)}`);
      }
      return { ok: false, errno: e.code, fromProbe: true };
    }
  }

  /** models __device_attach: the first matching driver that takes the device; a negative error stops the walk. */
  deviceAttach(dev: D): boolean {
    if (dev.driver) return true;
    for (const drv of this.drivers) {
      if (!this.ops.match(dev, drv)) continue;
      const r = this.reallyProbe(dev, drv);
      if (r.ok) return true;
      // 6.x: a probe error lets the next driver try; an error before probing stops the walk
      if (this.modern && !r.fromProbe) throw new KernelError(r.errno);
    }
    return false;
  }

  /** models device_add + bus_probe_device. */
  addDevice(dev: D): void {
    if (this.devices.has(dev.name)) throw new KernelError('EEXIST', dev.name);
    this.devices.set(dev.name, dev);
    if (this.driversAutoprobe) this.tryAttach(dev);
  }

  private tryAttach(dev: D): void {
    try {
      this.deviceAttach(dev);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
    }
  }

  /** models driver_register → bus_add_driver → driver_attach (when autoprobe is on). */
  registerDriver(drv: DeviceDriver<D>): void {
    this.drivers.push(drv);
    if (!this.driversAutoprobe) return;
    for (const dev of this.devices.values()) if (!dev.driver && this.ops.match(dev, drv)) this.reallyProbe(dev, drv);
  }

  /** models device_release_driver. */
  release(dev: D): void {
    const drv = dev.driver;
    if (!drv) return;
    drv.remove(dev);
    dev.driver = undefined;
  }

  /** models bind_store. */
  bind(drv: DeviceDriver<D>, buf: string): void {
    const dev = this.devices.get(sysfsStreqName(buf));
    if (this.modern) {
      if (!dev || !this.ops.match(dev, drv)) throw new KernelError('ENODEV');
      // device_driver_attach → __driver_probe_device
      if (dev.driver) throw new KernelError('EBUSY');
      const r = this.reallyProbe(dev, drv);
      // probe errors come back as they are (EPROBE_DEFER as EAGAIN)
      if (!r.ok) throw new KernelError(r.errno);
      return;
    }
    if (!dev || dev.driver || !this.ops.match(dev, drv)) throw new KernelError('ENODEV');
    if (!this.reallyProbe(dev, drv).ok) throw new KernelError('ENODEV');
  }

  /** models unbind_store: only a device bound to this driver. */
  unbind(drv: DeviceDriver<D>, buf: string): void {
    const dev = this.devices.get(sysfsStreqName(buf));
    if (!dev || dev.driver !== drv) throw new KernelError('ENODEV');
    this.release(dev);
  }

  /** models drivers_probe_store + bus_rescan_devices_helper: ENODEV for no device, EINVAL if attaching errs. */
  driversProbe(buf: string): void {
    const dev = this.devices.get(sysfsStreqName(buf));
    if (!dev) throw new KernelError('ENODEV');
    if (dev.driver) return;
    try {
      this.deviceAttach(dev);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      throw new KernelError('EINVAL');
    }
  }

  /** models drivers_autoprobe_store: '0' turns it off, anything else on. */
  setAutoprobe(buf: string): void {
    this.driversAutoprobe = buf[0] !== '0';
  }
}
