// vfio-pci's view of a function's config space (drivers/vfio/pci/vfio_pci_config.c) for
// the standard header: per byte, which bits come from the virtual copy (vconfig) and which
// writes reach the hardware. Vendor and device ids, the BARs, the ROM, the capability
// pointer, interrupt line and pin and INTx-disable are virtual, so a guest still reads
// its ids from a frozen PE; everything else reads the hardware (all-ones while frozen).
// The twin's functions have no capabilities; bytes past the header pass through raw.

import type { PciDevice } from '../pci/pci-device.js';

const HEADER = 64;
const virt = new Uint8Array(HEADER);
const write = new Uint8Array(HEADER);

function perm(off: number, len: number, v: number, w: number): void {
  for (let i = 0; i < len; i++) {
    virt[off + i] = (v >>> (8 * i)) & 0xff;
    write[off + i] = (w >>> (8 * i)) & 0xff;
  }
}

// models init_pci_cap_basic_perm
perm(0x00, 2, 0xffff, 0);
perm(0x02, 2, 0xffff, 0);
perm(0x04, 2, 0x0400, 0xffff);
perm(0x06, 2, 0x0010, 0);
perm(0x0c, 1, 0, 0xff);
perm(0x0d, 1, 0, 0xff);
perm(0x0f, 1, 0, 0xff);
for (let bar = 0x10; bar < 0x28; bar += 4) perm(bar, 4, 0xffff_ffff, 0xffff_ffff);
perm(0x30, 4, 0xffff_ffff, 0xffff_ffff);
perm(0x34, 1, 0xff, 0);
perm(0x3c, 1, 0xff, 0xff);
perm(0x3d, 1, 0xff, 0);

export class VfioPciConfig {
  /** vdev->vconfig: read from the function when the device is opened. */
  readonly vconfig: Uint8Array;

  constructor(private readonly dev: PciDevice) {
    this.vconfig = dev.config.slice();
    // models vfio_cap_len's absence: no capability list is exposed
    this.vconfig[0x34] = 0;
  }

  /** models vfio_bar_fixup: a virtual BAR reads back its size alignment and the flag bits. */
  private barFixup(): void {
    const v = new DataView(this.vconfig.buffer);
    for (let i = 0; i < 6; i++) {
      const bar = this.dev.bars.find((b) => b.index === i);
      const upperOf = this.dev.bars.find((b) => b.kind === 'mem64' && b.index + 1 === i);
      if (upperOf) continue;
      const off = 0x10 + i * 4;
      if (!bar) {
        v.setUint32(off, 0, true);
        continue;
      }
      const mask = ~BigInt(bar.size - 1) & 0xffff_ffff_ffff_ffffn;
      const low = (bar.kind === 'mem64' ? 0x4 : 0) | (bar.prefetch ? 0x8 : 0);
      const cur = BigInt(v.getUint32(off, true)) | (bar.kind === 'mem64' ? BigInt(v.getUint32(off + 4, true)) << 32n : 0n);
      const val = (cur & mask & ~0xfn) | BigInt(low);
      v.setUint32(off, Number(val & 0xffff_ffffn), true);
      if (bar.kind === 'mem64') v.setUint32(off + 4, Number(val >> 32n), true);
    }
  }

  /** models vfio_config_do_rw for reads: virtual bits from vconfig, the rest from the function. */
  read(offset: number, count: number): Uint8Array {
    this.barFixup();
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const at = offset + i;
      const hw = this.dev.cfgRead(at & ~3, 4) >>> (8 * (at & 3));
      const vm = at < HEADER ? virt[at]! : 0;
      out[i] = ((hw & ~vm) | (this.vconfig[at]! & vm)) & 0xff;
    }
    return out;
  }

  /** models vfio_config_do_rw for writes: virtual bits land in vconfig, writable physical bits reach the function. */
  write(offset: number, data: Uint8Array): void {
    data.forEach((b, i) => {
      const at = offset + i;
      const vm = at < HEADER ? virt[at]! : 0;
      const wm = at < HEADER ? write[at]! : 0xff;
      this.vconfig[at] = (this.vconfig[at]! & ~(vm & wm)) | (b & vm & wm);
      const phys = wm & ~vm;
      if (phys) {
        const cur = this.dev.cfgRead(at, 1);
        this.dev.cfgWrite(at, 1, (cur & ~phys) | (b & phys));
      }
    });
  }
}
