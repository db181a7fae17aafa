// Running VMs survive a twin snapshot: VMs with their CRYCB bytes, mdev attachments, VFIO
// group and container state, and each QEMU process's files at the same fd numbers.
import { describe, expect, it } from 'vitest';
import { KVM_DEV_VFIO_GROUP_DEL, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr } from '../../../src/core/kvm-uapi.js';
import { VFIO_DEVICE_RESET } from '../../../src/core/vfio-uapi.js';
import { Host, type HostSnapshot } from '../../../src/kernel/host.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { MATRIX, Shell, boot, errno, fixedClock } from '../sh.js';
import { UUID, UUID_B, docMdev, groupIdOf, realize } from './qemu-like.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../../src/kernel/kvm/s390/kvm-s390.js';

/** A second mdev, which gets the lowest free IOMMU group number. */
function UUID_B_SETUP(sh: Shell): string {
  sh.mdev(UUID_B);
  return UUID_B;
}

function roundTrip(host: Host): Host {
  const snap = JSON.parse(JSON.stringify(host.snapshot())) as HostSnapshot;
  return Host.restore(snap, { now: fixedClock() });
}

describe('snapshot and restore with a running VM', () => {
  it('modern: CRYCB, attachment, group/device state and the QEMU fd table come back unchanged', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID, { irqs: {} });
    const host = roundTrip(sh.host);
    expect(JSON.parse(JSON.stringify(host.snapshot()))).toEqual(JSON.parse(JSON.stringify(sh.host.snapshot())));

    const kvm = host.kvms.get(q.vmId)!;
    expect(host.kvmOf(q.p.pid, q.vmFd)).toBe(kvm);
    expect(host.kvmOf(q.p.pid, q.groupFd)).toBeUndefined();
    expect(Buffer.from(s390Kvm(kvm).crycb.bytes)).toEqual(Buffer.from(s390Kvm(sh.host.kvms.get(q.vmId)!).crycb.bytes));
    const m = apOf(host).vfioAp.byUuid.get(UUID)!;
    expect(m.kvm).toBe(s390Kvm(kvm));
    expect(m.reqTrigger).toBeDefined();
    const p = host.processes.get(q.p.pid)!;
    expect(p.comm).toBe('qemu-system-s39');
    expect(p.openFds()).toEqual(q.p.openFds());
    const group = host.vfio.group(groupIdOf(p, UUID));
    expect(group.opened).toBe(true);
    expect(group.containerUsers).toBe(3);
    expect(group.kvm).toBe(kvm);
    expect(errno(() => p.open(`/dev/vfio/${group.id}`, O_RDWR))).toBe('EBUSY');

    // the restored fds work: a device reset, then the close path clears the guest
    expect(p.ioctl(q.deviceFd, VFIO_DEVICE_RESET)).toBe(0);
    p.close(q.deviceFd);
    expect(m.kvm).toBeUndefined();
    expect(s390Kvm(kvm).crycb.bytes.every((b) => b === 0)).toBe(true);
    p.exit();
    expect(host.kvms.vms.size).toBe(0);
    expect(group.containerUsers).toBe(0);
  });

  it('modern: the VMM re-registers its request handler on the restored eventfd, then remove completes', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const q = realize(sh.host, UUID, { irqs: {} });
    const host = roundTrip(sh.host);
    const p = host.processes.get(q.p.pid)!;
    const [reqFd] = p.openFds().filter((fd) => fd > q.deviceFd);
    p.setReadHandler(reqFd!, () => {
      p.close(q.deviceFd);
      p.ioctl(q.kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_DEL, q.groupFd));
      p.close(q.groupFd);
    });
    const shell = new Shell(host);
    expect(shell.echo('1', `${MATRIX}/${UUID}/remove`)).toBe(2);
    expect(apOf(host).vfioAp.byUuid.has(UUID)).toBe(false);
  });

  it('legacy: the restored open device has its SET_KVM notifier again (no replay at restore)', () => {
    const sh = boot('doc', 'legacy');
    docMdev(sh);
    const q = realize(sh.host, UUID);
    const host = roundTrip(sh.host);
    expect(host.trace.events).toEqual([]);
    const group = host.vfio.group(groupIdOf(q.p, UUID));
    expect(group.notifierCount).toBe(1);
    const p = host.processes.get(q.p.pid)!;
    expect(new Shell(host).echo('6', `${MATRIX}/${UUID}/assign_adapter`)).toBe('EBUSY');
    // KVM-VFIO DEL fires the notifier with NULL: the guest loses its masks
    p.ioctl(q.kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_DEL, q.groupFd));
    expect(apOf(host).vfioAp.byUuid.get(UUID)!.kvm).toBeUndefined();
    expect(s390Kvm(host.kvms.get(q.vmId)!).crycb.bytes.every((b) => b === 0)).toBe(true);
  });

  it('a group file whose mdev was removed is dropped at restore; its number can serve a new mdev', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const holder: { q?: ReturnType<typeof realize> } = {};
    // this user space only closes the device fd: it keeps the group and its KVM-VFIO entry
    const q = realize(sh.host, UUID, { irqs: { req: () => holder.q!.p.close(holder.q!.deviceFd) } });
    holder.q = q;
    expect(sh.echo('1', `${MATRIX}/${UUID}/remove`)).toBe(2);
    const id = groupIdOf(sh.sys, UUID_B_SETUP(sh));
    const host = roundTrip(sh.host);
    const p = host.processes.get(q.p.pid)!;
    expect(p.openFds()).not.toContain(q.groupFd);
    expect(host.vfio.group(id).opened).toBe(false);
    expect(host.kvms.get(q.vmId)!.kvmVfio!.groups).toEqual([]);
  });

  it('a state without VMs restores as before (no vms section needed)', () => {
    const sh = boot('doc', 'modern');
    docMdev(sh);
    const snap = JSON.parse(JSON.stringify(sh.host.snapshot())) as HostSnapshot;
    delete snap.vms;
    const host = Host.restore(snap, { now: fixedClock() });
    expect(host.kvms.vms.size).toBe(0);
    expect(typeof realize(host, UUID).deviceFd).toBe('number');
  });
});
