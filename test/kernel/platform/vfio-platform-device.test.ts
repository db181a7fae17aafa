// The vfio-platform device fd, rule by rule (spec vfio-core §1.10): device, region and IRQ
// info, region reads and writes through the register file, mmap rules, SET_IRQS with its
// errnos, the automasked level handler and the virqfd unmask, loopback, and the resets.

import { describe, expect, it } from 'vitest';
import {
  VFIO_DEVICE_FLAGS_PLATFORM,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
  decodeDeviceInfo,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeDeviceInfo,
  encodeIrqInfo,
  encodeIrqSet,
  encodeRegionInfo,
  encodeS32s,
} from '../../../src/core/vfio-uapi.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { EFD_NONBLOCK, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../../../src/kernel/syscall-surface.js';
import { errno } from '../sh.js';
import { armHost, bindVfio, openDevice } from './platform-vfio.js';

const R = (i: number): bigint => BigInt(i) << 40n;
const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};
const readU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

function midwayOpen(profile?: 'modern' | 'legacy') {
  const sh = armHost('midway', profile);
  bindVfio(sh, 'fff51000.ethernet');
  const dev = platformOf(sh.host).device('fff51000.ethernet')!;
  return { sh, dev, ...openDevice(sh, 'fff51000.ethernet') };
}

const irqSet = (flags: number, index: number, start: number, count: number, data?: Uint8Array) => encodeIrqSet({ flags, index, start, count, ...(data ? { data } : {}) });

describe('device, region and IRQ info', () => {
  it('GET_INFO: PLATFORM|RESET with the resource and IRQ counts; argsz too small is EINVAL', () => {
    const { p, deviceFd } = midwayOpen();
    const info = encodeDeviceInfo({ argsz: 16 });
    p.ioctl(deviceFd, VFIO_DEVICE_GET_INFO, info);
    expect(decodeDeviceInfo(info)).toMatchObject({ flags: VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET, num_regions: 1, num_irqs: 3 });
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_GET_INFO, encodeDeviceInfo({ argsz: 15 })))).toBe('EINVAL');
    expect(errno(() => p.ioctl(deviceFd, 0x3b99, 0))).toBe('ENOTTY');
  });

  it('GET_REGION_INFO: offset index << 40, the resource size, READ|WRITE|MMAP for page-aligned MMIO', () => {
    const { p, deviceFd } = midwayOpen();
    const info = encodeRegionInfo({ argsz: 32, index: 0 });
    p.ioctl(deviceFd, VFIO_DEVICE_GET_REGION_INFO, info);
    expect(decodeRegionInfo(info)).toMatchObject({ flags: VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP, size: 0x1000n, offset: 0n, cap_offset: 0 });
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_GET_REGION_INFO, encodeRegionInfo({ argsz: 32, index: 1 })))).toBe('EINVAL');
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_GET_REGION_INFO, encodeRegionInfo({ argsz: 31, index: 0 })))).toBe('EINVAL');
  });

  it('a region that is not page aligned cannot be mmapped (seattle xgbe region 4: 4 bytes at ...f8)', () => {
    const sh = armHost('seattle');
    bindVfio(sh, 'e0700000.xgmac');
    const { p, deviceFd } = openDevice(sh, 'e0700000.xgmac');
    const flags = [0, 1, 2, 3, 4].map((index) => {
      const info = encodeRegionInfo({ argsz: 32, index });
      p.ioctl(deviceFd, VFIO_DEVICE_GET_REGION_INFO, info);
      return decodeRegionInfo(info).flags;
    });
    expect(flags).toEqual([7, 7, 3, 3, 3]);
    const info = encodeDeviceInfo({ argsz: 16 });
    p.ioctl(deviceFd, VFIO_DEVICE_GET_INFO, info);
    expect(decodeDeviceInfo(info)).toMatchObject({ num_regions: 5, num_irqs: 6 });
  });

  it('GET_IRQ_INFO: level lines are MASKABLE|AUTOMASKED, edges EVENTFD only, count 1', () => {
    const sh = armHost('seattle');
    bindVfio(sh, 'e0700000.xgmac');
    const { p, deviceFd } = openDevice(sh, 'e0700000.xgmac');
    const flags = [0, 1, 5].map((index) => {
      const info = encodeIrqInfo({ argsz: 16, index });
      p.ioctl(deviceFd, VFIO_DEVICE_GET_IRQ_INFO, info);
      expect(decodeIrqInfo(info).count).toBe(1);
      return decodeIrqInfo(info).flags;
    });
    const level = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
    expect(flags).toEqual([level, VFIO_IRQ_INFO_EVENTFD, level]);
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_GET_IRQ_INFO, encodeIrqInfo({ argsz: 16, index: 6 })))).toBe('EINVAL');
  });
});

describe('regions: read, write, mmap', () => {
  it('reads return register state, writes change it; 4-, 2- and 1-byte lanes', () => {
    const { p, deviceFd, dev } = midwayOpen();
    expect(p.pwrite(deviceFd, u32(0x1a061), R(0) + 0xf1cn)).toBe(4);
    expect(dev.regions[0]!.peek(0xf1c)).toBe(0x1a061);
    expect(readU32(p.pread(deviceFd, 4, R(0) + 0xf1cn))).toBe(0x1a061);
    expect([...p.pread(deviceFd, 3, R(0) + 0xf1dn)]).toEqual([0xa0, 0x01, 0x00]);
    p.pwrite(deviceFd, new Uint8Array([0xff, 0xee]), R(0) + 0xf1en);
    expect(dev.regions[0]!.peek(0xf1c)).toBe(0xeeffa061);
  });

  it('a region index past the last, or a range past the region end, is EINVAL', () => {
    const { p, deviceFd } = midwayOpen();
    expect(errno(() => p.pread(deviceFd, 4, R(1)))).toBe('EINVAL');
    expect(errno(() => p.pwrite(deviceFd, u32(1), R(1)))).toBe('EINVAL');
    expect(errno(() => p.pread(deviceFd, 8, R(0) + 0xffcn))).toBe('EINVAL');
  });

  it('mmap: MAP_SHARED, whole pages inside the region; loads and stores reach the registers', () => {
    const { p, deviceFd, dev } = midwayOpen();
    expect(errno(() => p.mmap(0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE, deviceFd, R(0)))).toBe('EINVAL');
    expect(errno(() => p.mmap(0x2000, PROT_READ, MAP_SHARED, deviceFd, R(0)))).toBe('EINVAL');
    expect(errno(() => p.mmap(0x1000, PROT_READ, MAP_SHARED, deviceFd, R(1)))).toBe('EINVAL');
    const m = p.mmap(0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, deviceFd, R(0));
    m.store(0xf18, 4, 0x2002n);
    expect(dev.regions[0]!.peek(0xf18)).toBe(0x2002);
    expect(m.load(0xf18, 4)).toBe(0x2002n);
  });
});

describe('reset: at first open, at last close, and VFIO_DEVICE_RESET', () => {
  it('the calxeda reset module clears DMA interrupts, DMA start bits and the MAC enables; each reset logs "reset"', () => {
    const sh = armHost('midway');
    bindVfio(sh, 'fff51000.ethernet');
    const dev = platformOf(sh.host).device('fff51000.ethernet')!;
    const regs = dev.regions[0]!;
    regs.write32(0x0, 0x0000000c);
    regs.write32(0xf18, 0x2002);
    regs.write32(0xf1c, 0x1a061);
    let o!: ReturnType<typeof openDevice>;
    expect(sh.logged(() => (o = openDevice(sh, 'fff51000.ethernet')))).toEqual(['vfio-platform fff51000.ethernet: reset']);
    expect(regs.entries()).toEqual([]);
    o.p.pwrite(o.deviceFd, u32(0x1a061), R(0) + 0xf1cn);
    expect(sh.logged(() => o.p.ioctl(o.deviceFd, VFIO_DEVICE_RESET))).toEqual(['vfio-platform fff51000.ethernet: reset']);
    expect(regs.peek(0xf1c)).toBe(0);
    o.p.pwrite(o.deviceFd, u32(0xc), R(0));
    expect(sh.logged(() => o.p.close(o.deviceFd))).toEqual(['vfio-platform fff51000.ethernet: reset']);
    expect(regs.peek(0)).toBe(0);
  });

  it('the amd-xgbe reset resets the PHY through the MMD window, turns AN off and soft-resets the MAC', () => {
    const sh = armHost('seattle');
    bindVfio(sh, 'e0700000.xgmac');
    const dev = platformOf(sh.host).device('e0700000.xgmac')!;
    const [mac, xpcs] = dev.regions as [typeof dev.regions[0], typeof dev.regions[0]];
    mac!.write32(0x0, 0x3);
    // AN CTRL1 (MMD 7, reg 0) with AN enabled
    xpcs!.write32(0x3fc, 0x700);
    xpcs!.write32(0x0, 0x1000);
    const o = openDevice(sh, 'e0700000.xgmac');
    expect(mac!.entries()).toEqual([]);
    o.p.pwrite(o.deviceFd, u32(0x700), R(1) + 0x3fcn);
    expect(readU32(o.p.pread(o.deviceFd, 4, R(1)))).toBe(0);
  });

  it('a device bound with reset_required=0 has no RESET flag; VFIO_DEVICE_RESET is EINVAL with "no reset function found!"', () => {
    const sh = armHost('seattle');
    sh.host.params.get('vfio_platform', 'reset_required')!.value = false;
    bindVfio(sh, 'e0300000.sata');
    let o!: ReturnType<typeof openDevice>;
    expect(sh.logged(() => (o = openDevice(sh, 'e0300000.sata')))).toEqual(['vfio-platform e0300000.sata: no reset function found!']);
    const info = encodeDeviceInfo({ argsz: 16 });
    o.p.ioctl(o.deviceFd, VFIO_DEVICE_GET_INFO, info);
    expect(decodeDeviceInfo(info).flags).toBe(VFIO_DEVICE_FLAGS_PLATFORM);
    expect(errno(() => o.p.ioctl(o.deviceFd, VFIO_DEVICE_RESET))).toBe('EINVAL');
  });
});

describe('SET_IRQS', () => {
  it('validation errnos: index, start/count, data type, short payload, action not exactly one', () => {
    const { p, deviceFd } = midwayOpen();
    const set = (flags: number, index: number, start: number, count: number, data?: Uint8Array) => errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(flags, index, start, count, data)));
    const T = VFIO_IRQ_SET_ACTION_TRIGGER;
    expect(set(VFIO_IRQ_SET_DATA_NONE | T, 3, 0, 1)).toBe('EINVAL');
    expect(set(VFIO_IRQ_SET_DATA_NONE | T, 0, 1, 1)).toBe('EINVAL');
    expect(set(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | T, 0, 0, 1, new Uint8Array([1]))).toBe('EINVAL');
    expect(set(VFIO_IRQ_SET_DATA_EVENTFD | T, 0, 0, 1, new Uint8Array(2))).toBe('EINVAL');
    expect(set(VFIO_IRQ_SET_DATA_NONE | T | VFIO_IRQ_SET_ACTION_MASK, 0, 0, 1)).toBe('ENOTTY');
    expect(set(VFIO_IRQ_SET_DATA_NONE, 0, 0, 1)).toBe('ENOTTY');
    expect(set(VFIO_IRQ_SET_DATA_NONE | T | (1 << 6), 0, 0, 1)).toBe('EINVAL');
    expect(set(VFIO_IRQ_SET_DATA_NONE | T, 0, 0, 2)).toBe('EINVAL');
  });

  it('a bad eventfd is EBADF (not open) or EINVAL (not an eventfd)', () => {
    const { p, deviceFd, groupFd } = midwayOpen();
    const trig = (fd: number) => errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, encodeS32s([fd]))));
    expect(trig(99)).toBe('EBADF');
    expect(trig(groupFd)).toBe('EINVAL');
  });

  it('a level interrupt: signalled once and automasked; deassert + unmask; still asserted at unmask fires again', () => {
    const { sh, p, deviceFd } = midwayOpen();
    const efd = p.eventfd(0, EFD_NONBLOCK);
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, encodeS32s([efd])));
    const part = platformOf(sh.host);
    const count = () => new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
    part.driveIrq('fff51000.ethernet', 0, false);
    part.driveIrq('fff51000.ethernet', 0, false);
    expect(count()).toBe(1n);
    const irq = part.vfioPlatform.opsOf('fff51000.ethernet')!.irqs[0]!;
    expect(irq.masked).toBe(true);
    const unmask = () => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1));
    unmask();
    expect(count()).toBe(1n); // the line was still high: it fired again at once
    part.driveIrq('fff51000.ethernet', 0, true);
    unmask();
    expect(errno(() => p.read(efd, 8))).toBe('EAGAIN');
    expect(irq.masked).toBe(false);
  });

  it('the virqfd unmask: writing the unmask eventfd unmasks, as KVM\'s resampler does', () => {
    const { sh, p, deviceFd } = midwayOpen();
    const trigger = p.eventfd(0, EFD_NONBLOCK);
    const resample = p.eventfd(0, EFD_NONBLOCK);
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 1, encodeS32s([trigger])));
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 1, 0, 1, encodeS32s([resample])));
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 1, 0, 1, encodeS32s([resample]))))).toBe('EBUSY');
    const part = platformOf(sh.host);
    const irq = part.vfioPlatform.opsOf('fff51000.ethernet')!.irqs[1]!;
    part.driveIrq('fff51000.ethernet', 1, false);
    expect(irq.masked).toBe(true);
    part.driveIrq('fff51000.ethernet', 1, true);
    p.write(resample, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(irq.masked).toBe(false);
  });

  it('MASK/UNMASK need a maskable (level) IRQ, start 0, count 1; masking is idempotent', () => {
    const sh = armHost('seattle');
    bindVfio(sh, 'e0700000.xgmac');
    const { p, deviceFd } = openDevice(sh, 'e0700000.xgmac');
    const mask = (index: number) => errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, index, 0, 1)));
    expect(mask(1)).toBe('EINVAL');
    expect(mask(0)).toBe(0);
    expect(mask(0)).toBe(0);
    expect(errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK, 0, 0, 1, new Uint8Array([0]))))).toBe(0);
    expect(platformOf(sh.host).vfioPlatform.opsOf('e0700000.xgmac')!.irqs[0]!.masked).toBe(true);
  });

  it('loopback: TRIGGER with DATA_NONE runs the handler; on a masked level line it never signals; count 0 disables', () => {
    const { sh, p, deviceFd } = midwayOpen();
    const efd = p.eventfd(0, EFD_NONBLOCK);
    const T = VFIO_IRQ_SET_ACTION_TRIGGER;
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | T, 2, 0, 1, encodeS32s([efd])));
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_NONE | T, 2, 0, 1));
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_BOOL | T, 2, 0, 1, new Uint8Array([1])));
    expect(p.read(efd, 8)[0]).toBe(1);
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_NONE | T, 2, 0, 0));
    const irq = platformOf(sh.host).vfioPlatform.opsOf('fff51000.ethernet')!.irqs[2]!;
    expect(irq.trigger).toBeUndefined();
  });

  it('closing the device frees the IRQs: the host line is no longer requested', () => {
    const { sh, p, deviceFd, dev } = midwayOpen();
    const efd = p.eventfd(0, EFD_NONBLOCK);
    p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, irqSet(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, encodeS32s([efd])));
    expect(dev.irqs[0]!.requested).toBe(true);
    p.close(deviceFd);
    expect(dev.irqs[0]!.requested).toBe(false);
    expect(platformOf(sh.host).vfioPlatform.opsOf('fff51000.ethernet')!.irqs).toEqual([]);
  });
});
