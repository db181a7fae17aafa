// The sPAPR TCE IOMMU on a POWER9 twin (drivers/vfio/vfio_iommu_spapr_tce.c): extensions,
// SET_IOMMU per profile, GET_INFO, memory pre-registration, dynamic DMA windows and
// MAP/UNMAP inside a window, each with the kernel's errno.

import { describe, expect, it } from 'vitest';
import {
  VFIO_IOMMU_DISABLE,
  VFIO_IOMMU_ENABLE,
  VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
  VFIO_IOMMU_SPAPR_TCE_CREATE,
  VFIO_IOMMU_SPAPR_TCE_GET_INFO,
  VFIO_IOMMU_SPAPR_TCE_REMOVE,
  VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
  decodeSpaprTceInfo,
  encodeRegisterMemory,
  encodeSpaprTceInfo,
  encodeTceCreate,
  encodeTceRemove,
} from '../../../src/core/vfio-spapr-uapi.js';
import {
  VFIO_EEH,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_SET_IOMMU,
  VFIO_SPAPR_TCE_IOMMU,
  VFIO_SPAPR_TCE_v2_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  encodeDmaMap,
  encodeDmaUnmap,
  encodeS32,
  getU64,
} from '../../../src/core/vfio-uapi.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { bootSpec, errno as errnoOf } from '../sh.js';
import { PCI_PRESETS } from '../../../src/kernel/pci/pci-presets.js';
import { checkExtension, ioctl, openGroup, p9Vfio, toVfio, ETH0, ETH1 } from './spapr-user.js';

const RW = 3;
const map = (iova: bigint, vaddr: bigint, size: bigint, flags = RW) => encodeDmaMap({ iova, vaddr, size, flags });
const GiB = 1n << 30n;
const RAM = 0x7fff_0000_0000n;

describe('CHECK_EXTENSION and SET_IOMMU', () => {
  it('a POWER container offers both sPAPR types and EEH, never Type1', () => {
    const sh = p9Vfio();
    const c = sh.sys.open('/dev/vfio/vfio', O_RDWR);
    expect([VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU, VFIO_EEH].map((e) => checkExtension(sh, c, e))).toEqual([0, 0, 1, 1, 1]);
  });

  it('EEH is 0 when the platform has EEH off', () => {
    const sh = bootSpec({ ...PCI_PRESETS.p9, eeh: false });
    const c = sh.sys.open('/dev/vfio/vfio', O_RDWR);
    expect(checkExtension(sh, c, VFIO_EEH)).toBe(0);
  });

  it('Type1 is ENODEV; VFIO_EEH as a type is claimed, then refused by open (EINVAL, logged)', () => {
    const sh = p9Vfio();
    const { container } = openGroup(sh, 0);
    expect(ioctl(sh, container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)).toBe('ENODEV');
    expect(sh.logged(() => expect(ioctl(sh, container, VFIO_SET_IOMMU, VFIO_EEH)).toBe('EINVAL'))).toEqual(['tce_vfio: Wrong IOMMU type']);
  });

  it('v2 containers hold several groups; ENABLE is v1-only (ENOTTY)', () => {
    const sh = p9Vfio();
    const a = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    openGroup(sh, 1, undefined, a.container);
    expect(ioctl(sh, a.container, VFIO_IOMMU_ENABLE)).toBe('ENOTTY');
  });

  for (const profile of ['modern', 'legacy'] as const) {
    it(`${profile}: v1 reuses the PE's tables and keeps one group per container (EBUSY for the second)`, () => {
      const sh = p9Vfio(profile);
      const a = openGroup(sh, 0, VFIO_SPAPR_TCE_IOMMU);
      const g1 = sh.sys.open('/dev/vfio/1', O_RDWR);
      expect(ioctl(sh, g1, VFIO_GROUP_SET_CONTAINER, encodeS32(a.container))).toBe('EBUSY');
    });
  }
});

describe('GET_INFO', () => {
  it('v2 reports the 32-bit window and the DDW limits; a short argsz gets the first 16 bytes only', () => {
    const sh = p9Vfio();
    const { container } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    const info = encodeSpaprTceInfo();
    expect(ioctl(sh, container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info)).toBe(0);
    expect(decodeSpaprTceInfo(info)).toEqual({
      argsz: 32,
      flags: 1,
      dma32WindowStart: 0,
      dma32WindowSize: 0x8000_0000,
      ddw: { pgsizes: 0x4021_1000n, maxDynamicWindowsSupported: 2, levels: 5 },
    });
    const short = encodeSpaprTceInfo(16);
    ioctl(sh, container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, short);
    expect(decodeSpaprTceInfo(short).ddw.maxDynamicWindowsSupported).toBe(0);
    expect(ioctl(sh, container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, encodeSpaprTceInfo(8))).toBe('EINVAL');
  });

  it('legacy v1 reports no DDW', () => {
    const sh = p9Vfio('legacy');
    const { container } = openGroup(sh, 0, VFIO_SPAPR_TCE_IOMMU);
    const info = encodeSpaprTceInfo();
    ioctl(sh, container, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info);
    expect(decodeSpaprTceInfo(info).flags).toBe(0);
  });
});

for (const profile of ['modern', 'legacy'] as const) {
describe(`v2 (${profile}): pre-registered memory and dynamic windows`, () => {
  it('MAP needs registered memory (EPERM before any, EINVAL outside it); the default window appears on first use', () => {
    const sh = p9Vfio(profile);
    const { container: c } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0n, RAM, 0x1000n))).toBe('EPERM');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM + 0x1000n, GiB))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe('EBUSY');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM + 0x10000n, GiB))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB, 1))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0n, RAM, 0x2000n))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0x1000n, RAM + 2n * GiB, 0x1000n))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0x8000_0000n, RAM, 0x1000n))).toBe('ENXIO');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0x1000n, RAM, 0x800n))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0x1000n, RAM, 0x1000n, 0))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe('EBUSY');
    expect(ioctl(sh, c, VFIO_IOMMU_UNMAP_DMA, encodeDmaUnmap({ iova: 0n, size: 0x2000n }))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_UNMAP_DMA, encodeDmaUnmap({ iova: 0x7fff_f000n, size: 0x2000n }))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe('ENOENT');
  });

  it("QEMU's sequence: remove the pending default window, then create its own (slot 0 at 0, slot 1 at 1<<59, then ENOSPC)", () => {
    const sh = p9Vfio(profile);
    const { container: c } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(0n))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0n, RAM, 0x1000n))).toBe('ENXIO');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(13, GiB, 1))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(16, GiB, 0))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(16, 3n * GiB, 1))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(16, GiB, 1, 1))).toBe('EINVAL');
    const w0 = encodeTceCreate(16, GiB, 1);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, w0)).toBe(0);
    expect(getU64(w0, 32)).toBe(0n);
    const w1 = encodeTceCreate(16, 1n << 40n, 2);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, w1)).toBe(0);
    expect(getU64(w1, 32)).toBe(1n << 59n);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(16, GiB, 1))).toBe('ENOSPC');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map((1n << 59n) + 0x10000n, RAM, 0x10000n))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0x1000n, RAM, 0x1000n))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(1n << 59n))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(1n << 59n))).toBe('EINVAL');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(0n, 0, 8))).toBe('EINVAL');
  });

  it('the container belongs to the first process that used it (EPERM for another)', () => {
    const sh = p9Vfio(profile);
    const { container: c } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe(0);
    // the container fd passed to another process (SCM_RIGHTS)
    const other = sh.host.process('other');
    const fd = other.install(sh.sys.fileAt(c)!, O_RDWR);
    expect(errnoOf(() => other.ioctl(fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, encodeSpaprTceInfo()))).toBe('EPERM');
  });
});
}

for (const profile of ['modern', 'legacy'] as const) {
describe(`v1 (${profile}): ENABLE and the default window`, () => {
  it('MAP is EPERM until ENABLE; ENABLE twice is EBUSY; registration and windows are ENOTTY', () => {
    const sh = p9Vfio(profile);
    const { container: c } = openGroup(sh, 0, VFIO_SPAPR_TCE_IOMMU);
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0n, RAM, 0x1000n))).toBe('EPERM');
    expect(ioctl(sh, c, VFIO_IOMMU_ENABLE)).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_ENABLE)).toBe('EBUSY');
    expect(ioctl(sh, c, VFIO_IOMMU_MAP_DMA, map(0n, RAM, 0x1000n))).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(RAM, GiB))).toBe('ENOTTY');
    expect(ioctl(sh, c, VFIO_IOMMU_SPAPR_TCE_CREATE, encodeTceCreate(16, GiB, 1))).toBe('ENOTTY');
    expect(ioctl(sh, c, VFIO_IOMMU_DISABLE)).toBe(0);
    expect(ioctl(sh, c, VFIO_IOMMU_UNMAP_DMA, encodeDmaUnmap({ iova: 0n, size: 0x1000n }))).toBe('EPERM');
  });
});
}

describe('groups and PEs', () => {
  it('a function returned to its host driver makes the group non-viable again', () => {
    const sh = p9Vfio();
    sh.echo('', `/sys/bus/pci/devices/${ETH1}/driver_override`);
    sh.echo(ETH1, '/sys/bus/pci/drivers/vfio-pci/unbind');
    expect(sh.echo(ETH1, '/sys/bus/pci/drivers/ixgbe/bind')).toBe(13);
    toVfio(sh, ETH1);
    expect(sh.readlink(`/sys/bus/pci/devices/${ETH0}/driver`)).toMatch(/vfio-pci$/);
  });

  it('a host driver cannot bind into a group user space owns (EBUSY)', () => {
    const sh = p9Vfio();
    openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
    sh.echo('', `/sys/bus/pci/devices/${ETH1}/driver_override`);
    sh.echo(ETH1, '/sys/bus/pci/drivers/vfio-pci/unbind');
    expect(sh.echo(ETH1, '/sys/bus/pci/drivers/ixgbe/bind')).toBe('EBUSY');
  });
});
