// The in-kernel GICv2 (arch/arm64/kvm/vgic/, virt/kvm/arm/vgic in 4.20): created with
// KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V2), sized (NR_IRQS), placed (ADDR) and
// initialised (CTRL_INIT) through its device fd; SPIs are injected by KVM_IRQ_LINE and
// irqfds, and the guest's EOI of a level SPI runs KVM's ack notifiers (the irqfd resampler).

import { GicDistributor, GIC_INTERNAL } from '../../../core/gic-distributor.js';
import { KernelError } from '../../../core/errno.js';
import {
  KVM_DEV_ARM_VGIC_CTRL_INIT,
  KVM_DEV_ARM_VGIC_GRP_ADDR,
  KVM_DEV_ARM_VGIC_GRP_CTRL,
  KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
  KVM_VGIC_V2_ADDR_TYPE_CPU,
  KVM_VGIC_V2_ADDR_TYPE_DIST,
} from '../../../core/kvm-irq-uapi.js';
import { KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR, KVM_SET_DEVICE_ATTR, deviceAttrPayload } from '../../../core/kvm-uapi.js';
import { getU32, getU64, setU32 } from '../../../core/vfio-uapi.js';
import type { IoctlArg } from '../../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint } from '../../vfs/node.js';
import { attrArg } from '../kvm-vfio.js';
import type { Kvm } from '../kvm.js';

export const VGIC_CHECKPOINT_KIND = 'kvm-vgic';
/** VGIC_MAX_RESERVED: the highest number of interrupts (including the 32 private ones) a vGIC takes. */
const VGIC_MAX_IRQS = 1020;
/** The default when user space never sets NR_IRQS (VGIC_NR_IRQS_LEGACY). */
const VGIC_NR_IRQS_LEGACY = 256;

export interface VgicSnapshot {
  nrIrqs: number;
  initialized: boolean;
  dist: string | null;
  cpu: string | null;
  irqs: ReturnType<GicDistributor['snapshot']>;
}

/** struct vgic_dist of one VM. */
export class Vgic {
  nrIrqs = 0;
  initialized = false;
  distBase: bigint | undefined;
  cpuBase: bigint | undefined;
  private gic: GicDistributor | undefined;

  constructor(
    readonly kvm: Kvm,
    /** The EOI of a level SPI (what the vGIC's maintenance interrupt reports: kvm_notify_acked_irq). */
    private readonly acked: (intid: number) => void,
  ) {}

  /** The distributor, once initialised (kvm_vgic_init: explicitly, or lazily at the first injection). */
  get dist(): GicDistributor | undefined {
    return this.gic;
  }

  /** models vgic_init. */
  init(): void {
    if (this.initialized) return;
    if (this.nrIrqs === 0) this.nrIrqs = VGIC_NR_IRQS_LEGACY;
    this.gic = this.distributor();
    this.initialized = true;
    this.kvm.sink?.('vgic-init', this.kvm.id, `${this.nrIrqs} interrupts`);
  }

  private distributor(): GicDistributor {
    const gic = new GicDistributor(this.nrIrqs);
    gic.onEoi((intid, trigger) => {
      if (trigger === 'level' && intid >= GIC_INTERNAL) this.acked(intid);
    });
    return gic;
  }

  /** models kvm_vgic_inject_irq for an SPI (line level; edges latch in the distributor). */
  inject(intid: number, level: boolean): void {
    if (!this.initialized) this.init();
    this.gic!.setLevel(intid, level);
  }

  /** models vgic_v2_set_attr / get_attr / has_attr for the groups QEMU uses. */
  attr(request: number, arg: IoctlArg): number {
    const a = attrArg(arg);
    const has = request === KVM_HAS_DEVICE_ATTR;
    switch (a.group) {
      case KVM_DEV_ARM_VGIC_GRP_ADDR: {
        if (a.attr !== KVM_VGIC_V2_ADDR_TYPE_DIST && a.attr !== KVM_VGIC_V2_ADDR_TYPE_CPU) throw new KernelError('ENODEV');
        if (has) return 0;
        const p = deviceAttrPayload(a.buf, 8);
        if (!p) throw new KernelError('EFAULT');
        const field = a.attr === KVM_VGIC_V2_ADDR_TYPE_DIST ? 'distBase' : 'cpuBase';
        if (request === KVM_GET_DEVICE_ATTR) {
          const v = this[field] ?? 0n;
          new DataView(p.buffer, p.byteOffset, 8).setBigUint64(0, v, true);
          return 0;
        }
        // models vgic_check_iorange: an address is set once (EEXIST), 4 KiB aligned (EINVAL)
        if (this[field] !== undefined) throw new KernelError('EEXIST');
        const addr = getU64(p, 0);
        if (addr & 0xfffn) throw new KernelError('EINVAL');
        this[field] = addr;
        return 0;
      }
      case KVM_DEV_ARM_VGIC_GRP_NR_IRQS: {
        if (has) return 0;
        const p = deviceAttrPayload(a.buf, 4);
        if (!p) throw new KernelError('EFAULT');
        if (request === KVM_GET_DEVICE_ATTR) {
          setU32(p, 0, this.nrIrqs);
          return 0;
        }
        const n = getU32(p, 0);
        // models vgic_set_common_attr: a multiple of 32, more than the private ones, at most 1020 (rounded), set once
        if (n < GIC_INTERNAL + 32 || n > VGIC_MAX_IRQS + 4 || n & 31) throw new KernelError('EINVAL');
        if (this.nrIrqs) throw new KernelError('EBUSY');
        this.nrIrqs = n;
        return 0;
      }
      case KVM_DEV_ARM_VGIC_GRP_CTRL:
        if (a.attr !== KVM_DEV_ARM_VGIC_CTRL_INIT) throw new KernelError('ENXIO');
        if (has) return 0;
        if (request !== KVM_SET_DEVICE_ATTR) throw new KernelError('ENXIO');
        this.init();
        return 0;
      default:
        throw new KernelError('ENXIO');
    }
  }

  snapshot(): VgicSnapshot {
    return {
      nrIrqs: this.nrIrqs,
      initialized: this.initialized,
      dist: this.distBase === undefined ? null : this.distBase.toString(),
      cpu: this.cpuBase === undefined ? null : this.cpuBase.toString(),
      irqs: this.gic ? this.gic.snapshot() : [],
    };
  }

  restore(s: VgicSnapshot): void {
    this.nrIrqs = s.nrIrqs;
    this.distBase = s.dist === null ? undefined : BigInt(s.dist);
    this.cpuBase = s.cpu === null ? undefined : BigInt(s.cpu);
    if (s.initialized) {
      this.gic = this.distributor();
      this.gic.restore(s.irqs);
      this.initialized = true;
    }
  }
}

/** The vGIC's device fd (kvm_device_fops). */
export class VgicFile implements DeviceFile {
  private released = false;

  constructor(readonly vgic: Vgic) {}

  ioctl(request: number, arg: IoctlArg): number {
    if (request !== KVM_SET_DEVICE_ATTR && request !== KVM_GET_DEVICE_ATTR && request !== KVM_HAS_DEVICE_ATTR) throw new KernelError('ENOTTY');
    return this.vgic.attr(request, arg);
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: VGIC_CHECKPOINT_KIND, id: this.vgic.kvm.id };
  }

  /** models kvm_device_release: the VM reference goes; the vGIC lives as long as the VM. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.vgic.kvm.put();
  }
}
