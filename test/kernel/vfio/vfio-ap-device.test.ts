// vfio_ap's VFIO device through the uAPI: open_device (modern) and the SET_KVM notifier
// (legacy) programming the CRYCB, the device fd ioctls with their errnos (spec vfio-ap
// §3.8, §4.2, §4.6, §4.8), and remove while a guest holds the mdev (§3.2).
import { describe, expect, it } from 'vitest';
import {
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_SET_DEVICE_ATTR,
  encodeVfioGroupAttr,
} from '../../../src/core/kvm-uapi.js';
import {
  VFIO_AP_CFG_CHG_IRQ_INDEX,
  VFIO_AP_REQ_IRQ_INDEX,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  decodeDeviceInfo,
  decodeIrqInfo,
  encodeDeviceInfo,
  encodeIrqInfo,
  encodeIrqSet,
  encodeIrqSetEventfds,
  encodeRegionInfo,
  encodeS32s,
} from '../../../src/core/vfio-uapi.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { MATRIX, boot, errno, state } from '../sh.js';
import { UUID, UUID_B, docMdev, groupIdOf, realize } from './qemu-like.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../../src/kernel/kvm/s390/kvm-s390.js';

const HEX = (ids: number[]) => {
  const bits = new Array<number>(256).fill(0);
  for (const id of ids) bits[id] = 1;
  let out = '0x';
  for (let i = 0; i < 256; i += 4) out += (bits[i]! * 8 + bits[i + 1]! * 4 + bits[i + 2]! * 2 + bits[i + 3]!).toString(16);
  return out;
};

function crycbOf(host: import('../../../src/kernel/host.js').Host, vmId: number) {
  const m = s390Kvm(host.kvms.get(vmId)!).crycb.masks();
  return { apm: m.apm.toHex(), aqm: m.aqm.toHex(), adm: m.adm.toHex() };
}

describe('modern: open_device with the group KVM', () => {
  it('programs the shadow into the CRYCB at GET_DEVICE_FD and clears it at close', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const m = sh.matrixMdev(UUID);
    expect(m.kvm?.id).toBe(q.vmId);
    expect(crycbOf(sh.host, q.vmId)).toEqual({ apm: HEX([5]), aqm: HEX([4, 0x47]), adm: HEX([0xab]) });
    expect(sh.host.vfio.deviceInGroup(groupIdOf(q.p, UUID))!.openCount).toBe(1);
    q.p.close(q.deviceFd);
    expect(m.kvm).toBeUndefined();
    expect(crycbOf(sh.host, q.vmId)).toEqual({ apm: HEX([]), aqm: HEX([]), adm: HEX([]) });
    expect(sh.cat(`${MATRIX}/${UUID}/guest_matrix`)).toBe('05.0004\n05.0047\n');
  });

  it('EINVAL without a KVM (no KVM-VFIO group add); nothing stays open', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    expect(errno(() => realize(sh.host, UUID, { noKvmVfio: true }))).toBe('EINVAL');
    const dev = sh.host.vfio.deviceInGroup(groupIdOf(sh.sys, UUID))!;
    expect(dev.openCount).toBe(0);
    expect(dev.vfioGroup.containerUsers).toBe(1);
  });

  it('EPERM for a second mdev on the same KVM', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const dir = sh.mdev(UUID_B);
    sh.echo('6', `${dir}/assign_adapter`);
    sh.echo('0xab', `${dir}/assign_domain`);
    const q = realize(sh.host, UUID);
    // the same QEMU adds the second group to its VM and asks for the device
    const p = q.p;
    const g2 = p.open(`/dev/vfio/${groupIdOf(p, UUID_B)}`, O_RDWR);
    p.ioctl(g2, 0x3b68, q.containerFd); // VFIO_GROUP_SET_CONTAINER, fd by value
    p.ioctl(q.kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(1, g2));
    expect(errno(() => p.ioctl(g2, 0x3b6a, UUID_B))).toBe('EPERM');
    expect(sh.matrixMdev(UUID_B).kvm).toBeUndefined();
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([5]));
  });

  it('a second VM on the same mdev fails to open its group (EBUSY)', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    realize(sh.host, UUID);
    expect(errno(() => realize(sh.host, UUID))).toBe('EBUSY');
  });
});

describe('legacy (4.20): the VFIO_GROUP_NOTIFY_SET_KVM notifier', () => {
  it('open registers the notifier, which replays the group KVM and programs the unfiltered matrix', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const dev = sh.host.vfio.deviceInGroup(groupIdOf(q.p, UUID))!;
    expect(dev.vfioGroup.notifierCount).toBe(1);
    expect(sh.matrixMdev(UUID).kvm?.id).toBe(q.vmId);
    expect(crycbOf(sh.host, q.vmId)).toEqual({ apm: HEX([5]), aqm: HEX([4, 0x47]), adm: HEX([0xab]) });
    const events = sh.host.trace.events.map((e) => e.event);
    expect(events.indexOf('kvm-vfio-group-add')).toBeLessThan(events.indexOf('device-open'));
    expect(events.lastIndexOf('crycb-set-masks')).toBeGreaterThan(events.indexOf('device-open'));
  });

  it('without a KVM the open succeeds; the later KVM-VFIO add fires the notifier', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const q = realize(sh.host, UUID, { noKvmVfio: true });
    expect(sh.matrixMdev(UUID).kvm).toBeUndefined();
    expect(sh.echo('6', `${MATRIX}/${UUID}/assign_adapter`)).toBe(2); // not attached: allowed
    const cd = new Uint8Array(12);
    cd[0] = 4; // KVM_DEV_TYPE_VFIO
    q.p.ioctl(q.vmFd, 0xc00caee0, cd);
    const kvmVfioFd = new DataView(cd.buffer).getUint32(4, true);
    q.p.ioctl(kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(1, q.groupFd));
    expect(sh.matrixMdev(UUID).kvm?.id).toBe(q.vmId);
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([5, 6]));
    expect(sh.echo('7', `${MATRIX}/${UUID}/assign_adapter`)).toBe('EBUSY');
    // DEL fires the notifier with NULL: masks cleared, guest detached
    q.p.ioctl(kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_DEL, q.groupFd));
    expect(sh.matrixMdev(UUID).kvm).toBeUndefined();
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([]));
  });

  it('a second mdev on the same KVM is silently not programmed', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const dir = sh.mdev(UUID_B);
    sh.echo('6', `${dir}/assign_adapter`);
    sh.echo('0xab', `${dir}/assign_domain`);
    const q = realize(sh.host, UUID);
    const p = q.p;
    const g2 = p.open(`/dev/vfio/${groupIdOf(p, UUID_B)}`, O_RDWR);
    p.ioctl(g2, 0x3b68, q.containerFd);
    p.ioctl(q.kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(1, g2));
    expect(typeof p.ioctl(g2, 0x3b6a, UUID_B)).toBe('number');
    expect(sh.matrixMdev(UUID_B).kvm).toBeUndefined();
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([5]));
  });

  it('close clears the masks, resets the queues and unregisters the notifier', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const dev = sh.host.vfio.deviceInGroup(groupIdOf(q.p, UUID))!;
    q.p.close(q.deviceFd);
    expect(dev.vfioGroup.notifierCount).toBe(0);
    expect(sh.matrixMdev(UUID).kvm).toBeUndefined();
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([]));
  });
});

describe('device fd ioctls', () => {
  it('GET_INFO: EINVAL for a short argsz; AP|RESET, no regions, 2 IRQs (modern) / 0 (legacy)', () => {
    for (const [profile, irqs] of [
      ['modern', 2],
      ['legacy', 0],
    ] as const) {
      const sh = boot('doc', profile);
      docMdev(sh);
      const q = realize(sh.host, UUID);
      expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_INFO, encodeDeviceInfo({ argsz: 15 })))).toBe('EINVAL');
      expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_INFO, new Uint8Array(8)))).toBe('EFAULT');
      const info = encodeDeviceInfo();
      expect(q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_INFO, info)).toBe(0);
      expect(decodeDeviceInfo(info)).toEqual({ argsz: 16, flags: 0x21, num_regions: 0, num_irqs: irqs });
      expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_REGION_INFO, encodeRegionInfo()))).toBe('EOPNOTSUPP');
      expect(errno(() => q.p.read(q.deviceFd))).toBe('EINVAL');
    }
  });

  it('GET_IRQ_INFO: one eventfd per index, index >= 2 or short argsz EINVAL; legacy EOPNOTSUPP', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    for (const index of [VFIO_AP_REQ_IRQ_INDEX, VFIO_AP_CFG_CHG_IRQ_INDEX]) {
      const info = encodeIrqInfo({ index });
      q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_IRQ_INFO, info);
      expect(decodeIrqInfo(info)).toEqual({ argsz: 16, flags: VFIO_IRQ_INFO_EVENTFD, index, count: 1 });
    }
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_IRQ_INFO, encodeIrqInfo({ index: 2 })))).toBe('EINVAL');
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_GET_IRQ_INFO, encodeIrqInfo({ argsz: 12 })))).toBe('EINVAL');

    const legacy = boot('doc', 'legacy');
    docMdev(legacy);
    const l = realize(legacy.host, UUID);
    expect(errno(() => l.p.ioctl(l.deviceFd, VFIO_DEVICE_GET_IRQ_INFO, encodeIrqInfo()))).toBe('EOPNOTSUPP');
    expect(errno(() => l.p.ioctl(l.deviceFd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(0, [-1])))).toBe('EOPNOTSUPP');
  });

  it('SET_IRQS: DATA_EVENTFD|ACTION_TRIGGER binds an eventfd, fd -1 unbinds, other forms EINVAL/EBADF', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const m = sh.matrixMdev(UUID);
    const p = q.p;
    const efd = p.eventfd(0, 0);
    const set = (buf: Uint8Array) => errno(() => p.ioctl(q.deviceFd, VFIO_DEVICE_SET_IRQS, buf));
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [efd]))).toBe(0);
    expect(m.reqTrigger).toBeDefined();
    expect(set(encodeIrqSetEventfds(VFIO_AP_CFG_CHG_IRQ_INDEX, [efd]))).toBe(0);
    expect(m.cfgChgTrigger).toBe(m.reqTrigger);
    expect(set(encodeIrqSetEventfds(VFIO_AP_CFG_CHG_IRQ_INDEX, [-1]))).toBe(0);
    expect(m.cfgChgTrigger).toBeUndefined();
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [-2]))).toBe('EINVAL');
    expect(set(encodeIrqSetEventfds(2, [efd]))).toBe('EINVAL'); // bad index
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [efd], 1))).toBe('EINVAL'); // start >= 1
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [efd, efd]))).toBe('EINVAL'); // count 2
    expect(set(encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, count: 1 }))).toBe('EINVAL');
    expect(set(encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, count: 1, data: new Uint8Array([1]) }))).toBe('EINVAL');
    expect(set(encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK, count: 1, data: encodeS32s([efd]) }))).toBe('EINVAL');
    expect(set(encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, count: 1, data: encodeS32s([efd]) }))).toBe('EINVAL');
    expect(set(encodeIrqSet({ flags: 1 << 6 | VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, count: 1, data: encodeS32s([efd]) }))).toBe('EINVAL');
    expect(set(encodeIrqSet({ argsz: 21, flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, count: 1, data: encodeS32s([efd]) }))).toBe('EINVAL');
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [99]))).toBe('EBADF');
    expect(set(encodeIrqSetEventfds(VFIO_AP_REQ_IRQ_INDEX, [q.groupFd]))).toBe('EINVAL'); // not an eventfd
  });

  it('the config-change eventfd counts every push to the attached guest', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    let cfg = 0;
    const q = realize(sh.host, UUID, { irqs: { cfg: () => cfg++ } });
    expect(sh.echo('6', `${MATRIX}/${UUID}/assign_adapter`)).toBe(2);
    expect(cfg).toBe(1);
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([5, 6]));
    const efd = q.p.openFds().at(-1)!;
    expect(new DataView(q.p.read(efd, 8).buffer).getBigUint64(0, true)).toBe(1n);
    expect(errno(() => q.p.read(efd, 8))).toBe('EAGAIN');
  });

  it('RESET: 0 when every queue answers 00; EIO (modern) with a checkstopped queue', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    expect(q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET)).toBe(0);
    apOf(sh.host).bus.queue(5, 0x47)!.chkstop = true;
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET))).toBe('EIO');
    apOf(sh.host).bus.queue(5, 0x47)!.chkstop = false;
    apOf(sh.host).bus.cards.get(5)!.chkstop = true;
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET))).toBe('EIO');
  });

  it('RESET (legacy): a checkstopped or deconfigured queue is EBUSY', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    expect(q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET)).toBe(0);
    apOf(sh.host).bus.queue(5, 4)!.chkstop = true;
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET))).toBe('EBUSY');
    apOf(sh.host).bus.queue(5, 4)!.chkstop = false;
    apOf(sh.host).bus.cards.get(5)!.config = false;
    expect(errno(() => q.p.ioctl(q.deviceFd, VFIO_DEVICE_RESET))).toBe('EBUSY');
  });
});

describe('remove while a guest holds the mdev', () => {
  it('legacy: EBUSY and the mdev stays', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    realize(sh.host, UUID);
    const before = state(sh.host);
    expect(sh.echo('1', `${MATRIX}/${UUID}/remove`)).toBe('EBUSY');
    expect(state(sh.host)).toEqual(before);
  });

  it('modern: the request eventfd makes user space release the device, then the remove completes', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const holder: { q?: ReturnType<typeof realize> } = {};
    const unplug = () => {
      // what QEMU's request notifier does: unplug the device, i.e. close the device fd and the group
      const q = holder.q!;
      q.p.close(q.deviceFd);
      q.p.ioctl(q.kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_DEL, q.groupFd));
      q.p.close(q.groupFd);
    };
    const q = realize(sh.host, UUID, { irqs: { req: unplug } });
    holder.q = q;
    const log = sh.logged(() => expect(sh.echo('1', `${MATRIX}/${UUID}/remove`)).toBe(2));
    expect(log).toContain(`vfio_ap_mdev ${UUID}: Relaying device request to user (#0)`);
    expect(apOf(sh.host).vfioAp.byUuid.has(UUID)).toBe(false);
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([]));
    expect(sh.ls('/dev/vfio')).toEqual(['vfio']);
  });

  it('modern: without a request eventfd the writer would block; the twin logs it and fails EBUSY, guest untouched', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const before = state(sh.host);
    const log = sh.logged(() => expect(sh.echo('1', `${MATRIX}/${UUID}/remove`)).toBe('EBUSY'));
    expect(log).toEqual([
      `vfio_ap_mdev ${UUID}: No device request registered, blocked until released by user`,
      `vfio_ap_mdev ${UUID}: Device is currently in use, task "vfioctl" (${sh.sys.pid}) blocked until device is released`,
    ]);
    expect(state(sh.host)).toEqual(before);
    expect(crycbOf(sh.host, q.vmId).apm).toBe(HEX([5]));
  });

  it('modern: a device that is not open is removed at once', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    expect(sh.echo('1', `${MATRIX}/${UUID}/remove`)).toBe(2);
  });
});
