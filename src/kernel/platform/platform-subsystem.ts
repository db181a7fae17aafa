// The ARM part of a host: the device tree, the platform bus with the devices of_platform
// populates from it (under their simple-bus parents), one SMMU IOMMU group per device (or
// per `iommuGroup` label), the host NIC drivers, vfio-platform with its reset modules and
// the vfio_platform.reset_required parameter, and the devices' register files and lines.

import { KernelError } from '../../core/errno.js';
import type { FdtNode } from '../../core/fdt.js';
import { findPart, type HostPart, type HostServices, type VmStateLookups } from '../host-part.js';
import type { PlatformHostSpec } from '../host-spec-types.js';
import type { ModuleParam } from '../module-params.js';
import type { CheckpointRefs } from '../vfs/node.js';
import { VfioPlatformDriver } from '../vfio-platform/vfio-platform-driver.js';
import type { VfioPlatformIrqSnapshot } from '../vfio-platform/vfio-platform-irq.js';
import { buildHostTree, publishHostTree } from './host-device-tree.js';
import type { IrqLineSnapshot } from './irq-line.js';
import { hostNicDrivers } from './nic-drivers.js';
import { platformDeviceName } from './of-name.js';
import { PLATFORM_DEVICES_ROOT, PlatformBus, type PlatformDriver } from './platform-bus.js';
import { PlatformDevice } from './platform-device.js';

export interface PlatformSubsystemSnapshot {
  autoprobe: boolean;
  devices: {
    name: string;
    driver: string | null;
    override: string | null;
    regs: [number, number][][];
    irqs: IrqLineSnapshot[];
  }[];
}

export interface PlatformVmSnapshot {
  devices: { name: string; irqs: VfioPlatformIrqSnapshot[] }[];
}

export class PlatformSubsystem implements HostPart {
  readonly key = 'platform';
  readonly tree: FdtNode;
  readonly bus: PlatformBus;
  readonly resetRequired: ModuleParam;
  readonly vfioPlatform: VfioPlatformDriver;
  readonly drivers: readonly PlatformDriver[];
  /** Every platform device in the order of_platform_populate adds them. */
  readonly devices: PlatformDevice[] = [];

  constructor(readonly host: HostServices) {
    const { ctx } = host;
    const spec = host.spec as PlatformHostSpec;
    // models module_param(reset_required, bool, 0444) of vfio_platform.c (default on)
    this.resetRequired = host.params.declare('vfio_platform', 'reset_required', 'bool', true);
    this.tree = buildHostTree(spec);
    publishHostTree(ctx.vfs, this.tree);
    this.bus = new PlatformBus(ctx);
    this.bus.sysfs.publish();
    this.vfioPlatform = new VfioPlatformDriver(host.vfio, ctx.log, this.resetRequired, (event, detail) => host.trace.record('platform', event, 0, detail));
    this.drivers = [...hostNicDrivers(), this.vfioPlatform];
    for (const drv of this.drivers) this.bus.registerPlatformDriver(drv);
    this.buildDevices(spec);
  }

  /** models of_platform_populate: bus nodes become devices too, children sit in their directory. */
  private buildDevices(spec: PlatformHostSpec): void {
    const parents = new Map<string, PlatformDevice>();
    for (const d of spec.platformDevices) {
      const parentNode = d.node.slice(0, d.node.lastIndexOf('/')) || '/';
      let parentPath = PLATFORM_DEVICES_ROOT;
      if (parentNode !== '/') {
        let parent = parents.get(parentNode);
        if (!parent) {
          const name = platformDeviceName({ node: parentNode, reg: [] });
          parent = new PlatformDevice({ name, path: `${PLATFORM_DEVICES_ROOT}/${name}`, node: parentNode, compatible: ['simple-bus'] });
          parents.set(parentNode, parent);
          this.devices.push(parent);
        }
        parentPath = parent.path;
      }
      const name = platformDeviceName(d);
      this.devices.push(new PlatformDevice({ name, path: `${parentPath}/${name}`, node: d.node, compatible: d.compatible, reg: d.reg, interrupts: d.interrupts }));
    }
    const labels = new Map<string, string>(spec.platformDevices.map((d) => [platformDeviceName(d), d.iommuGroup ?? '']));
    const byLabel = new Map<string, ReturnType<HostServices['vfio']['iommuGroups']['create']>>();
    for (const dev of this.devices) {
      this.bus.sysfs.publishDevice(dev);
      const label = labels.get(dev.name);
      if (label === undefined) continue;
      // models the SMMU's device_group: a labelled set shares one group, every other device gets its own
      let group = label ? byLabel.get(label) : undefined;
      if (!group) {
        group = this.host.vfio.iommuGroups.create();
        if (label) byLabel.set(label, group);
      }
      this.host.vfio.iommuGroups.addDevice(group, dev);
      dev.iommuGroup = group;
    }
  }

  /** models device_add for each device: the bus probes it (the NIC drivers take their NICs). */
  boot(): void {
    for (const dev of this.devices) this.bus.addDevice(dev);
  }

  device(name: string): PlatformDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }

  snapshot(): PlatformSubsystemSnapshot {
    return {
      autoprobe: this.bus.driversAutoprobe,
      devices: this.devices.map((d) => ({
        name: d.name,
        driver: d.driver?.name ?? null,
        override: d.driverOverride ?? null,
        regs: d.regions.map((r) => r.snapshot()),
        irqs: d.irqs.map((l) => l.snapshot()),
      })),
    };
  }

  restore(saved: unknown): void {
    const s = saved as PlatformSubsystemSnapshot;
    this.bus.driversAutoprobe = false;
    for (const dev of this.devices) this.bus.addDevice(dev);
    for (const d of s.devices) {
      const dev = this.device(d.name);
      if (!dev) continue;
      dev.driverOverride = d.override ?? undefined;
      d.regs.forEach((r, i) => dev.regions[i]?.restore(r));
      d.irqs.forEach((l, i) => dev.irqs[i]?.restore(l));
      const drv = this.drivers.find((x) => x.name === d.driver);
      if (!drv) continue;
      if (drv === this.vfioPlatform) this.vfioPlatform.restoreBinding(dev);
      dev.driver = drv;
    }
    this.bus.driversAutoprobe = s.autoprobe;
  }

  snapshotVmState(refs: CheckpointRefs): PlatformVmSnapshot {
    const devices: PlatformVmSnapshot['devices'] = [];
    for (const [name] of this.vfioPlatform.bound) {
      const ops = this.vfioPlatform.opsOf(name)!;
      if (ops.irqs.length) devices.push({ name, irqs: ops.irqs.map((i) => i.snapshot(refs)) });
    }
    return { devices };
  }

  restoreVmState(saved: unknown, lookups: VmStateLookups): void {
    for (const d of (saved as PlatformVmSnapshot).devices) {
      const ops = this.vfioPlatform.opsOf(d.name);
      d.irqs.forEach((s, i) => ops?.irqs[i]?.restore(s, lookups.eventfd));
    }
  }

  /**
   * The hardware raises or drops a device's interrupt line: a level line stays asserted
   * until deasserted; an edge line pulses (deassert is meaningless for it: EINVAL).
   */
  driveIrq(name: string, index: number, deassert: boolean): void {
    const line = this.device(name)?.irqs[index];
    if (!line) throw new KernelError('ENOENT', `${name} interrupt ${index}`);
    if (line.trigger === 'edge' && deassert) throw new KernelError('EINVAL', `${name} interrupt ${index} is edge-triggered`);
    this.host.trace.record('platform', 'irq_line', 0, `${name} interrupt ${index} (SPI ${line.spi}, ${line.trigger}) ${line.trigger === 'edge' ? 'pulsed' : deassert ? 'deasserted' : 'asserted'}${line.disabled && !deassert ? ' (the host line is disabled)' : ''}`);
    if (line.trigger === 'edge') line.pulse();
    else line.set(!deassert);
  }
}

/** The platform part of a host, if its architecture has one (aarch64, arm). */
export function findPlatform(host: { readonly parts: readonly HostPart[] }): PlatformSubsystem | undefined {
  return findPart(host, PlatformSubsystem);
}

/** The platform part of a host; throws on a host of another arch. */
export function platformOf(host: { readonly parts: readonly HostPart[]; readonly spec: { arch: string } }): PlatformSubsystem {
  const part = findPlatform(host);
  if (!part) throw new Error(`an ${host.spec.arch} host has no platform bus`);
  return part;
}
