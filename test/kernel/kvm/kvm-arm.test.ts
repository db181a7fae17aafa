// KVM on ARM: the vGIC device, KVM_IRQ_LINE for SPIs, and irqfds with a resample fd (the
// path VFIO's level interrupts take to a guest without QEMU).

import { describe, expect, it } from 'vitest';
import { GIC_SPURIOUS } from '../../../src/core/gic-distributor.js';
import {
  KVM_CAP_ARM_VM_IPA_SIZE,
  KVM_CAP_IRQFD,
  KVM_CAP_IRQFD_RESAMPLE,
  KVM_DEV_ARM_VGIC_CTRL_INIT,
  KVM_DEV_ARM_VGIC_GRP_CTRL,
  KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
  KVM_DEV_TYPE_ARM_VGIC_V2,
  KVM_IRQFD,
  KVM_IRQFD_FLAG_DEASSIGN,
  KVM_IRQFD_FLAG_RESAMPLE,
  KVM_IRQ_LINE,
  armSpiIrq,
  encodeIrqLevel,
  encodeIrqfd,
} from '../../../src/core/kvm-irq-uapi.js';
import { KVM_CHECK_EXTENSION, KVM_CREATE_DEVICE, KVM_CREATE_VM, KVM_SET_DEVICE_ATTR, decodeCreateDevice, encodeCreateDevice, encodeDeviceAttr } from '../../../src/core/kvm-uapi.js';
import { Host } from '../../../src/kernel/host.js';
import { parseHostSpec } from '../../../src/kernel/host-spec.js';
import { armKvm } from '../../../src/kernel/kvm/arm/kvm-arm.js';
import { EFD_NONBLOCK, O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { errno } from '../sh.js';

function armVm(arch: 'aarch64' | 'arm' = 'aarch64', profile: 'modern' | 'legacy' = 'modern') {
  const host = Host.boot(parseHostSpec({ arch, profile }), { now: () => 0 });
  const p = host.process('qemu-system-aar');
  const kvmFd = p.open('/dev/kvm', O_RDWR);
  const vmFd = p.ioctl(kvmFd, KVM_CREATE_VM, 0);
  return { host, p, kvmFd, vmFd, kvm: armKvm(host.kvms.get(0)!) };
}

function withVgic(nrIrqs = 288) {
  const t = armVm();
  const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_ARM_VGIC_V2 });
  t.p.ioctl(t.vmFd, KVM_CREATE_DEVICE, cd);
  const gicFd = decodeCreateDevice(cd).fd;
  const n = new Uint8Array(4);
  new DataView(n.buffer).setUint32(0, nrIrqs, true);
  t.p.ioctl(gicFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, n));
  t.p.ioctl(gicFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT));
  const dist = t.kvm.vgic!.dist!;
  const delivered: number[] = [];
  dist.connectCpu(() => delivered.push(dist.acknowledge()));
  return { ...t, gicFd, dist, delivered };
}

describe('KVM on ARM', () => {
  it('offers irqfds with resampling; arm64 reports its IPA size; VM types follow the IPA rules', () => {
    const t = armVm();
    expect(t.p.ioctl(t.kvmFd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD)).toBe(1);
    expect(t.p.ioctl(t.vmFd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE)).toBe(1);
    expect(t.p.ioctl(t.kvmFd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE)).toBe(40);
    expect(errno(() => t.p.ioctl(t.kvmFd, KVM_CREATE_VM, 31))).toBe('EINVAL');
    expect(t.p.ioctl(t.kvmFd, KVM_CREATE_VM, 44)).toBeGreaterThan(0);
    const a32 = armVm('arm', 'legacy');
    expect(a32.p.ioctl(a32.kvmFd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE)).toBe(0);
    expect(errno(() => a32.p.ioctl(a32.kvmFd, KVM_CREATE_VM, 40))).toBe('EINVAL');
  });

  it('KVM_IRQ_LINE needs the in-kernel vGIC; SPIs only; one vGIC per VM', () => {
    const t = armVm();
    expect(errno(() => t.p.ioctl(t.vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(144), level: 1 })))).toBe('ENXIO');
    const g = withVgic();
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_CREATE_DEVICE, encodeCreateDevice({ type: KVM_DEV_TYPE_ARM_VGIC_V2 })))).toBe('EEXIST');
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(20), level: 1 })))).toBe('EINVAL');
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(288), level: 1 })))).toBe('EINVAL');
    g.dist.configure(144, 'level');
    g.p.ioctl(g.vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(144), level: 1 }));
    expect(g.delivered).toEqual([144]);
    // still high at the EOI: delivered again; low: not
    g.dist.eoi(144);
    expect(g.delivered).toEqual([144, 144]);
    g.p.ioctl(g.vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(144), level: 0 }));
    g.dist.eoi(144);
    expect(g.delivered).toEqual([144, 144]);
    expect(g.dist.acknowledge()).toBe(GIC_SPURIOUS);
  });

  it('a resampling irqfd asserts its SPI until the EOI, then drops it and signals the resample fd', () => {
    const g = withVgic();
    g.dist.configure(144, 'level');
    const trigger = g.p.eventfd(0, EFD_NONBLOCK);
    const resample = g.p.eventfd(0, EFD_NONBLOCK);
    g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 112, flags: KVM_IRQFD_FLAG_RESAMPLE, resamplefd: resample }));
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 113 })))).toBe('EBUSY');
    g.p.write(trigger, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(g.delivered).toEqual([144]);
    expect(errno(() => g.p.read(trigger, 8))).toBe('EAGAIN');
    expect(g.dist.state(144).line).toBe(true);
    g.dist.eoi(144);
    expect(g.dist.state(144).line).toBe(false);
    expect(new DataView(g.p.read(resample, 8).buffer).getBigUint64(0, true)).toBe(1n);
    expect(g.delivered).toEqual([144]);
    g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 112, flags: KVM_IRQFD_FLAG_DEASSIGN }));
    g.p.write(trigger, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(g.delivered).toEqual([144]);
  });

  it('a plain irqfd pulses an edge SPI; bad fds and flags are refused', () => {
    const g = withVgic();
    g.dist.configure(150, 'edge');
    const trigger = g.p.eventfd(0, EFD_NONBLOCK);
    g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 118 }));
    g.p.write(trigger, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(g.delivered).toEqual([150]);
    expect(g.dist.state(150).line).toBe(false);
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: 99, gsi: 1 })))).toBe('EBADF');
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: g.gicFd, gsi: 1 })))).toBe('EINVAL');
    expect(errno(() => g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 1, flags: 4 })))).toBe('EINVAL');
  });

  it('the vGIC and its irqfds survive a snapshot', () => {
    const g = withVgic();
    g.dist.configure(144, 'level');
    const trigger = g.p.eventfd(0, EFD_NONBLOCK);
    const resample = g.p.eventfd(0, EFD_NONBLOCK);
    g.p.ioctl(g.vmFd, KVM_IRQFD, encodeIrqfd({ fd: trigger, gsi: 112, flags: KVM_IRQFD_FLAG_RESAMPLE, resamplefd: resample }));
    const snap = JSON.parse(JSON.stringify(g.host.snapshot()));
    const host = Host.restore(snap, { now: () => 0 });
    expect(JSON.parse(JSON.stringify(host.snapshot()))).toEqual(snap);
    const p = host.processes.get(g.p.pid)!;
    const dist = armKvm(host.kvms.get(0)!).vgic!.dist!;
    const delivered: number[] = [];
    dist.connectCpu(() => delivered.push(dist.acknowledge()));
    p.write(trigger, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(delivered).toEqual([144]);
    dist.eoi(144);
    expect(new DataView(p.read(resample, 8).buffer).getBigUint64(0, true)).toBe(1n);
  });
});
