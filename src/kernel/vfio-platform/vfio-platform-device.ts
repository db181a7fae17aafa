// The VFIO device ops of a platform device bound to vfio-platform
// (drivers/vfio/platform/vfio_platform_common.c): open builds the regions from the MEM
// resources and the IRQs from the platform IRQs and resets the device; the last release
// resets it again and frees both; the ioctls, read/write through the region registers and
// mmap follow spec vfio-core §1.10.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_DEVICE_FLAGS_PLATFORM,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
} from '../../core/vfio-uapi.js';
import type { PlatformDevice } from '../platform/platform-device.js';
import type { KernelLog } from '../printk.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE, type IoctlArg } from '../syscall-surface.js';
import { getDeviceInfo, getIrqInfo, getRegionInfo } from '../vfio/vfio-device-info.js';
import type { VfioDeviceOps, VfioVma } from '../vfio/vfio-device.js';
import type { MmapArea, Task } from '../vfs/node.js';
import { PAGE_SIZE } from '../vfs/process.js';
import type { ResetModule } from './reset-modules.js';
import { VfioPlatformIrq } from './vfio-platform-irq.js';
import { vfioPlatformSetIrqs } from './vfio-platform-set-irqs.js';

export const VFIO_PLATFORM_DRIVER = 'vfio-platform';
/** VFIO_PLATFORM_OFFSET_SHIFT: the region index lives in the file offset's bits 40 and up. */
export const VFIO_PLATFORM_OFFSET_SHIFT = 40n;
const OFFSET_MASK = (1n << VFIO_PLATFORM_OFFSET_SHIFT) - 1n;

export interface PlatformRegion {
  readonly flags: number;
  readonly size: number;
  readonly addr: number;
}

export class VfioPlatformDevice implements VfioDeviceOps {
  readonly driverName = VFIO_PLATFORM_DRIVER;
  regions: PlatformRegion[] = [];
  irqs: VfioPlatformIrq[] = [];

  constructor(
    readonly dev: PlatformDevice,
    readonly resetModule: ResetModule | undefined,
    readonly resetRequired: boolean,
    private readonly log: KernelLog,
    private readonly sink: (event: string, detail: string) => void = () => undefined,
  ) {}

  private warn(text: string): void {
    this.log.dev(VFIO_PLATFORM_DRIVER, this.dev.name, text);
  }

  /** models vfio_platform_call_reset: "reset" and the module's sequence, or EINVAL without one. */
  callReset(): 'EINVAL' | undefined {
    if (!this.resetModule) {
      this.warn('no reset function found!');
      return 'EINVAL';
    }
    this.log.dev(VFIO_PLATFORM_DRIVER, this.dev.name, 'reset');
    this.resetModule.reset(this.dev.regions, (text) => this.warn(text));
    return undefined;
  }

  /** models vfio_platform_regions_init: MMIO regions, mmap-able when start and size are page aligned. */
  private regionsInit(): PlatformRegion[] {
    return this.dev.resources.map((r) => ({
      addr: r.start,
      size: r.size,
      flags: VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | (r.start % PAGE_SIZE === 0 && r.size % PAGE_SIZE === 0 ? VFIO_REGION_INFO_FLAG_MMAP : 0),
    }));
  }

  /** models vfio_platform_irq_init: EVENTFD, plus MASKABLE|AUTOMASKED for level lines. */
  private irqInit(): VfioPlatformIrq[] {
    return this.dev.irqs.map((line) => new VfioPlatformIrq(line, `vfio-irq[${line.spi + 32}](${this.dev.name})`, this.sink));
  }

  /** models vfio_platform_open_device (first opener). */
  openDevice(): void {
    this.regions = this.regionsInit();
    this.irqs = this.irqInit();
    const err = this.callReset();
    if (err && this.resetRequired) {
      this.warn(`reset driver is required and reset call failed in open (-22) `);
      this.irqs = [];
      this.regions = [];
      throw new KernelError(err);
    }
  }

  /** models vfio_platform_close_device (last release): reset, then regions and IRQs go. */
  closeDevice(): void {
    const err = this.callReset();
    if (err && this.resetRequired) this.warn('reset driver is required and reset call failed in release (-22) ');
    for (const irq of this.irqs) irq.cleanup();
    this.irqs = [];
    this.regions = [];
  }

  /** Twin: an open device of a checkpoint gets its regions and IRQ contexts back (nothing is reset). */
  restoreOpen(): void {
    this.regions = this.regionsInit();
    this.irqs = this.irqInit();
  }

  ioctl(request: number, arg: IoctlArg, task?: Task): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return getDeviceInfo(arg, { flags: VFIO_DEVICE_FLAGS_PLATFORM | (this.resetModule ? VFIO_DEVICE_FLAGS_RESET : 0), numRegions: this.regions.length, numIrqs: this.irqs.length });
      case VFIO_DEVICE_GET_REGION_INFO:
        return getRegionInfo(arg, this.regions.length, (index) => ({ ...this.regions[index]!, offset: BigInt(index) << VFIO_PLATFORM_OFFSET_SHIFT }));
      case VFIO_DEVICE_GET_IRQ_INFO:
        return getIrqInfo(arg, this.irqs.length, (index) => this.irqs[index]!);
      case VFIO_DEVICE_SET_IRQS:
        return vfioPlatformSetIrqs(this.irqs, arg, task);
      case VFIO_DEVICE_RESET: {
        const err = this.callReset();
        if (err) throw new KernelError(err);
        return 0;
      }
    }
    throw new KernelError('ENOTTY');
  }

  /** The region and in-region offset of a file offset; EINVAL for a region that lacks `flag` or a range past its end. */
  private locate(offset: bigint, count: number, flag: number): { index: number; off: number } {
    const index = Number(offset >> VFIO_PLATFORM_OFFSET_SHIFT);
    const off = Number(offset & OFFSET_MASK);
    const r = this.regions[index];
    if (!r || !(r.flags & flag)) throw new KernelError('EINVAL');
    // twin: 4.19 does not bound the access by the region size; later kernels do
    if (off + count > r.size) throw new KernelError('EINVAL');
    return { index, off };
  }

  /** Aligned 4-, 2- and 1-byte accesses covering [off, off + count) (vfio_platform_read_mmio's loop). */
  private static *accesses(off: number, count: number): Generator<[number, 1 | 2 | 4]> {
    while (count > 0) {
      const size: 1 | 2 | 4 = count >= 4 && off % 4 === 0 ? 4 : count >= 2 && off % 2 === 0 ? 2 : 1;
      yield [off, size];
      off += size;
      count -= size;
    }
  }

  /** models vfio_platform_read. */
  read(count: number, offset: bigint): Uint8Array {
    const { index, off } = this.locate(offset, count, VFIO_REGION_INFO_FLAG_READ);
    const file = this.dev.regions[index]!;
    const out = new Uint8Array(count);
    const dv = new DataView(out.buffer);
    for (const [o, size] of VfioPlatformDevice.accesses(off, count)) {
      const v = file.read(o, size);
      if (size === 4) dv.setUint32(o - off, v, true);
      else if (size === 2) dv.setUint16(o - off, v, true);
      else dv.setUint8(o - off, v);
    }
    return out;
  }

  /** models vfio_platform_write. */
  write(data: Uint8Array, offset: bigint): number {
    const { index, off } = this.locate(offset, data.length, VFIO_REGION_INFO_FLAG_WRITE);
    const file = this.dev.regions[index]!;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (const [o, size] of VfioPlatformDevice.accesses(off, data.length)) {
      const v = size === 4 ? dv.getUint32(o - off, true) : size === 2 ? dv.getUint16(o - off, true) : dv.getUint8(o - off);
      file.write(o, size, v);
    }
    return data.length;
  }

  /** models vfio_platform_mmap + vfio_platform_mmap_mmio. */
  mmap(vma: VfioVma): MmapArea {
    const index = Number(vma.offset >> VFIO_PLATFORM_OFFSET_SHIFT);
    const r = this.regions[index];
    if (!(vma.flags & MAP_SHARED) || !r || vma.length % PAGE_SIZE !== 0) throw new KernelError('EINVAL');
    if (!(r.flags & VFIO_REGION_INFO_FLAG_MMAP)) throw new KernelError('EINVAL');
    if ((vma.prot & PROT_READ && !(r.flags & VFIO_REGION_INFO_FLAG_READ)) || (vma.prot & PROT_WRITE && !(r.flags & VFIO_REGION_INFO_FLAG_WRITE))) throw new KernelError('EINVAL');
    const start = Number(vma.offset & OFFSET_MASK);
    if (r.size < PAGE_SIZE || start + vma.length > r.size) throw new KernelError('EINVAL');
    const file = this.dev.regions[index]!;
    const sized = (size: number): 1 | 2 | 4 => {
      if (size !== 1 && size !== 2 && size !== 4) throw new KernelError('EFAULT');
      return size;
    };
    return {
      load: (o, size) => BigInt(file.read(start + o, sized(size))),
      store: (o, size, value) => file.write(start + o, sized(size), Number(value & 0xffff_ffffn)),
    };
  }

  /** vfio-platform has no request op: the unbind simply waits. */
  request(): void {}
}
