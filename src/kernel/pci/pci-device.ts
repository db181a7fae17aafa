// struct pci_dev as the twin keeps it: the BDF in its domain, the ids, a type 0 (or, for a
// root port, type 1) configuration space of 4096 bytes (PCIe), the BARs with their bus
// addresses and a register file behind each, and the EEH PE it belongs to. Accesses go
// through the PE: a frozen PE reads all-ones and drops writes, as the PHB does.

import { Device } from '../base/device.js';
import type { EehPe } from '../eeh/eeh-pe.js';
import type { PciBarSpec, PciFunctionSpec } from './pci-host-spec.js';

export const PCI_CFG_SPACE_EXP_SIZE = 4096;
export const PCI_VENDOR_ID = 0x00;
export const PCI_COMMAND = 0x04;
export const PCI_CLASS_REVISION = 0x08;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
/** The dwords eeh_save_bars keeps and eeh_restore_one_device_bars writes back (16). */
const SAVED_DWORDS = 16;

export interface PciBar extends PciBarSpec {
  /** The bus address firmware assigned (PowerNV: M64 space of the PHB). */
  base: bigint;
}

/** models pci_bar flags in resource->flags (IORESOURCE_MEM | SIZEALIGN, MEM_64, PREFETCH, and the BAR's low bits). */
export function barResourceFlags(bar: PciBar): number {
  const low = (bar.kind === 'mem64' ? 0x4 : 0) | (bar.prefetch ? 0x8 : 0);
  return 0x40200 | (bar.kind === 'mem64' ? 0x100000 : 0) | (bar.prefetch ? 0x2000 : 0) | low;
}

export function hex(n: number | bigint, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export class PciDevice extends Device {
  readonly config = new Uint8Array(PCI_CFG_SPACE_EXP_SIZE);
  /** edev->config_space: what an EEH reset restores. */
  readonly savedConfig: Uint8Array;
  readonly bars: PciBar[];
  /** The registers behind each BAR (sparse bytes). */
  readonly mmio = new Map<number, Map<number, number>>();
  pe: EehPe | undefined;

  constructor(
    readonly domain: number,
    readonly bus: number,
    readonly devfn: number,
    readonly spec: Omit<PciFunctionSpec, 'slot'>,
    path: string,
    readonly isBridge: boolean,
    multifunction: boolean,
  ) {
    super(`${hex(domain, 4)}:${hex(bus, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`, path);
    const m64 = 0x6000_0000_0000n + (BigInt(domain) << 36n);
    let next = m64;
    this.bars = spec.bars.map((b) => {
      const base = next;
      next += BigInt(b.size);
      return { ...b, base };
    });
    this.initConfig(multifunction);
    this.savedConfig = this.config.slice(0, SAVED_DWORDS * 4);
  }

  get vendor(): number {
    return this.spec.vendor;
  }

  get deviceId(): number {
    return this.spec.device;
  }

  get classCode(): number {
    return this.spec.class;
  }

  /** vfio_dev_viable's bus test: a bridge may keep any driver. */
  viableWithAnyDriver(): boolean {
    return this.isBridge;
  }

  private initConfig(multifunction: boolean): void {
    const c = new DataView(this.config.buffer);
    c.setUint16(PCI_VENDOR_ID, this.spec.vendor, true);
    c.setUint16(2, this.spec.device, true);
    c.setUint16(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, true);
    c.setUint32(PCI_CLASS_REVISION, ((this.spec.class << 8) | this.spec.revision) >>> 0, true);
    c.setUint8(PCI_HEADER_TYPE, (this.isBridge ? 1 : 0) | (multifunction ? 0x80 : 0));
    for (const bar of this.bars) this.writeBarRegister(c, bar);
    if (!this.isBridge) {
      c.setUint16(PCI_SUBSYSTEM_VENDOR_ID, this.spec.subsystemVendor, true);
      c.setUint16(PCI_SUBSYSTEM_VENDOR_ID + 2, this.spec.subsystemDevice, true);
      c.setUint8(PCI_INTERRUPT_PIN, this.spec.interruptPin);
    }
  }

  private writeBarRegister(c: DataView, bar: PciBar, base = bar.base): void {
    const off = PCI_BASE_ADDRESS_0 + bar.index * 4;
    const low = (bar.kind === 'mem64' ? 0x4 : 0) | (bar.prefetch ? 0x8 : 0);
    c.setUint32(off, (Number(base & 0xffff_fff0n) | low) >>> 0, true);
    if (bar.kind === 'mem64') c.setUint32(off + 4, Number(base >> 32n), true);
  }

  /** Config cycles as the PHB answers them: all-ones while the PE is frozen or its config is blocked. */
  cfgRead(offset: number, size: 1 | 2 | 4): number {
    if (this.pe?.cfgUnreachable()) return size === 4 ? 0xffff_ffff : (1 << (size * 8)) - 1;
    const c = new DataView(this.config.buffer);
    return size === 1 ? c.getUint8(offset) : size === 2 ? c.getUint16(offset, true) : c.getUint32(offset, true);
  }

  /** The bits of a config byte software can change (type 0 header, no capabilities); the rest are read-only. */
  private writable(offset: number): number {
    if (offset === PCI_COMMAND) return 0xff;
    if (offset === PCI_COMMAND + 1) return 0x07;
    if (offset === 0x0c || offset === 0x0d || offset === 0x3c) return 0xff;
    const reg = offset - PCI_BASE_ADDRESS_0;
    if (reg < 0 || reg >= 24) return 0;
    const i = reg >> 2;
    return this.bars.some((b) => b.index === i || (b.kind === 'mem64' && b.index + 1 === i)) ? 0xff : 0;
  }

  /** A config write: dropped while the PE is frozen; read-only bits stay; BARs keep their size alignment and flags. */
  cfgWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    if (this.pe?.cfgUnreachable()) return;
    for (let i = 0; i < size; i++) {
      const m = this.writable(offset + i);
      this.config[offset + i] = (this.config[offset + i]! & ~m) | ((value >>> (8 * i)) & m);
    }
    const c = new DataView(this.config.buffer);
    for (const bar of this.bars) {
      const off = PCI_BASE_ADDRESS_0 + bar.index * 4;
      if (offset + size > off && offset < off + (bar.kind === 'mem64' ? 8 : 4)) {
        const raw = BigInt(c.getUint32(off, true)) & ~BigInt(bar.size - 1) & 0xffff_fff0n;
        const high = bar.kind === 'mem64' ? BigInt(c.getUint32(off + 4, true)) << 32n : 0n;
        this.writeBarRegister(c, bar, high | raw);
      }
    }
  }

  /** An MMIO load from a BAR: all-ones while the PE's MMIO is frozen. */
  mmioRead(bar: number, offset: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    if (this.pe?.mmioFrozen) return out.fill(0xff);
    const regs = this.mmio.get(bar);
    for (let i = 0; i < size; i++) out[i] = regs?.get(offset + i) ?? 0;
    return out;
  }

  /** An MMIO store: dropped while the PE's MMIO is frozen. */
  mmioWrite(bar: number, offset: number, data: Uint8Array): void {
    if (this.pe?.mmioFrozen) return;
    let regs = this.mmio.get(bar);
    if (!regs) this.mmio.set(bar, (regs = new Map()));
    data.forEach((b, i) => regs.set(offset + i, b));
  }

  /** A PE reset reaches the function: BARs unassigned, decoding off, registers cleared. */
  hardwareReset(): void {
    const c = new DataView(this.config.buffer);
    c.setUint16(PCI_COMMAND, 0, true);
    for (const bar of this.bars) this.writeBarRegister(c, bar, 0n);
    this.mmio.clear();
  }

  /** models eeh_restore_one_device_bars: the saved header dwords go back. */
  restoreBars(): void {
    this.config.set(this.savedConfig, 0);
  }

  /** "0000:01:00.0" minus the domain, as lspci -s and the guest name a function. */
  get slotName(): string {
    return this.name.slice(5);
  }
}
