// The vfio-pci device fd on a POWER9 twin (drivers/vfio/pci): GET_INFO, region and IRQ
// info, config space through the permission tables (virtual ids, BARs and INTx-disable),
// BAR access, and the ioctls the twin refuses.

import { describe, expect, it } from 'vitest';
import { vfioPciRegionOffset } from '../../../src/core/vfio-spapr-uapi.js';
import {
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_SPAPR_TCE_v2_IOMMU,
  decodeDeviceInfo,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeDeviceInfo,
  encodeIrqInfo,
  encodeIrqSet,
  encodeRegionInfo,
} from '../../../src/core/vfio-uapi.js';
import { errno } from '../sh.js';
import { ETH0, ETH1, ioctl, openGroup, p9Vfio } from './spapr-user.js';

function device() {
  const sh = p9Vfio();
  const { group } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
  const fd = sh.sys.ioctl(group, VFIO_GROUP_GET_DEVICE_FD, ETH0);
  const cfg = (off: number, n = 4) => [...sh.sys.pread(fd, n, vfioPciRegionOffset(7) + BigInt(off))];
  const put = (off: number, bytes: number[]) => sh.sys.pwrite(fd, Uint8Array.from(bytes), vfioPciRegionOffset(7) + BigInt(off));
  return { sh, fd, group, cfg, put };
}

describe('vfio-pci ioctls', () => {
  it('GET_INFO: PCI and RESET, 9 regions, 5 IRQ indexes; a short argsz is EINVAL', () => {
    const { sh, fd } = device();
    const info = encodeDeviceInfo({ argsz: 16 });
    sh.sys.ioctl(fd, VFIO_DEVICE_GET_INFO, info);
    expect(decodeDeviceInfo(info)).toMatchObject({ flags: 0b11, num_regions: 9, num_irqs: 5 });
    expect(ioctl(sh, fd, VFIO_DEVICE_GET_INFO, encodeDeviceInfo({ argsz: 8 }))).toBe('EINVAL');
  });

  it('GET_REGION_INFO: BAR0 and BAR4 mmappable, BAR1 empty, config 4096 bytes at index 7; index 9 is EINVAL', () => {
    const { sh, fd } = device();
    const region = (index: number) => {
      const b = encodeRegionInfo({ index });
      sh.sys.ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, b);
      return decodeRegionInfo(b);
    };
    expect(region(0)).toMatchObject({ flags: 0b111, size: 0x80000n, offset: 0n });
    expect(region(1)).toMatchObject({ flags: 0, size: 0n, offset: 1n << 40n });
    expect(region(4)).toMatchObject({ flags: 0b111, size: 0x4000n });
    expect(region(7)).toMatchObject({ flags: 0b11, size: 4096n, offset: 7n << 40n });
    expect(ioctl(sh, fd, VFIO_DEVICE_GET_REGION_INFO, encodeRegionInfo({ index: 9 }))).toBe('EINVAL');
    expect(ioctl(sh, fd, VFIO_DEVICE_GET_REGION_INFO, encodeRegionInfo({ argsz: 16, index: 0 }))).toBe('EINVAL');
  });

  it('GET_IRQ_INFO: INTx (maskable, automasked), no MSI or MSI-X, ERR and REQ; index 5 is EINVAL', () => {
    const { sh, fd } = device();
    const irq = (index: number) => {
      const b = encodeIrqInfo({ index });
      sh.sys.ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, b);
      return decodeIrqInfo(b);
    };
    expect([0, 1, 2, 3, 4].map((i) => [irq(i).flags, irq(i).count])).toEqual([
      [0b111, 1],
      [0b1001, 0],
      [0b1001, 0],
      [0b1001, 1],
      [0b1001, 1],
    ]);
    expect(ioctl(sh, fd, VFIO_DEVICE_GET_IRQ_INFO, encodeIrqInfo({ index: 5 }))).toBe('EINVAL');
  });

  it('no interrupt delivery: SET_IRQS is EINVAL; RESET works; anything else is ENOTTY', () => {
    const { sh, fd } = device();
    expect(ioctl(sh, fd, VFIO_DEVICE_SET_IRQS, encodeIrqSet({ index: 0, flags: 0b100001, count: 0 }))).toBe('EINVAL');
    expect(ioctl(sh, fd, VFIO_DEVICE_RESET)).toBe(0);
    expect(ioctl(sh, fd, 0x3b7f)).toBe('ENOTTY');
  });
});

describe('vfio-pci config space and BARs', () => {
  it('ids and BARs are virtual: writes to ids are dropped, BAR sizing reads back the size mask', () => {
    const { cfg, put } = device();
    expect(cfg(0)).toEqual([0x86, 0x80, 0xfb, 0x10]);
    put(0, [0xff, 0xff]);
    expect(cfg(0, 2)).toEqual([0x86, 0x80]);
    put(0x10, [0xff, 0xff, 0xff, 0xff]);
    put(0x14, [0xff, 0xff, 0xff, 0xff]);
    // a 512 KiB 64-bit prefetchable BAR
    expect(cfg(0x10)).toEqual([0x0c, 0x00, 0xf8, 0xff]);
    expect(cfg(0x14)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(cfg(0x18)).toEqual([0, 0, 0, 0]);
  });

  it('INTx-disable is virtual; the memory bit reaches the function (as the host sees in sysfs)', () => {
    const { sh, cfg, put } = device();
    put(4, [0x02, 0x04]);
    expect(cfg(4, 2)).toEqual([0x02, 0x04]);
    const host = (sh.cat(`/sys/bus/pci/devices/${ETH0}/config`) as string).slice(4, 6);
    expect([host.charCodeAt(0), host.charCodeAt(1)]).toEqual([0x02, 0x00]);
  });

  it('BAR reads and writes reach the function; past a region is EINVAL; the other function is untouched', () => {
    const { sh, fd } = device();
    sh.sys.pwrite(fd, Uint8Array.from([1, 2, 3, 4]), vfioPciRegionOffset(0) + 0x100n);
    expect([...sh.sys.pread(fd, 4, vfioPciRegionOffset(0) + 0x100n)]).toEqual([1, 2, 3, 4]);
    expect(errno(() => sh.sys.pread(fd, 4, vfioPciRegionOffset(0) + 0x80000n))).toBe('EINVAL');
    expect(errno(() => sh.sys.pread(fd, 4, vfioPciRegionOffset(1)))).toBe('EINVAL');
    expect(errno(() => sh.sys.pread(fd, 4, vfioPciRegionOffset(9)))).toBe('EINVAL');
    expect(sh.cat(`/sys/bus/pci/devices/${ETH1}/vendor`)).toBe('0x8086\n');
  });
});
