// The mdev core (drivers/vfio/mdev/mdev_core.c, mdev_sysfs.c): parent registration,
// `create` and `remove`, and the links that make four paths lead to one device.

import { KernelError } from '../../core/errno.js';
import { kstrtoul, cString } from '../../core/kstrtoul.js';
import { canonicalUuid, isUuid, UUID_STRING_LEN } from '../../core/uuid.js';
import type { KernelContext } from '../kernel-context.js';
import { Attr, Dir } from '../vfs/node.js';
import { deviceUeventAttr, ueventAttr } from '../vfs/uevent.js';
import { MdevDevice, type MdevDriver, type MdevParent, type MdevType } from './mdev-device.js';

export const MDEV_BUS_PATH = '/sys/bus/mdev';

export class MdevCore {
  readonly devices = new Map<string, MdevDevice>();

  constructor(private readonly ctx: KernelContext) {
    const bus = ctx.vfs.mkdirp(MDEV_BUS_PATH);
    bus.dir('devices');
    bus.dir('drivers');
    bus.add('drivers_autoprobe', Attr.rw(() => '1\n', () => undefined));
    bus.add('uevent', ueventAttr());
  }

  /** models mdev_register_driver: /sys/bus/mdev/drivers/<name>. */
  registerDriver(drv: MdevDriver): void {
    const dir = this.ctx.vfs.mkdirp(`${MDEV_BUS_PATH}/drivers/${drv.name}`);
    dir.add('uevent', ueventAttr());
  }

  /** models mdev_register_parent: the class link and one directory per supported type. */
  registerParent(parent: MdevParent): void {
    const { vfs } = this.ctx;
    vfs.link(`/sys/class/mdev_bus/${parent.name}`, parent.path);
    for (const type of parent.types) {
      const dir = vfs.mkdirp(`${parent.path}/mdev_supported_types/${type.id}`);
      dir.add('name', Attr.value(`${type.name}\n`));
      dir.add('device_api', Attr.value(`${type.deviceApi}\n`));
      dir.add('available_instances', Attr.ro(() => `${this.availableInstances(type)}\n`));
      dir.add('create', Attr.wo((buf) => void this.create(parent, type, buf)));
      dir.dir('devices');
    }
  }

  availableInstances(type: MdevType): number {
    let used = 0;
    for (const d of this.devices.values()) if (d.type === type) used++;
    return type.maxInstances - used;
  }

  /** models create_store + mdev_device_create, in the kernel's order of checks. */
  create(parent: MdevParent, type: MdevType, buf: string): MdevDevice {
    if (buf.length < UUID_STRING_LEN || buf.length > UUID_STRING_LEN + 1) throw new KernelError('EINVAL');
    const text = cString(buf).slice(0, UUID_STRING_LEN);
    if (!isUuid(text)) throw new KernelError('EINVAL');
    const uuid = canonicalUuid(text);
    if (this.devices.has(uuid)) throw new KernelError('EEXIST');
    if (type.exhaustedErrno && this.availableInstances(type) <= 0) throw new KernelError(type.exhaustedErrno);
    return this.add(new MdevDevice(uuid, parent, type));
  }

  /** device_add, driver probe, then the core's own links and `remove` (mdev_create_sysfs_files). */
  add(mdev: MdevDevice, probe = true): MdevDevice {
    const { vfs } = this.ctx;
    const drv = mdev.type.driver;
    const vendor = new Dir({
      names: () => drv.attributes(mdev).keys(),
      lookup: (name) => drv.attributes(mdev).get(name),
    });
    mdev.dir = vfs.attach(mdev.path, vendor);
    vfs.link(`${mdev.path}/subsystem`, MDEV_BUS_PATH);
    vfs.link(`${MDEV_BUS_PATH}/devices/${mdev.uuid}`, mdev.path);
    this.devices.set(mdev.uuid, mdev);
    if (probe) {
      try {
        drv.probe(mdev);
      } catch (e) {
        this.unpublish(mdev);
        throw e;
      }
    }
    vfs.link(`${mdev.path}/driver`, `${MDEV_BUS_PATH}/drivers/${drv.name}`);
    vfs.link(`${MDEV_BUS_PATH}/drivers/${drv.name}/${mdev.uuid}`, mdev.path);
    vfs.link(`${mdev.parent.path}/mdev_supported_types/${mdev.type.id}/devices/${mdev.uuid}`, mdev.path);
    vfs.link(`${mdev.path}/mdev_type`, `${mdev.parent.path}/mdev_supported_types/${mdev.type.id}`);
    mdev.dir.add('remove', Attr.wo((rbuf) => this.removeStore(mdev, rbuf)));
    // dev_uevent: the DRIVER= line only (the mdev bus has no uevent callback, the device no devt)
    mdev.dir.add('uevent', deviceUeventAttr(() => `DRIVER=${drv.name}\n`));
    mdev.dir.dir('power');
    return mdev;
  }

  /** models remove_store: base-0 number, 0 is a no-op, anything else removes the device. */
  private removeStore(mdev: MdevDevice, buf: string): void {
    let value: bigint;
    try {
      value = kstrtoul(buf);
    } catch {
      throw new KernelError('EINVAL');
    }
    if (value === 0n) return;
    if (!this.devices.has(mdev.uuid)) throw new KernelError('ENODEV');
    this.remove(mdev);
  }

  /** models mdev_device_remove: the driver may refuse (legacy EBUSY) and the device stays. */
  remove(mdev: MdevDevice): void {
    mdev.type.driver.remove(mdev);
    this.unpublish(mdev);
  }

  private unpublish(mdev: MdevDevice): void {
    const { vfs } = this.ctx;
    vfs.detach(`${mdev.parent.path}/mdev_supported_types/${mdev.type.id}/devices/${mdev.uuid}`);
    vfs.detach(`${MDEV_BUS_PATH}/drivers/${mdev.type.driver.name}/${mdev.uuid}`);
    vfs.detach(`${MDEV_BUS_PATH}/devices/${mdev.uuid}`);
    vfs.detach(mdev.path);
    this.devices.delete(mdev.uuid);
  }
}
