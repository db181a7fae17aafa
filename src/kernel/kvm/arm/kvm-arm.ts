// KVM's ARM part (arch/arm64/kvm/arm.c, virt/kvm/arm/arm.c in 4.20): the in-kernel vGIC,
// KVM_IRQ_LINE for SPIs, and the default irq routing that maps an irqfd's GSI N to SPI N
// (INTID 32 + N), so VFIO's trigger eventfds reach the guest without QEMU.

import { KernelError } from '../../../core/errno.js';
import { GIC_INTERNAL } from '../../../core/gic-distributor.js';
import {
  KVM_ARM_IRQ_NUM_MASK,
  KVM_ARM_IRQ_TYPE_SHIFT,
  KVM_ARM_IRQ_TYPE_SPI,
  KVM_CAP_ARM_VM_IPA_SIZE,
  KVM_CAP_IRQCHIP,
  KVM_CAP_IRQFD,
  KVM_CAP_IRQFD_RESAMPLE,
  KVM_CAP_IRQ_ROUTING,
  KVM_CREATE_IRQCHIP,
  KVM_DEV_TYPE_ARM_VGIC_V2,
  KVM_IRQ_LEVEL_SIZE,
  KVM_IRQ_LINE,
  KVM_VM_TYPE_ARM_IPA_SIZE_MASK,
  decodeIrqLevel,
} from '../../../core/kvm-irq-uapi.js';
import { O_RDWR, type IoctlArg } from '../../syscall-surface.js';
import type { CheckpointRefs, Task } from '../../vfs/node.js';
import type { KvmArch, KvmArchType } from '../kvm-arch.js';
import { Kvm } from '../kvm.js';
import { Vgic, VgicFile, VGIC_CHECKPOINT_KIND, type VgicSnapshot } from './vgic.js';

/** The IPA size of a VM created with type 0 (KVM_PHYS_SHIFT). */
const DEFAULT_IPA_BITS = 40;

export interface KvmArmSnapshot {
  vgic: VgicSnapshot | null;
}

/** models kvm_vm_ioctl_check_extension's ARM answers. */
function armCheckExtension(cap: number, aarch64: boolean): number | undefined {
  switch (cap) {
    case KVM_CAP_IRQCHIP:
    case KVM_CAP_IRQFD:
    case KVM_CAP_IRQFD_RESAMPLE:
    case KVM_CAP_IRQ_ROUTING:
      return 1;
    case KVM_CAP_ARM_VM_IPA_SIZE:
      return aarch64 ? DEFAULT_IPA_BITS : undefined;
    default:
      return undefined;
  }
}

/** struct kvm_arch on ARM: the vGIC and the ack notifiers of its SPIs. */
export class KvmArm implements KvmArch {
  vgic: Vgic | undefined;
  private readonly acks = new Map<number, Set<() => void>>();

  constructor(
    readonly kvm: Kvm,
    private readonly aarch64: boolean,
  ) {}

  checkExtension(cap: number): number | undefined {
    return armCheckExtension(cap, this.aarch64);
  }

  /** Rebuilds the vGIC of a checkpoint. */
  restoreVgic(s: VgicSnapshot): void {
    this.vgic = new Vgic(this.kvm, (intid) => this.acked(intid));
    this.vgic.restore(s);
  }

  /** models kvm_vgic_create: one in-kernel irqchip per VM (EEXIST). */
  private createVgic(): Vgic {
    if (this.vgic) throw new KernelError('EEXIST');
    this.vgic = new Vgic(this.kvm, (intid) => this.acked(intid));
    this.kvm.sink?.('vgic-create', this.kvm.id, 'GICv2');
    return this.vgic;
  }

  createDevice(type: number, test: boolean, task: Task): number | undefined {
    if (type !== KVM_DEV_TYPE_ARM_VGIC_V2) return undefined;
    if (test) return 0;
    const vgic = this.createVgic();
    this.kvm.get();
    return task.install(new VgicFile(vgic), O_RDWR);
  }

  vmIoctl(request: number, arg: IoctlArg): number | undefined {
    switch (request) {
      case KVM_CREATE_IRQCHIP:
        this.createVgic();
        return 0;
      case KVM_IRQ_LINE:
        return this.irqLine(arg);
      default:
        return undefined;
    }
  }

  /** models kvm_vm_ioctl_irq_line for SPIs (the twin has no vCPU interrupts to raise). */
  private irqLine(arg: IoctlArg): number {
    if (!(arg instanceof Uint8Array) || arg.length < KVM_IRQ_LEVEL_SIZE) throw new KernelError('EFAULT');
    const { irq, level } = decodeIrqLevel(arg);
    const type = irq >>> KVM_ARM_IRQ_TYPE_SHIFT;
    const num = irq & KVM_ARM_IRQ_NUM_MASK;
    if (type !== KVM_ARM_IRQ_TYPE_SPI) throw new KernelError('EINVAL');
    if (!this.vgic) throw new KernelError('ENXIO');
    if (num < GIC_INTERNAL) throw new KernelError('EINVAL');
    if (!this.vgic.initialized) this.vgic.init();
    if (num >= this.vgic.nrIrqs) throw new KernelError('EINVAL');
    this.vgic.inject(num, level !== 0);
    return 0;
  }

  /** The default routing: GSI N is SPI N. */
  setIrq(gsi: number, level: boolean): void {
    const intid = gsi + GIC_INTERNAL;
    if (!this.vgic || (this.vgic.initialized && intid >= this.vgic.nrIrqs)) return;
    this.vgic.inject(intid, level);
  }

  onAck(gsi: number, ack: () => void): () => void {
    let set = this.acks.get(gsi);
    if (!set) this.acks.set(gsi, (set = new Set()));
    set.add(ack);
    return () => set.delete(ack);
  }

  private acked(intid: number): void {
    for (const a of [...(this.acks.get(intid - GIC_INTERNAL) ?? [])]) a();
  }

  snapshot(_refs: CheckpointRefs): KvmArmSnapshot {
    return { vgic: this.vgic ? this.vgic.snapshot() : null };
  }
}

/** KVM on arm64 (type: the IPA size) or on 32-bit ARM (type 0 only; gone since Linux 5.7). */
export function armKvmType(aarch64: boolean, maxIpaBits = 48): KvmArchType {
  return {
    name: aarch64 ? 'arm64' : 'arm',
    validVmType(type) {
      if (!aarch64) return type === 0;
      const bits = type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK;
      return (type & ~KVM_VM_TYPE_ARM_IPA_SIZE_MASK) === 0 && (bits === 0 || (bits >= 32 && bits <= maxIpaBits));
    },
    checkExtension: (cap) => armCheckExtension(cap, aarch64),
    create(kvm) {
      kvm.sink?.('vm-create', kvm.id, aarch64 ? 'arm64' : 'arm');
      return new KvmArm(kvm, aarch64);
    },
    restore(kvm, saved) {
      const arch = new KvmArm(kvm, aarch64);
      const s = saved as KvmArmSnapshot;
      if (s.vgic) arch.restoreVgic(s.vgic);
      return arch;
    },
    restoreFile(ckpt, vm) {
      if (ckpt.kind !== VGIC_CHECKPOINT_KIND) return undefined;
      const kvm = vm(ckpt.id);
      const arch = kvm?.arch;
      if (!(arch instanceof KvmArm) || !arch.vgic) throw new KernelError('ENOENT', `vGIC of VM ${ckpt.id} missing from the checkpoint`);
      return new VgicFile(arch.vgic);
    },
  };
}

/** The ARM part of a VM; throws for a VM of another arch. */
export function armKvm(kvm: Kvm): KvmArm {
  if (!(kvm.arch instanceof KvmArm)) throw new Error(`VM ${kvm.id} is not an ARM VM`);
  return kvm.arch;
}
