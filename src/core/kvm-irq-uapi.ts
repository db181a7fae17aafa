// The interrupt slice of the KVM ABI (include/uapi/linux/kvm.h, arch/arm{,64}/include/uapi/asm/kvm.h):
// KVM_IRQ_LINE, KVM_IRQFD with its resample fd, and the ARM vGIC device. Pure values,
// shared by the twin kernel and the VMM.

import { ioc, KVMIO } from './kvm-uapi.js';
import { getU32, setU32 } from './vfio-uapi.js';

const IOC_WRITE = 1;

/** struct kvm_irq_level { union { u32 irq; s32 status; }; u32 level; } */
export const KVM_IRQ_LEVEL_SIZE = 8;
/** struct kvm_irqfd { u32 fd; u32 gsi; u32 flags; u32 resamplefd; u8 pad[16]; } */
export const KVM_IRQFD_SIZE = 32;

export const KVM_CREATE_IRQCHIP = ioc(0, KVMIO, 0x60, 0); // 0xAE60
export const KVM_IRQ_LINE = ioc(IOC_WRITE, KVMIO, 0x61, KVM_IRQ_LEVEL_SIZE); // 0x4008AE61
export const KVM_IRQFD = ioc(IOC_WRITE, KVMIO, 0x76, KVM_IRQFD_SIZE); // 0x4020AE76

export const KVM_IRQFD_FLAG_DEASSIGN = 1 << 0;
export const KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

// Capabilities
export const KVM_CAP_IRQCHIP = 0;
export const KVM_CAP_IRQ_ROUTING = 25;
export const KVM_CAP_IRQFD = 32;
export const KVM_CAP_IRQFD_RESAMPLE = 82;
export const KVM_CAP_ARM_VM_IPA_SIZE = 165;

/** KVM_CREATE_VM's type on arm64: the guest IPA size in its low byte (0: the 40-bit default). */
export const KVM_VM_TYPE_ARM_IPA_SIZE_MASK = 0xff;

// KVM_IRQ_LINE's irq field on ARM: type (24..31), vcpu index (16..23), interrupt number (0..15)
export const KVM_ARM_IRQ_TYPE_SHIFT = 24;
export const KVM_ARM_IRQ_VCPU_SHIFT = 16;
export const KVM_ARM_IRQ_NUM_MASK = 0xffff;
export const KVM_ARM_IRQ_TYPE_CPU = 0;
export const KVM_ARM_IRQ_TYPE_SPI = 1;
export const KVM_ARM_IRQ_TYPE_PPI = 2;

// The vGIC device (KVM_DEV_TYPE_ARM_VGIC_V2) and its attribute groups
export const KVM_DEV_TYPE_ARM_VGIC_V2 = 5;
export const KVM_DEV_TYPE_ARM_VGIC_V3 = 7;
export const KVM_DEV_ARM_VGIC_GRP_ADDR = 0;
export const KVM_DEV_ARM_VGIC_GRP_NR_IRQS = 3;
export const KVM_DEV_ARM_VGIC_GRP_CTRL = 4;
export const KVM_DEV_ARM_VGIC_CTRL_INIT = 0;
export const KVM_VGIC_V2_ADDR_TYPE_DIST = 0;
export const KVM_VGIC_V2_ADDR_TYPE_CPU = 1;

export interface KvmIrqLevel {
  irq: number;
  level: number;
}

export function encodeIrqLevel(s: KvmIrqLevel): Uint8Array {
  const buf = new Uint8Array(KVM_IRQ_LEVEL_SIZE);
  setU32(buf, 0, s.irq);
  setU32(buf, 4, s.level);
  return buf;
}

export function decodeIrqLevel(buf: Uint8Array): KvmIrqLevel {
  return { irq: getU32(buf, 0), level: getU32(buf, 4) };
}

/** KVM_IRQ_LINE's irq for an SPI (INTID 32 + spi) on ARM. */
export function armSpiIrq(intid: number): number {
  return ((KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (intid & KVM_ARM_IRQ_NUM_MASK)) >>> 0;
}

export interface KvmIrqfd {
  fd: number;
  gsi: number;
  flags: number;
  resamplefd: number;
}

export function encodeIrqfd(s: Partial<KvmIrqfd>): Uint8Array {
  const buf = new Uint8Array(KVM_IRQFD_SIZE);
  setU32(buf, 0, s.fd ?? 0);
  setU32(buf, 4, s.gsi ?? 0);
  setU32(buf, 8, s.flags ?? 0);
  setU32(buf, 12, s.resamplefd ?? 0);
  return buf;
}

export function decodeIrqfd(buf: Uint8Array): KvmIrqfd {
  return { fd: getU32(buf, 0) | 0, gsi: getU32(buf, 4), flags: getU32(buf, 8), resamplefd: getU32(buf, 12) | 0 };
}
