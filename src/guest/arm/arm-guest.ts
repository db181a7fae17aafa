// A Linux guest on an ARM virt machine as far as passthrough shows it: at boot it walks the
// device tree QEMU built, names the platform devices as the OF core does
// ("c000000.fff51000.ethernet"), gives each interrupt a Linux IRQ number and requests it
// (GIC enable + trigger from the DT flags). Its one CPU takes an interrupt (GICC_IAR),
// counts it, and stays in the handler until the handler has accessed the device; then it
// EOIs (GICC_EOIR) and takes the next. /proc/interrupts shows the counts.

import { FdtNode, fdtReadCells, fdtReadStrings } from '../../core/fdt.js';
import { GIC_INTERNAL, GIC_SPURIOUS, type GicDistributor } from '../../core/gic-distributor.js';

/** What the guest's CPU reaches of the machine: the GIC (QEMU's under TCG, the kernel's vGIC under KVM). */
export interface ArmGuestHardware {
  gic(): GicDistributor | undefined;
  /** Whether the CPU runs (not stopped by the monitor's `stop` or -S). */
  running(): boolean;
  /** Something the guest did that the trace should show. */
  trace(event: string, detail: string): void;
}

export interface GuestIrq {
  /** The Linux IRQ number (virq). */
  virq: number;
  /** The GIC interrupt number (SPI + 32). */
  intid: number;
  trigger: 'level' | 'edge';
  count: number;
}

export interface GuestPlatformDevice {
  /** The guest's device name, e.g. c000000.fff51000.ethernet. */
  name: string;
  /** The DT node's path. */
  node: string;
  compatible: string;
  /** The guest-physical base and size of each `reg` range. */
  reg: [number, number][];
  irqs: GuestIrq[];
}

export interface ArmGuestState {
  booted: boolean;
  devices: GuestPlatformDevice[];
  /** The interrupt whose handler runs (IRQs are masked until it returns). */
  inHandler: { intid: number; device: string } | null;
}

/** The first virq the twin's guest hands a passed-through device (the virt machine's own devices take the lower ones). */
const FIRST_VIRQ = 40;

export class ArmGuest {
  state: ArmGuestState;

  constructor(
    private readonly hw: ArmGuestHardware,
    saved?: ArmGuestState,
  ) {
    this.state = saved ? structuredClone(saved) : { booted: false, devices: [], inHandler: null };
  }

  get booted(): boolean {
    return this.state.booted;
  }

  /** The guest kernel boots: of_platform_populate on the platform bus, then each driver's request_irq. */
  boot(fdt: FdtNode): void {
    const devices: GuestPlatformDevice[] = [];
    let virq = FIRST_VIRQ;
    for (const bus of fdt.children.filter((n) => fdtReadStrings(n.prop('compatible') ?? new Uint8Array()).includes('qemu,platform'))) {
      const ranges = fdtReadCells(bus.prop('ranges')!);
      const base = ranges[1]! * 2 ** 32 + ranges[2]!;
      // fdt nodes are in blob order; the OF core populates them in that order
      for (const n of bus.children) {
        const reg = fdtReadCells(n.prop('reg') ?? new Uint8Array());
        const ranges2: [number, number][] = [];
        for (let i = 0; i + 1 < reg.length; i += 2) ranges2.push([base + reg[i]!, reg[i + 1]!]);
        const cells = fdtReadCells(n.prop('interrupts') ?? new Uint8Array());
        const irqs: GuestIrq[] = [];
        for (let i = 0; i + 2 < cells.length; i += 3) {
          irqs.push({ virq: virq++, intid: cells[i + 1]! + GIC_INTERNAL, trigger: cells[i + 2]! & 4 ? 'level' : 'edge', count: 0 });
        }
        const unit = n.name.indexOf('@');
        const baseName = unit < 0 ? n.name : n.name.slice(0, unit);
        devices.push({
          name: `${(ranges2[0]?.[0] ?? 0).toString(16)}.${baseName}`,
          node: `/${bus.name}/${n.name}`,
          compatible: fdtReadStrings(n.prop('compatible') ?? new Uint8Array())[0] ?? '',
          reg: ranges2,
          irqs,
        });
      }
    }
    this.state = { booted: true, devices, inHandler: null };
    this.connect();
    const gic = this.hw.gic();
    for (const d of devices) for (const irq of d.irqs) gic?.configure(irq.intid, irq.trigger);
    for (const d of devices) this.hw.trace('guest_request_irq', `${d.name}: ${d.irqs.map((i) => `IRQ ${i.virq} (GIC ${i.intid} ${i.trigger})`).join(', ') || 'no IRQs'}`);
    this.takeInterrupts();
  }

  /** The CPU's nIRQ line (re-made after a twin restore: it is wiring, not state). */
  connect(): void {
    this.hw.gic()?.connectCpu(() => this.takeInterrupts());
  }

  /** The CPU takes the highest-priority pending interrupt, unless a handler runs (IRQs masked). */
  takeInterrupts(): void {
    if (!this.state.booted || this.state.inHandler || !this.hw.running()) return;
    const gic = this.hw.gic();
    if (!gic) return;
    const intid = gic.acknowledge();
    if (intid === GIC_SPURIOUS) return;
    const found = this.irqOf(intid);
    if (!found) {
      // no handler: the kernel EOIs a spurious/unknown interrupt at once
      gic.eoi(intid);
      return;
    }
    found.irq.count++;
    this.state.inHandler = { intid, device: found.device.name };
    this.hw.trace('guest_irq', `${found.device.name}: IRQ ${found.irq.virq} (GIC ${intid}) taken, count ${found.irq.count}; the handler reads the device next`);
  }

  private irqOf(intid: number): { device: GuestPlatformDevice; irq: GuestIrq } | undefined {
    for (const device of this.state.devices) {
      const irq = device.irqs.find((i) => i.intid === intid);
      if (irq) return { device, irq };
    }
    return undefined;
  }

  /** The handler accessed its device: it returns, the CPU EOIs the interrupt and takes the next one. */
  deviceAccessed(name: string): void {
    const h = this.state.inHandler;
    if (!h || h.device !== name) return;
    this.state.inHandler = null;
    this.hw.trace('guest_eoi', `${name}: GIC ${h.intid} EOI`);
    this.hw.gic()?.eoi(h.intid);
    this.takeInterrupts();
  }

  /** The device whose registers cover a guest-physical address. */
  deviceAt(addr: number): { device: GuestPlatformDevice; region: number; offset: number } | undefined {
    for (const device of this.state.devices) {
      const region = device.reg.findIndex(([b, s]) => addr >= b && addr < b + s);
      if (region >= 0) return { device, region, offset: addr - device.reg[region]![0] };
    }
    return undefined;
  }

  /** /proc/interrupts' header for one CPU (show_interrupts: prec + 8 spaces, then "CPU%-8d"). */
  static readonly PROC_INTERRUPTS_HEADER = `${' '.repeat(3 + 8)}CPU0       \n`;

  /** The /proc/interrupts lines of the passed-through interrupts, one CPU (kernel/irq/proc.c show_interrupts). */
  procInterrupts(): string {
    const lines: string[] = [];
    for (const d of this.state.devices) {
      for (const i of d.irqs) {
        lines.push(`${String(i.virq).padStart(3)}: ${String(i.count).padStart(10)}  ${'GIC-0'.padStart(8)} ${String(i.intid).padStart(3)} ${(i.trigger === 'level' ? 'Level' : 'Edge').padEnd(8)}  ${d.name}\n`);
      }
    }
    return lines.join('');
  }
}
