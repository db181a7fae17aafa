// What the PCI bus puts in a device's sysfs directory (drivers/pci/pci-sysfs.c) and its
// uevent (pci_uevent), plus the EEH files PowerNV adds (arch/powerpc/kernel/eeh_sysfs.c),
// and the drivers' new_id/remove_id.

import { Attr, type VfsNode } from '../vfs/node.js';
import { driverOverrideAttr, type BusSysfsOps } from '../base/bus-sysfs.js';
import type { DeviceDriver } from '../base/device.js';
import { barResourceFlags, hex, type PciDevice } from './pci-device.js';
import { newId, removeId, type PciDriver } from './pci-driver.js';

/** PCI_BRIDGE_RESOURCES with CONFIG_PCI_IOV: the lines `resource` shows for a type 0 function. */
const RESOURCE_LINES = 13;
/** EEH_DEV_SYSFS: the mode bit eeh_sysfs_add_device sets. */
const EEH_DEV_SYSFS = 0x200;
/** EEH_PE_CFG_BLOCKED in pe->state: config accesses are blocked during a reset. */
const EEH_PE_CFG_BLOCKED = 1 << 2;

const up = (n: number, w: number): string => hex(n, w).toUpperCase();

/** models modalias_show / pci_uevent's MODALIAS. */
export function pciModalias(d: PciDevice): string {
  const c = d.classCode;
  return `pci:v${up(d.vendor, 8)}d${up(d.deviceId, 8)}sv${up(d.spec.subsystemVendor, 8)}sd${up(d.spec.subsystemDevice, 8)}bc${up(c >> 16, 2)}sc${up((c >> 8) & 0xff, 2)}i${up(c & 0xff, 2)}`;
}

/** models resource_show: start, end and flags of every resource, unused ones as zeros. */
function resourceText(d: PciDevice): string {
  const z = `0x${hex(0, 16)}`;
  const lines: string[] = [];
  for (let i = 0; i < RESOURCE_LINES; i++) {
    const bar = d.bars.find((b) => b.index === i);
    lines.push(bar ? `0x${hex(bar.base, 16)} 0x${hex(bar.base + BigInt(bar.size) - 1n, 16)} 0x${hex(barResourceFlags(bar), 16)}` : `${z} ${z} ${z}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** models pci_read_config: the config bytes as the PHB answers (all-ones for a frozen PE). */
function configText(d: PciDevice): string {
  let s = '';
  for (let off = 0; off < d.config.length; off += 4) {
    const v = d.cfgRead(off, 4);
    s += String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }
  return s;
}

/** The PCI bus's sysfs ops; attach is driver_attach (new_id probes the unbound devices it now matches). */
/** models pci_write_config from offset 0 (a write(2) on a freshly opened file): byte by byte, up to cfg_size. */
function configWrite(d: PciDevice, buf: string): void {
  const n = Math.min(buf.length, d.config.length);
  for (let i = 0; i < n; i++) d.cfgWrite(i, 1, buf.charCodeAt(i) & 0xff);
}

export function pciSysfsOps(attach: (drv: PciDriver) => void): BusSysfsOps<PciDevice> {
  return {
  ueventEnv: (d) =>
    `PCI_CLASS=${d.classCode.toString(16).toUpperCase()}\nPCI_ID=${up(d.vendor, 4)}:${up(d.deviceId, 4)}\nPCI_SUBSYS_ID=${up(d.spec.subsystemVendor, 4)}:${up(d.spec.subsystemDevice, 4)}\nPCI_SLOT_NAME=${d.name}\nMODALIAS=${pciModalias(d)}\n`,
  deviceFiles(d) {
    const files = new Map<string, VfsNode>([
      ['vendor', Attr.value(`0x${hex(d.vendor, 4)}\n`)],
      ['device', Attr.value(`0x${hex(d.deviceId, 4)}\n`)],
      ['subsystem_vendor', Attr.value(`0x${hex(d.spec.subsystemVendor, 4)}\n`)],
      ['subsystem_device', Attr.value(`0x${hex(d.spec.subsystemDevice, 4)}\n`)],
      ['class', Attr.value(`0x${hex(d.classCode, 6)}\n`)],
      ['revision', Attr.value(`0x${hex(d.spec.revision, 2)}\n`)],
      ['config', Attr.rw(() => configText(d), (buf) => configWrite(d, buf))],
      ['resource', Attr.ro(() => resourceText(d))],
      ['modalias', Attr.value(`${pciModalias(d)}\n`)],
      ['driver_override', driverOverrideAttr(d)],
    ]);
    if (d.pe) {
      const pe = d.pe;
      // models eeh_sysfs.c: pnv_eeh_probe's pe_config_addr is the PE number (pe_rmap), mode has EEH_DEV_SYSFS
      files.set('eeh_pe_config_addr', Attr.value(`0x${pe.addr.toString(16)}\n`));
      files.set('eeh_mode', Attr.value(`0x${EEH_DEV_SYSFS.toString(16)}\n`));
      // eeh_pe_state: get_state's flags and pe->state; a store thaws only an ISOLATED PE, which VFIO-owned errors never mark
      files.set(
        'eeh_pe_state',
        Attr.rw(
          () => `0x${hex(pe.hwState(), 8)} 0x${hex(pe.cfgBlocked ? EEH_PE_CFG_BLOCKED : 0, 8)}\n`,
          () => undefined,
        ),
      );
    }
    return files;
  },
  driverFiles(drv: DeviceDriver<PciDevice>) {
    const pdrv = drv as PciDriver;
    return new Map<string, VfsNode>([
      ['new_id', Attr.wo((buf) => newId(pdrv, buf, () => attach(pdrv)))],
      ['remove_id', Attr.wo((buf) => removeId(pdrv, buf))],
    ]);
  },
  };
}
