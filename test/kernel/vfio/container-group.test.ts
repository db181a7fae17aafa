// ioctl-level rules of /dev/vfio/vfio and /dev/vfio/N (spec vfio-core §1.4, §1.5, §1.9,
// Appendix B), driven through a process's file table like QEMU drives them.
import { describe, expect, it } from 'vitest';
import {
  VFIO_API_VERSION,
  VFIO_CHECK_EXTENSION,
  VFIO_DEVICE_GET_INFO,
  VFIO_DMA_CC_IOMMU,
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_GET_API_VERSION,
  VFIO_GROUP_FLAGS_CONTAINER_SET,
  VFIO_GROUP_FLAGS_VIABLE,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_UNSET_CONTAINER,
  VFIO_IOMMU_GET_INFO,
  VFIO_IOMMU_INFO_PGSIZES,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_NOIOMMU_IOMMU,
  VFIO_SET_IOMMU,
  VFIO_SPAPR_TCE_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  decodeDmaUnmap,
  decodeGroupStatus,
  decodeIommuType1Info,
  encodeDeviceInfo,
  encodeDmaMap,
  encodeDmaUnmap,
  encodeGroupStatus,
  encodeIommuType1Info,
  encodeS32,
} from '../../../src/core/vfio-uapi.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { boot, errno } from '../sh.js';
import { UUID, createVm, docMdev, groupIdOf, realize } from './qemu-like.js';

function setup(profile: 'modern' | 'legacy' = 'modern') {
  const sh = boot('doc', profile);
  docMdev(sh);
  const p = sh.host.process('qemu-system-s390x');
  const group = `/dev/vfio/${groupIdOf(p, UUID)}`;
  return { sh, host: sh.host, p, group };
}

describe('container fd (/dev/vfio/vfio)', () => {
  it('reports API version 0 and Type1 extensions before SET_IOMMU', () => {
    const { p } = setup();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    expect(p.ioctl(c, VFIO_GET_API_VERSION)).toBe(VFIO_API_VERSION);
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU)).toBe(1);
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU)).toBe(1);
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU)).toBe(0);
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU)).toBe(0);
    // DMA_CC is answered only by an open backend
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU)).toBe(0);
  });

  it('SET_IOMMU needs a group (EINVAL), an iommu type a backend claims (ENODEV), and only once (EINVAL)', () => {
    const { p, group } = setup();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    expect(errno(() => p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))).toBe('EINVAL');
    const g = p.open(group, O_RDWR);
    p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(c));
    expect(errno(() => p.ioctl(c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU))).toBe('ENODEV');
    expect(errno(() => p.ioctl(c, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU))).toBe('ENODEV');
    expect(p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)).toBe(0);
    expect(errno(() => p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))).toBe('EINVAL');
    expect(p.ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU)).toBe(1);
  });

  it('passes other ioctls to the backend: EINVAL without one, ENOTTY for what Type1 does not know', () => {
    const { p, group } = setup();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    expect(errno(() => p.ioctl(c, VFIO_IOMMU_MAP_DMA, encodeDmaMap()))).toBe('EINVAL');
    const g = p.open(group, O_RDWR);
    p.ioctl(g, VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU);
    expect(errno(() => p.ioctl(c, VFIO_DEVICE_GET_INFO, encodeDeviceInfo()))).toBe('ENOTTY');
    expect(errno(() => p.read(c))).toBe('EINVAL');
  });

  it('IOMMU_GET_INFO: argsz checked, every page size from 4 KiB up (no IOMMU domain)', () => {
    const { p, group } = setup();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    p.ioctl(p.open(group, O_RDWR), VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(errno(() => p.ioctl(c, VFIO_IOMMU_GET_INFO, encodeIommuType1Info({ argsz: 15 })))).toBe('EINVAL');
    const info = encodeIommuType1Info();
    expect(p.ioctl(c, VFIO_IOMMU_GET_INFO, info)).toBe(0);
    expect(decodeIommuType1Info(info)).toEqual({ argsz: 16, flags: VFIO_IOMMU_INFO_PGSIZES, iova_pgsizes: 0xfffffffffffff000n });
  });
});

describe('Type1 MAP_DMA / UNMAP_DMA', () => {
  const RW = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
  function container(v2: boolean) {
    const { p, group, host } = setup();
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    p.ioctl(p.open(group, O_RDWR), VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, VFIO_SET_IOMMU, v2 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU);
    const map = (iova: bigint, size: bigint, flags = RW, vaddr = 0x10000000n + iova) =>
      errno(() => p.ioctl(c, VFIO_IOMMU_MAP_DMA, encodeDmaMap({ flags, iova, size, vaddr })));
    const unmap = (iova: bigint, size: bigint, flags = 0) =>
      errno(() => {
        const buf = encodeDmaUnmap({ iova, size, flags });
        p.ioctl(c, VFIO_IOMMU_UNMAP_DMA, buf);
        return decodeDmaUnmap(buf).size;
      });
    return { p, c, host, map, unmap };
  }

  it('validates flags, size, alignment and wrap (EINVAL) and refuses overlaps (EEXIST)', () => {
    const { map, p, c } = container(true);
    expect(errno(() => p.ioctl(c, VFIO_IOMMU_MAP_DMA, encodeDmaMap({ argsz: 31, flags: RW, size: 0x1000n })))).toBe('EINVAL');
    expect(map(0n, 0x1000n, 0x4)).toBe('EINVAL'); // unknown flag
    expect(map(0n, 0x1000n, 0)).toBe('EINVAL'); // neither READ nor WRITE
    expect(map(0n, 0n)).toBe('EINVAL');
    expect(map(0x800n, 0x1000n)).toBe('EINVAL');
    expect(map(0n, 0x1800n)).toBe('EINVAL');
    expect(map(0xfffffffffffff000n, 0x2000n)).toBe('EINVAL'); // iova wraps
    expect(map(0x10000n, 0x4000n)).toBe(0);
    expect(map(0x12000n, 0x1000n)).toBe('EEXIST');
    expect(map(0xf000n, 0x2000n)).toBe('EEXIST');
    expect(map(0x14000n, 0x1000n)).toBe(0); // adjacent is fine
    expect(map(0xf000n, 0x1000n)).toBe(0);
  });

  it('v2 refuses to split a mapping and reports the bytes removed', () => {
    const { map, unmap } = container(true);
    map(0x10000n, 0x4000n);
    map(0x20000n, 0x2000n);
    expect(unmap(0x11000n, 0x1000n)).toBe('EINVAL');
    expect(unmap(0x10000n, 0x1000n)).toBe('EINVAL');
    expect(unmap(0x10000n, 0x1000n, 1)).toBe('EINVAL'); // flags must be 0
    expect(unmap(0x30000n, 0x1000n)).toBe(0n); // nothing there: not an error
    expect(unmap(0x10000n, 0x20000n)).toBe(0x6000n);
  });

  it('v1 removes a whole mapping from its first iova and nothing from inside one', () => {
    const { map, unmap } = container(false);
    map(0x10000n, 0x4000n);
    expect(unmap(0x11000n, 0x1000n)).toBe(0n);
    expect(unmap(0x10000n, 0x1000n)).toBe(0x4000n);
  });

  it('the last group leaving the container drops the backend and every mapping', () => {
    const { map, p, c, host } = container(true);
    map(0x10000n, 0x4000n);
    const groupFd = p.openFds().find((fd) => fd !== c)!;
    p.ioctl(groupFd, VFIO_GROUP_UNSET_CONTAINER);
    expect(errno(() => p.ioctl(c, VFIO_IOMMU_MAP_DMA, encodeDmaMap({ flags: RW, size: 0x1000n })))).toBe('EINVAL');
    p.ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(map(0x10000n, 0x4000n)).toBe(0);
    expect(host.vfio.groups.size).toBe(1);
  });
});

describe('group fd (/dev/vfio/N)', () => {
  it('opens once system-wide: a second open anywhere is EBUSY', () => {
    const { host, p, group } = setup();
    const g = p.open(group, O_RDWR);
    expect(errno(() => p.open(group, O_RDWR))).toBe('EBUSY');
    expect(errno(() => host.process().open(group, O_RDWR))).toBe('EBUSY');
    p.close(g);
    expect(typeof host.process().open(group, O_RDWR)).toBe('number');
  });

  it('GET_STATUS: argsz < 8 is EINVAL; VIABLE always, CONTAINER_SET once attached', () => {
    const { p, group } = setup();
    const g = p.open(group, O_RDWR);
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_STATUS, encodeGroupStatus({ argsz: 7 })))).toBe('EINVAL');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_STATUS, new Uint8Array(4)))).toBe('EFAULT');
    const st = encodeGroupStatus();
    p.ioctl(g, VFIO_GROUP_GET_STATUS, st);
    expect(decodeGroupStatus(st).flags).toBe(VFIO_GROUP_FLAGS_VIABLE);
    p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(p.open('/dev/vfio/vfio', O_RDWR)));
    p.ioctl(g, VFIO_GROUP_GET_STATUS, st);
    expect(decodeGroupStatus(st).flags).toBe(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
  });

  it('SET_CONTAINER: fd < 0 EINVAL, closed fd EBADF, not a container EINVAL, already set EINVAL', () => {
    const { p, group } = setup();
    const g = p.open(group, O_RDWR);
    expect(errno(() => p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(-1)))).toBe('EINVAL');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(77)))).toBe('EBADF');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(g)))).toBe('EINVAL');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_SET_CONTAINER, new Uint8Array(2)))).toBe('EFAULT');
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    expect(p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(c))).toBe(0);
    expect(errno(() => p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(p.open('/dev/vfio/vfio', O_RDWR))))).toBe('EINVAL');
  });

  it('UNSET_CONTAINER: EINVAL when not attached, EBUSY while a device fd or KVM holds the group', () => {
    const { host } = setup();
    const q = realize(host, UUID);
    expect(errno(() => q.p.ioctl(q.groupFd, VFIO_GROUP_UNSET_CONTAINER))).toBe('EBUSY');
    q.p.close(q.deviceFd);
    // the KVM-VFIO device is still an external user
    expect(errno(() => q.p.ioctl(q.groupFd, VFIO_GROUP_UNSET_CONTAINER))).toBe('EBUSY');
    q.p.close(q.vmFd);
    q.p.close(q.kvmVfioFd); // the VM goes, its KVM-VFIO device releases the group
    expect(q.p.ioctl(q.groupFd, VFIO_GROUP_UNSET_CONTAINER)).toBe(0);
    expect(errno(() => q.p.ioctl(q.groupFd, VFIO_GROUP_UNSET_CONTAINER))).toBe('EINVAL');
  });

  it('GET_DEVICE_FD needs a container (EINVAL) with an IOMMU set (EINVAL), and a device of the group (ENODEV)', () => {
    const { p, group, host } = setup();
    const g = p.open(group, O_RDWR);
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, UUID))).toBe('EINVAL');
    const c = p.open('/dev/vfio/vfio', O_RDWR);
    p.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(c));
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, UUID))).toBe('EINVAL');
    p.ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, 'no-such-device'))).toBe('ENODEV');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, UUID.toUpperCase()))).toBe('ENODEV');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, 'x'.repeat(5000)))).toBe('EINVAL');
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, 42))).toBe('EFAULT');
    // the name as NUL-terminated bytes; modern open_device without a KVM is EINVAL
    expect(errno(() => p.ioctl(g, VFIO_GROUP_GET_DEVICE_FD, Buffer.from(`${UUID}\0`, 'latin1')))).toBe('EINVAL');
    expect(host.vfio.deviceInGroup(groupIdOf(p, UUID))!.openCount).toBe(0);
  });

  it('unknown ioctls on a group are ENOTTY', () => {
    const { p, group } = setup();
    const g = p.open(group, O_RDWR);
    expect(errno(() => p.ioctl(g, VFIO_GET_API_VERSION))).toBe('ENOTTY');
  });

  it('closing the group fd while a device fd is open keeps the container; a reopen is EBUSY until the device closes', () => {
    const { host } = setup();
    const q = realize(host, UUID);
    const g = host.vfio.group(groupIdOf(q.p, UUID));
    q.p.close(q.groupFd);
    expect(g.container).toBeDefined();
    const path = `/dev/vfio/${g.id}`;
    expect(errno(() => q.p.open(path, O_RDWR))).toBe('EBUSY');
    q.p.close(q.deviceFd);
    q.p.close(q.kvmVfioFd);
    q.p.close(q.vmFd);
    expect(g.container).toBeUndefined();
    expect(g.containerUsers).toBe(0);
    expect(typeof q.p.open(path, O_RDWR)).toBe('number');
  });

  it('a process exit releases everything it held', () => {
    const { host } = setup();
    const q = realize(host, UUID);
    const g = host.vfio.group(groupIdOf(q.p, UUID));
    expect(g.containerUsers).toBe(3); // group fd, device fd, KVM-VFIO external user
    q.p.exit();
    expect(g.opened).toBe(false);
    expect(g.containerUsers).toBe(0);
    expect(g.container).toBeUndefined();
    expect(host.kvms.vms.size).toBe(0);
    expect(host.processes.has(q.p.pid)).toBe(false);
  });

  it('a VM without the group added keeps its own fds apart', () => {
    const { host, p } = setup();
    const { vmFd } = createVm(host, p);
    expect(host.kvms.vms.size).toBe(1);
    p.close(vmFd);
    expect(host.kvms.vms.size).toBe(0);
  });
});
