// struct kvm (virt/kvm/kvm_main.c): a VM with its references, its KVM-VFIO device and its
// irqfds, whose architecture part (the s390 CRYCB, the ARM vGIC) is a delegate (kvm-arch.ts).
//
// How user space runs a VM on the twin (the real uAPI, see core/kvm-uapi.ts):
//   kvm = open('/dev/kvm', O_RDWR); vm = ioctl(kvm, KVM_CREATE_VM, type)
//   cd = encodeCreateDevice({type: KVM_DEV_TYPE_VFIO}); ioctl(vm, KVM_CREATE_DEVICE, cd); kvmVfioFd = decodeCreateDevice(cd).fd
//   ioctl(kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_ADD, groupFd))
//   plus the arch's own VM ioctls (s390 attributes, ARM KVM_IRQ_LINE and the vGIC device).
// The VM lives while its fd or any of its device fds is open (kvm_get_kvm/kvm_put_kvm).

import { KernelError } from '../../core/errno.js';
import { KVM_IRQFD } from '../../core/kvm-irq-uapi.js';
import {
  KVM_CHECK_EXTENSION,
  KVM_CREATE_DEVICE,
  KVM_CREATE_DEVICE_SIZE,
  KVM_CREATE_DEVICE_TEST,
  KVM_DEV_TYPE_VFIO,
  decodeCreateDevice,
} from '../../core/kvm-uapi.js';
import { setU32 } from '../../core/vfio-uapi.js';
import { O_RDWR, type IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, Task } from '../vfs/node.js';
import type { KvmArch } from './kvm-arch.js';
import { KvmIrqfds, type IrqfdSnapshot } from './irqfd.js';
import { KvmVfio, KvmVfioFile } from './kvm-vfio.js';
import type { KvmRegistry } from './kvm-registry.js';

/** Observes VM events (the realize-flow trace); no effect on behaviour. */
export type KvmEventSink = (event: string, vm: number, detail?: string) => void;

export interface KvmSnapshot {
  id: number;
  /** VFIO group ids added through the VM's KVM-VFIO device, or null when it has none. */
  kvmVfio: number[] | null;
  /** Open files holding the VM (its fd and its device fds). */
  refs: number;
  irqfds?: IrqfdSnapshot[];
  /** The architecture's part (absent in version-1 states: the s390 fields sit at the top). */
  arch?: unknown;
}

export class Kvm {
  kvmVfio: KvmVfio | undefined;
  /** kvm->users_count, counting open files (the VM fd and its device fds). */
  refs = 0;
  destroyed = false;
  readonly irqfds = new KvmIrqfds(this);
  /** Set by the registry right after construction (the arch part needs the VM). */
  arch!: KvmArch;

  constructor(
    readonly id: number,
    readonly registry: KvmRegistry,
  ) {}

  get sink(): KvmEventSink | undefined {
    return this.registry.sink;
  }

  get(): void {
    this.refs++;
  }

  /** models kvm_put_kvm: the last reference destroys the VM (and its devices). */
  put(): void {
    if (this.refs > 0) this.refs--;
    if (this.refs === 0) this.registry.destroy(this);
  }

  /** models kvm_vm_ioctl_create_device: the KVM-VFIO device (one per VM, EBUSY) or an arch device. */
  private createDevice(arg: IoctlArg, task: Task): number {
    if (!(arg instanceof Uint8Array) || arg.length < KVM_CREATE_DEVICE_SIZE) throw new KernelError('EFAULT');
    const cd = decodeCreateDevice(arg);
    const test = (cd.flags & KVM_CREATE_DEVICE_TEST) !== 0;
    if (cd.type !== KVM_DEV_TYPE_VFIO) {
      const fd = this.arch.createDevice?.(cd.type, test, task);
      if (fd === undefined) throw new KernelError('ENODEV');
      if (!test) setU32(arg, 4, fd);
      return 0;
    }
    if (test) return 0;
    if (this.kvmVfio) throw new KernelError('EBUSY');
    this.kvmVfio = new KvmVfio(this);
    this.get();
    const fd = task.install(new KvmVfioFile(this.kvmVfio), O_RDWR);
    setU32(arg, 4, fd);
    this.sink?.('kvm-vfio-create', this.id);
    return 0;
  }

  /** models kvm_vm_ioctl: generic VM ioctls first, then kvm_arch_vm_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case KVM_CHECK_EXTENSION:
        return this.registry.checkExtension(typeof arg === 'number' ? arg : -1, this);
      case KVM_CREATE_DEVICE:
        return this.createDevice(arg, task);
      case KVM_IRQFD:
        // only architectures with irqchip routing have irqfds
        if (this.arch.setIrq) return this.irqfds.ioctl(arg, task);
        break;
    }
    const r = this.arch.vmIoctl(request, arg, task);
    if (r === undefined) throw new KernelError('ENOTTY');
    return r;
  }

  snapshot(refs: CheckpointRefs): KvmSnapshot {
    const irqfds = this.irqfds.snapshot(refs);
    return {
      id: this.id,
      kvmVfio: this.kvmVfio ? this.kvmVfio.groups.filter((g) => g.registered).map((g) => g.id) : null,
      refs: this.refs,
      ...(irqfds.length ? { irqfds } : {}),
      arch: this.arch.snapshot(refs),
    };
  }
}
