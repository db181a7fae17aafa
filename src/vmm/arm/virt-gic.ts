// The virt machine's GICv2 (hw/arm/virt.c create_gic): QEMU's own emulation under TCG (the
// shared distributor model), or the in-kernel vGIC under KVM, created and placed with
// KVM_CREATE_DEVICE and its attributes (hw/intc/arm_gic_kvm.c); and the sysbus IRQ lines
// into it (qemu_set_irq: the model's input, or KVM_IRQ_LINE).

import { GicDistributor, GIC_INTERNAL } from '../../core/gic-distributor.js';
import {
  KVM_DEV_ARM_VGIC_CTRL_INIT,
  KVM_DEV_ARM_VGIC_GRP_ADDR,
  KVM_DEV_ARM_VGIC_GRP_CTRL,
  KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
  KVM_DEV_TYPE_ARM_VGIC_V2,
  KVM_IRQ_LINE,
  KVM_VGIC_V2_ADDR_TYPE_CPU,
  KVM_VGIC_V2_ADDR_TYPE_DIST,
  armSpiIrq,
  encodeIrqLevel,
} from '../../core/kvm-irq-uapi.js';
import { KVM_CREATE_DEVICE, KVM_SET_DEVICE_ATTR, decodeCreateDevice, encodeCreateDevice, encodeDeviceAttr } from '../../core/kvm-uapi.js';
import type { Syscalls } from '../../kernel/syscall-surface.js';
import type { QemuIrq } from '../vfio/vfio-platform-intp.js';

/** virt's GIC: 256 SPIs after the 32 private interrupts. */
export const VIRT_GIC_NR_IRQS = GIC_INTERNAL + 256;
const GIC_DIST_BASE = 0x0800_0000n;
const GIC_CPU_BASE = 0x0801_0000n;

/** A struct kvm_device_attr with its value (4 or 8 bytes, little-endian) as payload. */
function attr(group: number, a: number, value: bigint, size: 4 | 8): Uint8Array {
  const payload = new Uint8Array(size);
  const dv = new DataView(payload.buffer);
  if (size === 8) dv.setBigUint64(0, value, true);
  else dv.setUint32(0, Number(value), true);
  return encodeDeviceAttr(group, a, payload);
}

/** models kvm_arm_gic_realize for a GICv2: create, size, place and initialise the vGIC; returns its fd. */
export function createKvmVgic(sys: Syscalls, vmFd: number): number {
  const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_ARM_VGIC_V2 });
  sys.ioctl(vmFd, KVM_CREATE_DEVICE, cd);
  const fd = decodeCreateDevice(cd).fd;
  sys.ioctl(fd, KVM_SET_DEVICE_ATTR, attr(KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, BigInt(VIRT_GIC_NR_IRQS), 4));
  sys.ioctl(fd, KVM_SET_DEVICE_ATTR, attr(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, GIC_DIST_BASE, 8));
  sys.ioctl(fd, KVM_SET_DEVICE_ATTR, attr(KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, GIC_CPU_BASE, 8));
  sys.ioctl(fd, KVM_SET_DEVICE_ATTR, attr(KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, 0n, 8));
  return fd;
}

/** The interrupt controller QEMU drives: its own model (TCG) or the kernel's (KVM). */
export interface VirtGic {
  /** The distributor the guest CPU talks to. */
  dist(): GicDistributor | undefined;
  /** The qemu_irq of an SPI. */
  spi(spi: number): QemuIrq;
}

export function tcgGic(dist: GicDistributor): VirtGic {
  return {
    dist: () => dist,
    spi: (spi) => ({ gsi: spi, intid: spi + GIC_INTERNAL, set: (level) => dist.setLevel(spi + GIC_INTERNAL, level) }),
  };
}

/** models kvm_arm_gic_set_irq: KVM_IRQ_LINE for an SPI. */
export function kvmGic(sys: Syscalls, vmFd: number, dist: () => GicDistributor | undefined): VirtGic {
  return {
    dist,
    spi: (spi) => ({
      gsi: spi,
      intid: spi + GIC_INTERNAL,
      set: (level) => void sys.ioctl(vmFd, KVM_IRQ_LINE, encodeIrqLevel({ irq: armSpiIrq(spi + GIC_INTERNAL), level: level ? 1 : 0 })),
    }),
  };
}
