// The mdev core's objects: a parent device with its supported types, and the mediated
// devices created on it (drivers/vfio/mdev/mdev_private.h).

import type { ErrnoName } from '../../core/errno.js';
import type { Attr, Dir } from '../vfs/node.js';

/** The mdev bus driver bound to every mdev of a type (modern: vfio_ap_mdev, legacy: vfio_mdev). */
export interface MdevDriver {
  readonly name: string;
  /** Throws a KernelError to refuse the device, which makes create fail. */
  probe(mdev: MdevDevice): void;
  /** Throws a KernelError (legacy EBUSY) to make `remove` fail and keep the device. */
  remove(mdev: MdevDevice): void;
  /** The vendor attributes shown in the mdev's directory. */
  attributes(mdev: MdevDevice): ReadonlyMap<string, Attr>;
}

export interface MdevType {
  /** Directory name: "<parent driver>-<type>", e.g. vfio_ap-passthrough. */
  readonly id: string;
  readonly name: string;
  readonly deviceApi: string;
  readonly maxInstances: number;
  readonly driver: MdevDriver;
  /** The errno the core returns when no instance is left (modern EUSERS); undefined: the vendor checks. */
  readonly exhaustedErrno: ErrnoName | undefined;
}

export class MdevParent {
  constructor(
    readonly name: string,
    readonly path: string,
    readonly types: MdevType[],
  ) {}
}

export class MdevDevice {
  /** The device directory, filled by the core, the driver and the VFIO core. */
  dir: Dir | undefined;

  constructor(
    readonly uuid: string,
    readonly parent: MdevParent,
    readonly type: MdevType,
  ) {}

  get path(): string {
    return `${this.parent.path}/${this.uuid}`;
  }

  /** The three other sysfs paths that lead to this device (all valid QEMU sysfsdev values). */
  get aliases(): string[] {
    return [
      `/sys/bus/mdev/devices/${this.uuid}`,
      `/sys/bus/mdev/drivers/${this.type.driver.name}/${this.uuid}`,
      `${this.parent.path}/mdev_supported_types/${this.type.id}/devices/${this.uuid}`,
    ];
  }
}
