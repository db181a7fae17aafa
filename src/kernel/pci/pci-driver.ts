// struct pci_driver (drivers/pci/pci-driver.c): a static id table, the dynamic ids user
// space adds through new_id and drops through remove_id, and pci_match_device's order:
// driver_override first, then dynamic ids, then the table (override-only entries match
// only through driver_override), then any device whose driver_override names the driver.

import { KernelError } from '../../core/errno.js';
import type { DeviceDriver } from '../base/device.js';
import type { Attr } from '../vfs/node.js';
import type { PciDevice } from './pci-device.js';

export const PCI_ANY_ID = 0xffff_ffff;

export interface PciDeviceId {
  vendor: number;
  device: number;
  subvendor: number;
  subdevice: number;
  class: number;
  classMask: number;
  /** PCI_DRIVER_OVERRIDE_DEVICE_VFIO: matches only a device whose driver_override names the driver. */
  overrideOnly?: boolean;
}

/** The fields pci_match_one_device compares. */
type Ids = Pick<PciDevice, 'vendor' | 'deviceId' | 'classCode'> & { subvendor: number; subdevice: number };

/** models pci_match_one_device. */
export function pciMatchOne(id: PciDeviceId, d: Ids): boolean {
  return (
    (id.vendor === PCI_ANY_ID || id.vendor === d.vendor) &&
    (id.device === PCI_ANY_ID || id.device === d.deviceId) &&
    (id.subvendor === PCI_ANY_ID || id.subvendor === d.subvendor) &&
    (id.subdevice === PCI_ANY_ID || id.subdevice === d.subdevice) &&
    ((id.class ^ d.classCode) & id.classMask) === 0
  );
}

export const anyId = (over: Partial<PciDeviceId> = {}): PciDeviceId => ({
  vendor: PCI_ANY_ID,
  device: PCI_ANY_ID,
  subvendor: PCI_ANY_ID,
  subdevice: PCI_ANY_ID,
  class: 0,
  classMask: 0,
  ...over,
});

/** What the bus-specific part of a driver does at probe/remove. */
export interface PciDriverOps {
  probe?(dev: PciDevice): void;
  remove?(dev: PciDevice): void;
  deviceAttributes?(dev: PciDevice): ReadonlyMap<string, Attr>;
}

export class PciDriver implements DeviceDriver<PciDevice> {
  readonly dynids: PciDeviceId[] = [];

  constructor(
    readonly name: string,
    readonly ids: readonly PciDeviceId[],
    private readonly ops: PciDriverOps = {},
    readonly driverManagedDma = false,
  ) {}

  probe(dev: PciDevice): void {
    this.ops.probe?.(dev);
  }

  remove(dev: PciDevice): void {
    this.ops.remove?.(dev);
  }

  deviceAttributes(dev: PciDevice): ReadonlyMap<string, Attr> {
    return this.ops.deviceAttributes?.(dev) ?? new Map();
  }

  /** models pci_match_device. */
  matchDevice(d: Ids, driverOverride: string | undefined): boolean {
    if (driverOverride !== undefined && driverOverride !== this.name) return false;
    if (this.dynids.some((id) => pciMatchOne(id, d))) return true;
    if (this.ids.some((id) => pciMatchOne(id, d) && (!id.overrideOnly || driverOverride === this.name))) return true;
    return driverOverride !== undefined;
  }
}

/** models sscanf(buf, "%x %x ...") as new_id/remove_id use it: the fields read before the first that fails. */
export function scanHex(buf: string, max: number): number[] {
  const out: number[] = [];
  const re = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/;
  let rest = buf;
  while (out.length < max) {
    const m = re.exec(rest);
    if (!m) break;
    const v = Number(BigInt.asUintN(32, BigInt(`0x${m[2]!}`) * (m[1] === '-' ? -1n : 1n)));
    out.push(v);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** models new_id_store: EINVAL for fewer than two fields, EEXIST when the driver already matches, then driver_attach. */
export function newId(drv: PciDriver, buf: string, attach: () => void): void {
  const f = scanHex(buf, 7);
  if (f.length < 2) throw new KernelError('EINVAL');
  const id: PciDeviceId = {
    vendor: f[0]!,
    device: f[1]!,
    subvendor: f[2] ?? PCI_ANY_ID,
    subdevice: f[3] ?? PCI_ANY_ID,
    class: f[4] ?? 0,
    classMask: f[5] ?? 0,
  };
  if (f.length !== 7) {
    const probe = { vendor: id.vendor, deviceId: id.device, subvendor: id.subvendor, subdevice: id.subdevice, classCode: id.class };
    if (drv.matchDevice(probe, undefined)) throw new KernelError('EEXIST');
  }
  // only driver_data values of the id table are accepted; the twin's tables all carry 0
  if (drv.ids.length > 0 && (f[6] ?? 0) !== 0) throw new KernelError('EINVAL');
  drv.dynids.push(id);
  attach();
}

/** models remove_id_store: the first dynamic id with these fields goes, else ENODEV. */
export function removeId(drv: PciDriver, buf: string): void {
  const f = scanHex(buf, 6);
  if (f.length < 2) throw new KernelError('EINVAL');
  const [vendor, device, subvendor = PCI_ANY_ID, subdevice = PCI_ANY_ID, cls = 0, classMask = 0] = f;
  const i = drv.dynids.findIndex(
    (id) =>
      id.vendor === vendor &&
      id.device === device &&
      (subvendor === PCI_ANY_ID || id.subvendor === subvendor) &&
      (subdevice === PCI_ANY_ID || id.subdevice === subdevice) &&
      !((id.class ^ cls) & classMask),
  );
  if (i < 0) throw new KernelError('ENODEV');
  drv.dynids.splice(i, 1);
}
