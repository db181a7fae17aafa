// The generic driver core (drivers/base/bus.c, dd.c) on a small bus whose match honours
// driver_override as platform and PCI do: bind, unbind, drivers_probe, drivers_autoprobe,
// the driver/subsystem links and uevent, with each profile's errnos and log lines.

import { describe, expect, it } from 'vitest';
import { KernelError } from '../../../src/core/errno.js';
import { BusSysfs, driverOverrideAttr } from '../../../src/kernel/base/bus-sysfs.js';
import { BusType } from '../../../src/kernel/base/bus-type.js';
import { Device, type DeviceDriver } from '../../../src/kernel/base/device.js';
import { KernelLog } from '../../../src/kernel/printk.js';
import { readText, writeText } from '../../../src/kernel/syscall-surface.js';
import { Process } from '../../../src/kernel/vfs/process.js';
import { Vfs } from '../../../src/kernel/vfs/vfs.js';
import { errno } from '../sh.js';

function toyBus(profile: 'modern' | 'legacy', autoprobe = true) {
  const vfs = new Vfs();
  const log = new KernelLog(() => 0);
  const ctx = { vfs, log, profile };
  const bus = new BusType<Device>('toy', ctx, {
    match: (dev, drv) => (dev.driverOverride !== undefined ? dev.driverOverride === drv.name : drv.name === 'native'),
  });
  const sysfs = new BusSysfs(vfs, bus, {
    ueventEnv: (dev) => `MODALIAS=toy:${dev.name}\n`,
    deviceFiles: (dev) => new Map([['driver_override', driverOverrideAttr(dev)]]),
  });
  sysfs.publish();
  if (!autoprobe) bus.setAutoprobe('0');
  const probed: string[] = [];
  const driver = (name: string, refuse?: 'ENOENT' | 'ENODEV'): DeviceDriver => ({
    name,
    probe: (dev) => {
      if (refuse) throw new KernelError(refuse);
      probed.push(`${name}:${dev.name}`);
    },
    remove: (dev) => probed.push(`-${name}:${dev.name}`),
  });
  const drivers = { native: driver('native'), picky: driver('picky', 'ENOENT'), shy: driver('shy', 'ENODEV') };
  for (const d of Object.values(drivers)) {
    bus.registerDriver(d);
    sysfs.publishDriver(d);
  }
  const dev = new Device('d0', '/sys/devices/toy/d0');
  sysfs.publishDevice(dev);
  bus.addDevice(dev);
  const sh = new Process(vfs, 1, 'sh');
  return { bus, dev, sh, log, probed, drivers };
}

const D = '/sys/bus/toy';

describe('the driver core (modern)', () => {
  it('autoprobe binds the matching driver; links and uevent follow the binding', () => {
    const t = toyBus('modern');
    expect(t.probed).toEqual(['native:d0']);
    expect(t.sh.readlink('/sys/devices/toy/d0/driver')).toBe('../../../bus/toy/drivers/native');
    expect(t.sh.readlink('/sys/devices/toy/d0/subsystem')).toBe('../../../bus/toy');
    expect(t.sh.readlink(`${D}/drivers/native/d0`)).toBe('../../../../devices/toy/d0');
    expect(t.sh.readlink(`${D}/devices/d0`)).toBe('../../../devices/toy/d0');
    expect(readText(t.sh, '/sys/devices/toy/d0/uevent')).toBe('DRIVER=native\nMODALIAS=toy:d0\n');
    expect(writeText(t.sh, `${D}/drivers/native/unbind`, 'd0\n')).toBe(3);
    expect(errno(() => t.sh.readlink('/sys/devices/toy/d0/driver'))).toBe('ENOENT');
    expect(readText(t.sh, '/sys/devices/toy/d0/uevent')).toBe('MODALIAS=toy:d0\n');
  });

  it('driver_override reads (null) when unset; bind needs a match; a bound device is EBUSY; probe errors come back', () => {
    const t = toyBus('modern', false);
    expect(readText(t.sh, '/sys/devices/toy/d0/driver_override')).toBe('(null)\n');
    expect(errno(() => writeText(t.sh, `${D}/drivers/picky/bind`, 'd0'))).toBe('ENODEV');
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'picky\n');
    expect(readText(t.sh, '/sys/devices/toy/d0/driver_override')).toBe('picky\n');
    expect(errno(() => writeText(t.sh, `${D}/drivers/picky/bind`, 'd0'))).toBe('ENOENT');
    expect(t.log.entries.map((e) => e.text)).toEqual(['picky d0: probe with driver picky failed with error -2']);
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'shy');
    expect(errno(() => writeText(t.sh, `${D}/drivers/shy/bind`, 'd0'))).toBe('ENODEV');
    expect(t.log.entries).toHaveLength(1); // ENODEV/ENXIO are quiet
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', '\n');
    expect(readText(t.sh, '/sys/devices/toy/d0/driver_override')).toBe('(null)\n');
    expect(errno(() => writeText(t.sh, `${D}/drivers/native/bind`, 'nope'))).toBe('ENODEV');
    expect(writeText(t.sh, `${D}/drivers/native/bind`, 'd0')).toBe(2);
    expect(errno(() => writeText(t.sh, `${D}/drivers/native/bind`, 'd0'))).toBe('EBUSY');
    expect(errno(() => writeText(t.sh, `${D}/drivers/picky/unbind`, 'd0'))).toBe('ENODEV');
  });

  it('drivers_probe attaches an unbound device (a failing probe is not an error); drivers_autoprobe reads and takes 0/1', () => {
    const t = toyBus('modern', false);
    expect(readText(t.sh, `${D}/drivers_autoprobe`)).toBe('0\n');
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'picky');
    expect(writeText(t.sh, `${D}/drivers_probe`, 'd0')).toBe(2);
    expect(t.dev.driver).toBeUndefined();
    expect(errno(() => writeText(t.sh, `${D}/drivers_probe`, 'd1'))).toBe('ENODEV');
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'native');
    writeText(t.sh, `${D}/drivers_probe`, 'd0');
    expect(t.dev.driver?.name).toBe('native');
    writeText(t.sh, `${D}/drivers_autoprobe`, 'yes');
    expect(readText(t.sh, `${D}/drivers_autoprobe`)).toBe('1\n');
  });
});

describe('the driver core (4.19)', () => {
  it('every failed bind is ENODEV; the probe failure is logged the 4.19 way', () => {
    const t = toyBus('legacy', false);
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'picky');
    expect(errno(() => writeText(t.sh, `${D}/drivers/picky/bind`, 'd0'))).toBe('ENODEV');
    expect(t.log.entries.map((e) => e.text)).toEqual(['picky: probe of d0 failed with error -2']);
    writeText(t.sh, '/sys/devices/toy/d0/driver_override', 'native');
    writeText(t.sh, `${D}/drivers/native/bind`, 'd0');
    expect(errno(() => writeText(t.sh, `${D}/drivers/native/bind`, 'd0'))).toBe('ENODEV');
  });
});
