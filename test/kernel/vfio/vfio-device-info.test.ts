// The info ioctls' argument checks every VFIO device driver shares (vfio_pci_ioctl_get_*info,
// vfio_platform_ioctl): a pointer to fewer than minsz bytes is EFAULT, argsz below minsz and
// an index past the device's are EINVAL, and a good call fills the fixed fields.

import { describe, expect, it } from 'vitest';
import { decodeDeviceInfo, decodeIrqInfo, decodeRegionInfo, encodeDeviceInfo, encodeIrqInfo, encodeRegionInfo } from '../../../src/core/vfio-uapi.js';
import { getDeviceInfo, getIrqInfo, getRegionInfo } from '../../../src/kernel/vfio/vfio-device-info.js';
import { errno } from '../sh.js';

const region = (index: number) => ({ flags: 7, size: 0x1000, offset: BigInt(index) << 40n });
const irq = () => ({ flags: 1, count: 1 });

describe('VFIO device info ioctls', () => {
  it('EFAULT for a non-pointer or a struct shorter than minsz, before argsz is looked at', () => {
    expect(errno(() => getDeviceInfo(0, { flags: 0, numRegions: 0, numIrqs: 0 }))).toBe('EFAULT');
    expect(errno(() => getDeviceInfo(encodeDeviceInfo({ argsz: 1 }).subarray(0, 15), { flags: 0, numRegions: 0, numIrqs: 0 }))).toBe('EFAULT');
    expect(errno(() => getRegionInfo(encodeRegionInfo({ argsz: 1 }).subarray(0, 31), 1, region))).toBe('EFAULT');
    expect(errno(() => getIrqInfo(encodeIrqInfo({ argsz: 1, index: 9 }).subarray(0, 15), 1, irq))).toBe('EFAULT');
  });

  it('EINVAL for argsz below minsz or an index past the count, the buffer left as it was', () => {
    for (const [call, buf] of [
      [(b: Uint8Array) => getDeviceInfo(b, { flags: 3, numRegions: 1, numIrqs: 1 }), encodeDeviceInfo({ argsz: 15 })],
      [(b: Uint8Array) => getRegionInfo(b, 1, region), encodeRegionInfo({ argsz: 31 })],
      [(b: Uint8Array) => getRegionInfo(b, 1, region), encodeRegionInfo({ index: 1 })],
      [(b: Uint8Array) => getIrqInfo(b, 2, irq), encodeIrqInfo({ argsz: 15 })],
      [(b: Uint8Array) => getIrqInfo(b, 2, irq), encodeIrqInfo({ index: 2 })],
    ] as const) {
      const before = buf.slice();
      expect(errno(() => call(buf))).toBe('EINVAL');
      expect(buf).toEqual(before);
    }
  });

  it('fills flags and counts, a region with cap_offset 0, an IRQ index with its count', () => {
    const d = encodeDeviceInfo();
    expect(getDeviceInfo(d, { flags: 3, numRegions: 2, numIrqs: 5 })).toBe(0);
    expect(decodeDeviceInfo(d)).toEqual({ argsz: 16, flags: 3, num_regions: 2, num_irqs: 5 });
    const r = encodeRegionInfo({ argsz: 64, index: 1, cap_offset: 99 });
    expect(getRegionInfo(r, 2, region)).toBe(0);
    expect(decodeRegionInfo(r)).toEqual({ argsz: 64, flags: 7, index: 1, cap_offset: 0, size: 0x1000n, offset: 1n << 40n });
    const i = encodeIrqInfo({ index: 1 });
    expect(getIrqInfo(i, 2, irq)).toBe(0);
    expect(decodeIrqInfo(i)).toEqual({ argsz: 16, flags: 1, index: 1, count: 1 });
  });
});
