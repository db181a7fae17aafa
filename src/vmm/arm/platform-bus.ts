// QEMU's platform bus (hw/core/platform-bus.c): a window of MMIO and a range of IRQ lines
// that dynamic sysbus devices are linked into when they are plugged: each IRQ takes the
// lowest free line, each MMIO region the first free offset aligned to its own size
// (rounded up to a power of two).

import { QemuError } from '../qemu-error.js';

export interface PlatformBusState {
  irqs: boolean[];
  /** Occupied [offset, size) ranges. */
  mmio: [number, number][];
}

export class PlatformBus {
  private readonly used: boolean[];
  private readonly mmio: [number, number][] = [];

  constructor(
    readonly base: number,
    readonly size: number,
    readonly numIrqs: number,
    saved?: PlatformBusState,
  ) {
    this.used = saved ? [...saved.irqs] : new Array<boolean>(numIrqs).fill(false);
    if (saved) this.mmio.push(...saved.mmio.map(([o, s]) => [o, s] as [number, number]));
  }

  /** models platform_bus_map_irq: the lowest free line, or "Platform Bus: Can not fit IRQ line". */
  mapIrq(): number {
    const n = this.used.indexOf(false);
    if (n < 0) throw new QemuError('Platform Bus: Can not fit IRQ line');
    this.used[n] = true;
    return n;
  }

  /** models platform_bus_map_mmio: the first aligned free offset, or "Can not fit MMIO region of size %x". */
  mapMmio(size: number): number {
    let align = 1;
    while (align < size) align *= 2;
    for (let off = 0; off + size <= this.size; off += align) {
      if (this.mmio.every(([o, s]) => off + size <= o || o + s <= off)) {
        this.mmio.push([off, size]);
        return off;
      }
    }
    throw new QemuError(`Platform Bus: Can not fit MMIO region of size ${size.toString(16)}`);
  }

  snapshot(): PlatformBusState {
    return { irqs: [...this.used], mmio: this.mmio.map(([o, s]) => [o, s]) };
  }
}
