// The POWER host's PCI part (PowerNV): each PHB is a PCI domain with its root port; each
// PE gets one IOMMU group holding its functions (pnv_pci_ioda_setup_iommu_api), with the
// PE's TCE table group as the group's IOMMU data; the host drivers of the spec, pcieport
// and vfio-pci are registered on the PCI bus; VFIO gets the sPAPR TCE IOMMU back-end.

import { KernelError } from '../../core/errno.js';
import { BusSysfs } from '../base/bus-sysfs.js';
import { BusType } from '../base/bus-type.js';
import { EehPe, type EehPeSnapshot } from '../eeh/eeh-pe.js';
import { findPart, type HostPart, type HostServices } from '../host-part.js';
import { ppc64leSpec } from '../host-spec-types.js';
import { phb4TableGroup } from '../vfio/spapr-table-group.js';
import { spaprTceIommuDriver } from '../vfio/vfio-iommu-spapr-driver.js';
import { vfioPciDriver } from '../vfio-pci/vfio-pci.js';
import { PciDevice, hex } from './pci-device.js';
import { PciDriver, anyId } from './pci-driver.js';
import type { PciFunctionSpec } from './pci-host-spec.js';
import { pciSysfsOps } from './pci-sysfs.js';

export interface PciPartSnapshot {
  /** Each function: its driver, driver_override and the bytes a guest or reset changed. */
  devices: { name: string; driver: string | null; override: string | null; config: string; mmio: [number, [number, number][]][] }[];
  pes: ({ domain: number; pe: number } & EehPeSnapshot)[];
  dynids: Record<string, { vendor: number; device: number; subvendor: number; subdevice: number; class: number; classMask: number }[]>;
  autoprobe: boolean;
}

/** The IBM POWER9 root port (PHB4) every PHB has at 00:00.0. */
const ROOT_PORT: Omit<PciFunctionSpec, 'slot'> = {
  vendor: 0x1014,
  device: 0x04c1,
  subsystemVendor: 0,
  subsystemDevice: 0,
  class: 0x060400,
  revision: 0,
  bars: [],
  driver: 'pcieport',
  interruptPin: 1,
};

export class PciSubsystem implements HostPart {
  readonly key = 'pci';
  readonly bus: BusType<PciDevice>;
  readonly pes: EehPe[] = [];
  readonly eehEnabled: boolean;
  private readonly sysfs: BusSysfs<PciDevice>;
  private readonly drivers = new Map<string, PciDriver>();
  private readonly bootDrivers = new Map<PciDevice, string>();

  constructor(private readonly host: HostServices) {
    const spec = ppc64leSpec(host.spec);
    this.eehEnabled = spec.eeh;
    const { ctx, vfio } = host;
    host.vfio.iommuDrivers = [spaprTceIommuDriver(() => this.eehEnabled, ctx.log)];
    this.bus = new BusType<PciDevice>('pci', ctx, {
      match: (dev, drv) => (drv as PciDriver).matchDevice(ids(dev), dev.driverOverride),
      dmaConfigure: (dev, drv) => {
        // a group user space owns takes no kernel driver (6.x: EBUSY; 4.19 would BUG())
        if (!drv.driverManagedDma && vfio.iommuGroups.groupOf(dev)?.dmaOwner) throw new KernelError('EBUSY');
      },
    });
    this.sysfs = new BusSysfs(ctx.vfs, this.bus, pciSysfsOps((drv) => this.driverAttach(drv)));
    this.sysfs.publish();
    for (const phb of spec.phbs) {
      const root = `/sys/devices/pci${hex(phb.domain, 4)}:00`;
      ctx.vfs.mkdirp(root);
      const rp = new PciDevice(phb.domain, 0, 0, ROOT_PORT, `${root}/${hex(phb.domain, 4)}:00:00.0`, true, false);
      this.addDevice(rp, 'pcieport');
      for (const peSpec of phb.pes) {
        const pe = new EehPe(phb.domain, peSpec.pe, () => this.eehEnabled);
        this.pes.push(pe);
        const group = vfio.iommuGroups.create();
        group.iommuData = { tableGroup: phb4TableGroup(), pe };
        for (const f of peSpec.functions) {
          const [bus, slot] = f.slot.split(':') as [string, string];
          const [dev, fn] = slot.split('.') as [string, string];
          const devfn = (parseInt(dev, 16) << 3) | Number(fn);
          const multi = phb.pes.some((p) => p.functions.some((g) => g !== f && g.slot.slice(0, 5) === f.slot.slice(0, 5)));
          const pdev = new PciDevice(phb.domain, parseInt(bus, 16), devfn, f, `${rp.path}/${hex(phb.domain, 4)}:${f.slot}`, false, multi);
          pdev.pe = pe;
          pe.devices.push(pdev);
          this.addDevice(pdev, f.driver);
          vfio.iommuGroups.addDevice(group, pdev);
        }
      }
    }
    const names = new Set<string>(['pcieport', ...this.bootDrivers.values()]);
    for (const name of names) this.drivers.set(name, this.hostDriver(name));
    this.drivers.set('vfio-pci', vfioPciDriver(vfio, vfio.iommuGroups));
  }

  /** A host driver of the spec: it claims the functions the spec gives it (by exact id). */
  private hostDriver(name: string): PciDriver {
    const claimed = [...this.bootDrivers].filter(([, d]) => d === name).map(([dev]) => dev);
    const table = claimed.map((d) => anyId({ vendor: d.vendor, device: d.deviceId, ...(d.isBridge ? { class: d.classCode, classMask: 0xffffff } : {}) }));
    return new PciDriver(name, table);
  }

  private addDevice(dev: PciDevice, driver: string | null): void {
    if (driver) this.bootDrivers.set(dev, driver);
    this.sysfs.publishDevice(dev);
  }

  /** models driver_attach: every unbound function the driver now matches is probed. */
  private driverAttach(drv: PciDriver): void {
    for (const dev of this.bus.devices.values()) {
      if (dev.driver || !this.bus.ops.match(dev, drv)) continue;
      try {
        this.bus.bind(drv, dev.name);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
      }
    }
  }

  /** models pci_bus_add_devices at boot: devices appear, then the drivers register and probe. */
  boot(): void {
    this.bus.driversAutoprobe = false;
    for (const dev of [...this.bootDrivers.keys(), ...this.pes.flatMap((p) => p.devices)]) if (!this.bus.devices.has(dev.name)) this.bus.addDevice(dev);
    this.bus.driversAutoprobe = true;
    for (const drv of this.drivers.values()) {
      this.bus.registerDriver(drv);
      this.sysfs.publishDriver(drv);
    }
  }

  device(name: string): PciDevice | undefined {
    return this.bus.devices.get(name);
  }

  snapshot(): PciPartSnapshot {
    return {
      devices: [...this.bus.devices.values()].map((d) => ({
        name: d.name,
        driver: d.driver?.name ?? null,
        override: d.driverOverride ?? null,
        config: Buffer.from(d.config).toString('base64'),
        mmio: [...d.mmio].map(([bar, regs]) => [bar, [...regs]]),
      })),
      pes: this.pes.map((p) => ({ domain: p.phb, pe: p.addr, ...p.snapshot() })),
      dynids: Object.fromEntries([...this.drivers].filter(([, d]) => d.dynids.length).map(([n, d]) => [n, d.dynids.map((id) => ({ ...id }))])),
      autoprobe: this.bus.driversAutoprobe,
    };
  }

  /** Rebuilds bindings, PE states and function state without probing or logging. */
  restore(saved: unknown): void {
    const s = saved as PciPartSnapshot;
    for (const dev of [...this.bootDrivers.keys(), ...this.pes.flatMap((p) => p.devices)]) this.bus.devices.set(dev.name, dev);
    for (const drv of this.drivers.values()) {
      this.bus.drivers.push(drv);
      this.sysfs.publishDriver(drv);
      drv.dynids.push(...(s.dynids[drv.name] ?? []));
    }
    this.bus.driversAutoprobe = s.autoprobe;
    for (const d of s.devices) {
      const dev = this.bus.devices.get(d.name);
      if (!dev) continue;
      dev.driverOverride = d.override ?? undefined;
      dev.config.set(Buffer.from(d.config, 'base64'));
      for (const [bar, regs] of d.mmio) dev.mmio.set(bar, new Map(regs));
      const drv = d.driver ? this.drivers.get(d.driver) : undefined;
      if (drv) {
        // the driver's probe registers with VFIO again (no log, no side effect on the PE)
        dev.driver = drv;
        drv.probe(dev);
      }
    }
    for (const p of s.pes) this.pes.find((x) => x.phb === p.domain && x.addr === p.pe)?.restore(p);
  }
}

function ids(d: PciDevice) {
  return { vendor: d.vendor, deviceId: d.deviceId, classCode: d.classCode, subvendor: d.spec.subsystemVendor, subdevice: d.spec.subsystemDevice };
}

/** The PCI part of a host, if its architecture has one (ppc64le). */
export function findPci(host: { readonly parts: readonly HostPart[] }): PciSubsystem | undefined {
  return findPart(host, PciSubsystem);
}

/** The PCI part of a POWER host. */
export function pciOf(host: { parts: readonly HostPart[] }): PciSubsystem {
  const p = findPci(host);
  if (!p) throw new Error('not a POWER host: no PCI part');
  return p;
}
