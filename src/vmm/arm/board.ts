// The virt machine of one VM (hw/arm/virt.c): the system bus, the platform bus that
// dynamic sysbus devices are linked into when plugged, the GIC (QEMU's under TCG, the
// kernel's under KVM), the device tree built at machine done (with dumpdtb), the guest,
// and the guest's register accesses: through a region's mmap (fast path, no exit) or
// trapped into QEMU (vfio_region_read/write, then the device's EOI).

import { FdtNode, decodeFdt, encodeFdt, formatDts } from '../../core/fdt.js';
import { GicDistributor } from '../../core/gic-distributor.js';
import { ArmGuest, type ArmGuestState } from '../../guest/arm/arm-guest.js';
import { BusState, type DeviceState } from '../qdev/qdev.js';
import { QemuError } from '../qemu-error.js';
import { QemuExit, type Board, type VfioDeviceRow } from '../target.js';
import { VfioPlatformDevice, type VfioPlatformSnapshot } from '../vfio/vfio-platform.js';
import { armTrigger, pollMmapTimer, QemuAbort } from '../vfio/vfio-platform-irq.js';
import type { Vm } from '../vm.js';
import { PLATFORM_BUS_BASE, PLATFORM_BUS_FIRST_SPI, PLATFORM_BUS_NUM_IRQS, PLATFORM_BUS_SIZE, VIRT_DYNAMIC_SYSBUS } from './machine.js';
import { PlatformBus, type PlatformBusState } from './platform-bus.js';
import { addFdtNode } from './sysbus-fdt.js';
import { FIRST_FREE_PHANDLE, virtBaseTree, type VirtFdtOptions } from './virt-fdt.js';
import { VIRT_GIC_NR_IRQS, createKvmVgic, kvmGic, tcgGic, type VirtGic } from './virt-gic.js';

/** QEMU's dtb is created with room to grow: 1 MiB (FDT_MAX_SIZE). */
const FDT_MAX_SIZE = 0x10_0000;

export interface ArmBoardConfig {
  /** virt (the twin's board) or none (an empty machine). */
  virt: boolean;
  cpu: string;
  fdt: VirtFdtOptions;
  dumpdtb?: string;
}

export interface ArmBoardSnapshot {
  config: ArmBoardConfig & { fdt: VirtFdtOptions & { ramSize: string } };
  vgicFd: number | null;
  gic: ReturnType<GicDistributor['snapshot']> | null;
  platformBus: PlatformBusState;
  devices: VfioPlatformSnapshot[];
  dtb: string | null;
  guest: ArmGuestState;
}

export class ArmBoard implements Board {
  readonly sysbus = new BusState('System', 'main-system-bus', undefined);
  readonly exitEffects = 'device fds → the last close resets the device and frees its IRQs';
  readonly pbus: PlatformBus;
  readonly gic: VirtGic | undefined;
  private readonly tcgDist: GicDistributor | undefined;
  readonly vgicFd: number | undefined;
  fdt: FdtNode | undefined;
  guest: ArmGuest;
  private nextPhandle = FIRST_FREE_PHANDLE;
  /** QEMU_CLOCK_VIRTUAL in ms (the twin runs it with the wall clock). */
  now: () => number = () => Date.now();

  constructor(
    private readonly vm: Vm,
    readonly config: ArmBoardConfig,
    saved?: ArmBoardSnapshot,
  ) {
    this.pbus = new PlatformBus(PLATFORM_BUS_BASE, PLATFORM_BUS_SIZE, PLATFORM_BUS_NUM_IRQS, saved?.platformBus);
    if (config.virt) {
      if (vm.vmFd !== undefined) {
        this.vgicFd = saved ? (saved.vgicFd ?? undefined) : createKvmVgic(vm.sys, vm.vmFd);
        const vmFd = vm.vmFd;
        this.gic = kvmGic(vm.sys, vmFd, () => vm.manager.host.vgic?.(vm.proc, vmFd));
        if (!saved) vm.trace('kvm_arm_gic_realize', `in-kernel vGICv2, ${VIRT_GIC_NR_IRQS} interrupts (fd ${this.vgicFd})`);
      } else {
        this.tcgDist = new GicDistributor(VIRT_GIC_NR_IRQS);
        if (saved?.gic) this.tcgDist.restore(saved.gic);
        this.gic = tcgGic(this.tcgDist);
      }
    }
    this.guest = new ArmGuest({ gic: () => this.gic?.dist(), running: () => vm.status === 'running', trace: (e, d) => vm.trace(e, d) }, saved?.guest);
    if (saved?.dtb) this.fdt = decodeFdt(Buffer.from(saved.dtb, 'base64'));
  }

  get cpuName(): string {
    return this.config.cpu;
  }

  /** The passed-through devices, in plug order. */
  platformDevices(): VfioPlatformDevice[] {
    return this.sysbus.children.filter((d): d is VfioPlatformDevice => d instanceof VfioPlatformDevice);
  }

  dynamicSysbusAllowed(typeName: string): boolean {
    return this.config.virt && VIRT_DYNAMIC_SYSBUS.includes(typeName);
  }

  /** models virt_machine_device_plug_cb → platform_bus_link_device: IRQs first, then MMIO. */
  plugDevice(dev: DeviceState): void {
    if (!(dev instanceof VfioPlatformDevice) || !this.config.virt) return;
    dev.clock = { now: () => this.now() };
    const pins = [...dev.intps].sort((a, b) => a.pin - b.pin);
    try {
      for (const intp of pins) {
        const line = this.pbus.mapIrq();
        dev.connectIrq(this.vm, intp.pin, this.gic!.spi(PLATFORM_BUS_FIRST_SPI + line), line);
      }
    } catch (e) {
      if (e instanceof QemuAbort) throw new QemuExit(134, `${this.vm.progname}: ${e.message}\n`);
      throw e;
    }
    dev.mmio = dev.regions.map((r) => this.pbus.mapMmio(r.size));
    this.vm.trace('platform_bus_link_device', `${dev.vdev.name}: IRQ lines ${pins.map((i) => i.line).join(',') || 'none'}, MMIO ${dev.mmio.map((o) => `0x${(PLATFORM_BUS_BASE + o).toString(16)}`).join(',')}`);
  }

  /** models virt_machine_done: 3.1's allow-list check, the platform bus nodes, arm_load_dtb (dumpdtb). */
  machineDone(): void {
    if (this.vm.profile === 'legacy') {
      for (const d of this.sysbus.children) if (d.cls.busType === 'System' && !this.dynamicSysbusAllowed(d.typeName)) throw new QemuError(`Option '-device ${d.typeName}' cannot be handled by this machine`);
    }
    if (!this.config.virt) return;
    const fdt = virtBaseTree(this.config.fdt);
    for (const dev of this.platformDevices()) {
      addFdtNode(
        {
          fdt,
          busNode: `/${this.config.fdt.platformBusNode}`,
          irqStart: PLATFORM_BUS_FIRST_SPI,
          allocPhandle: () => this.nextPhandle++,
          sys: this.vm.sys,
          mmio: (d, i) => d.mmio[i]!,
          irqn: (d, i) => d.intp(i)!.line!,
        },
        dev,
      );
    }
    this.fdt = fdt;
    if (this.config.dumpdtb !== undefined) {
      // models qemu_fdt_dumpdtb: the blob, then exit(0)
      const file = this.config.dumpdtb;
      try {
        this.vm.manager.host.writeFile?.(file, encodeFdt(fdt, { totalsize: FDT_MAX_SIZE }));
      } catch {
        throw new QemuExit(1, `${this.vm.progname}: qemu_fdt_dumpdtb: Failed dumping dtb to ${file}\n`);
      }
      throw new QemuExit(0, `${this.vm.progname}: info: dtb dumped to ${file}. Exiting.\n`);
    }
  }

  /** vm_start: the guest boots the first time; later, a stopped CPU takes what became pending meanwhile. */
  boot(): void {
    if (!this.fdt) return;
    if (this.guest.booted) this.guest.takeInterrupts();
    else this.reset();
  }

  /** The guest (re)boots with the machine's device tree; QEMU's vfio-platform has no reset of its own. */
  reset(): void {
    if (!this.fdt) return;
    // models the GIC's reset (gic_reset; kvm_arm_gic_reset writes the reset state into the vGIC)
    if (this.guest.booted) this.gic?.dist()?.reset();
    this.guest.boot(this.fdt);
    this.vm.trace('guest_boot', `the guest sees ${this.guest.state.devices.map((d) => `${d.name} (${d.compatible})`).join(', ') || 'no platform devices'}`);
  }

  /** The guest's device tree as `dtc -O dts` prints it. */
  dts(): string {
    return this.fdt ? formatDts(this.fdt) : '';
  }

  /** The passed-through device of a host device name, and its guest view. */
  device(hostName: string): { dev: VfioPlatformDevice; guestName: string } | undefined {
    const dev = this.platformDevices().find((d) => d.vdev.name === hostName);
    if (!dev) return undefined;
    const base = PLATFORM_BUS_BASE + (dev.mmio[0] ?? 0);
    const g = this.guest.state.devices.find((x) => x.reg[0]?.[0] === base);
    return { dev, guestName: g?.name ?? '' };
  }

  /**
   * A 32-bit guest access to a passed-through register: the region's mmap while the fast
   * path is on (no exit, no EOI), else a trap into vfio_region_read/write and the EOI.
   * Then the guest's handler, if it was waiting on this device, returns.
   */
  mmio(hostName: string, region: number, offset: number, value?: number): { value: number; trapped: boolean } {
    const found = this.device(hostName);
    if (!found) throw new Error(`${hostName} is not passed through to ${this.vm.id}`);
    const { dev, guestName } = found;
    pollMmapTimer(this.vm, dev);
    const fast = dev.fastPath(this.vm, region);
    let result = value ?? 0;
    if (fast) {
      if (value === undefined) result = Number(fast.load(offset, 4));
      else fast.store(offset, 4, BigInt(value >>> 0));
    } else if (value === undefined) result = dev.regionRead(this.vm, region, offset, 4);
    else dev.regionWrite(this.vm, region, offset, 4, value);
    this.vm.trace('guest_mmio', `${guestName} region ${region} +0x${offset.toString(16)} ${value === undefined ? `read 0x${result.toString(16)}` : `write 0x${value.toString(16)}`} (${fast ? 'mmap: no exit' : 'trapped: vfio_region_' + (value === undefined ? 'read' : 'write')})`);
    this.guest.deviceAccessed(guestName);
    return { value: result >>> 0, trapped: !fast };
  }

  vfioDevices(): VfioDeviceRow[] {
    return this.platformDevices().map((d) => ({ type: d.typeName, id: d.id ?? null, sysfsdev: d.sysfsdev ?? null, name: d.vdev.name, group: d.vdev.group?.groupId ?? null }));
  }

  cpuJson(): unknown {
    return { model: this.config.cpu };
  }

  listJson(): Record<string, unknown> {
    return { gic: this.vgicFd !== undefined ? 'kvm' : 'tcg' };
  }

  snapshot(): ArmBoardSnapshot {
    return {
      config: { ...this.config, fdt: { ...this.config.fdt, ramSize: this.config.fdt.ramSize.toString() } as VirtFdtOptions & { ramSize: string } },
      vgicFd: this.vgicFd ?? null,
      gic: this.tcgDist ? this.tcgDist.snapshot() : null,
      platformBus: this.pbus.snapshot(),
      devices: this.platformDevices().map((d) => d.snapshot()),
      dtb: this.fdt ? Buffer.from(encodeFdt(this.fdt)).toString('base64') : null,
      guest: structuredClone(this.guest.state),
    };
  }

  /** Rebuilds the devices of a snapshot over the restored VFIO objects; re-arms QEMU's eventfd handlers. */
  restoreDevices(saved: readonly VfioPlatformSnapshot[]): void {
    for (const s of saved) {
      const cls = this.vm.types.lookup(s.typeName);
      if (!cls?.instantiate) continue;
      const dev = cls.instantiate(cls) as VfioPlatformDevice;
      dev.restore(s);
      dev.clock = { now: () => this.now() };
      const group = this.vm.vfio.groups.find((g) => g.groupId === s.groupId);
      dev.vdev.group = group;
      group?.devices.push(dev.vdev);
      dev.parentBus = this.sysbus;
      this.sysbus.children.push(dev);
      dev.realized = true;
      for (const intp of dev.intps) {
        if (intp.line !== undefined && this.gic) intp.irq = this.gic.spi(PLATFORM_BUS_FIRST_SPI + intp.line);
        if (!intp.kvmAccel && intp.irq) armTrigger(this.vm, dev, intp);
      }
    }
    this.guest.connect();
  }
}

/** The ARM board of a VM of qemu-system-aarch64/-arm; throws for another target's VM. */
export function armBoard(vm: Vm): ArmBoard {
  if (!(vm.board instanceof ArmBoard)) throw new Error(`${vm.id} is not an ARM VM`);
  return vm.board;
}
