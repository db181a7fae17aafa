// /dev/kvm and every VM of the host (virt/kvm/kvm_main.c kvm_dev_ioctl, kvm_create_vm,
// kvm_destroy_vm). The host's architecture decides what each VM's arch part is; a host
// without KVM (32-bit ARM since Linux 5.7) has no /dev/kvm at all.

import { KernelError } from '../../core/errno.js';
import { KVM_API_VERSION, KVM_CAP_DEVICE_CTRL, KVM_CHECK_EXTENSION, KVM_CREATE_VM, KVM_GET_API_VERSION } from '../../core/kvm-uapi.js';
import { O_RDWR, type IoctlArg } from '../syscall-surface.js';
import type { EventFd } from '../vfs/eventfd.js';
import { CharDevice, type CheckpointRefs, type DeviceFile, type FileCheckpoint, type Task } from '../vfs/node.js';
import type { Vfs } from '../vfs/vfs.js';
import type { VfioGroup } from '../vfio/vfio-group.js';
import type { KvmArchType } from './kvm-arch.js';
import { Kvm, type KvmEventSink, type KvmSnapshot } from './kvm.js';
import { KVM_VFIO_CHECKPOINT_KIND, KvmVfio, KvmVfioFile } from './kvm-vfio.js';

/** /dev/kvm is misc minor 232. */
export const KVM_MINOR = 232;

export const KVM_CHECKPOINT_KIND = 'kvm';
export const KVM_VM_CHECKPOINT_KIND = 'kvm-vm';

/** The VM fd ("kvm-vm" anon inode). */
export class KvmVmFile implements DeviceFile {
  private released = false;

  constructor(readonly kvm: Kvm) {}

  ioctl(request: number, arg: IoctlArg, task: Task): number {
    return this.kvm.ioctl(request, arg, task);
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: KVM_VM_CHECKPOINT_KIND, id: this.kvm.id };
  }

  /** models kvm_vm_release. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.kvm.put();
  }
}

/** An open /dev/kvm (kvm_chardev_ops). */
export class KvmSystemFile implements DeviceFile {
  constructor(private readonly registry: KvmRegistry) {}

  /** models kvm_dev_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case KVM_GET_API_VERSION:
        if (arg !== undefined && arg !== 0) throw new KernelError('EINVAL');
        return KVM_API_VERSION;
      case KVM_CREATE_VM: {
        const type = arg === undefined ? 0 : typeof arg === 'number' ? arg : -1;
        if (!this.registry.arch.validVmType(type)) throw new KernelError('EINVAL');
        const kvm = this.registry.create({ type });
        kvm.get();
        return task.install(new KvmVmFile(kvm), O_RDWR);
      }
      case KVM_CHECK_EXTENSION:
        return this.registry.checkExtension(typeof arg === 'number' ? arg : -1);
      default:
        throw new KernelError('EINVAL');
    }
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: KVM_CHECKPOINT_KIND, id: 0 };
  }

  release(): void {}
}

/** What the kernel checkpoint keeps of KVM. */
export interface KvmRegistrySnapshot {
  nextId: number;
  vms: KvmSnapshot[];
}

/** All VMs of the host, and /dev/kvm. */
export class KvmRegistry {
  readonly vms = new Map<number, Kvm>();
  nextId = 0;
  sink: KvmEventSink | undefined;

  /** `arch` undefined: the host has no KVM (no /dev/kvm). */
  constructor(
    private readonly archType: KvmArchType | undefined,
    vfs?: Vfs,
  ) {
    if (archType) vfs?.attach('/dev/kvm', new CharDevice(10, KVM_MINOR, 0o666, () => new KvmSystemFile(this)));
  }

  get arch(): KvmArchType {
    if (!this.archType) throw new KernelError('ENODEV', 'the host has no KVM');
    return this.archType;
  }

  get available(): boolean {
    return this.archType !== undefined;
  }

  /** models kvm_create_vm + kvm_arch_init_vm (opts go to the arch, e.g. a test's s390 facilities). */
  create(opts?: unknown): Kvm {
    const kvm = new Kvm(this.nextId++, this);
    kvm.arch = this.arch.create(kvm, opts);
    this.vms.set(kvm.id, kvm);
    return kvm;
  }

  /** models kvm_destroy_vm: its devices go first (the KVM-VFIO device releases its groups). */
  destroy(kvm: Kvm): void {
    if (kvm.destroyed) return;
    kvm.destroyed = true;
    kvm.kvmVfio?.destroy();
    kvm.irqfds.releaseAll();
    kvm.arch.destroy?.();
    this.vms.delete(kvm.id);
    this.sink?.('vm-destroy', kvm.id);
  }

  /** models kvm_vm_ioctl_check_extension_generic, then the arch's answer. */
  checkExtension(cap: number, kvm?: Kvm): number {
    const arch = kvm ? kvm.arch.checkExtension(cap) : this.arch.checkExtension(cap);
    if (arch !== undefined) return arch;
    return cap === KVM_CAP_DEVICE_CTRL ? 1 : 0;
  }

  get(id: number): Kvm | undefined {
    return this.vms.get(id);
  }

  // ---- checkpoint / restore -----------------------------------------------------------

  snapshot(refs: CheckpointRefs): KvmRegistrySnapshot {
    return { nextId: this.nextId, vms: [...this.vms.values()].map((k) => k.snapshot(refs)) };
  }

  /** Rebuilds the VMs and their arch parts; KVM-VFIO group lists are bound by restoreKvmVfio. */
  restore(s: KvmRegistrySnapshot, eventfd: (id: number) => EventFd | undefined): void {
    this.nextId = s.nextId;
    if (!this.archType) return;
    for (const v of s.vms) {
      const kvm = new Kvm(v.id, this);
      // version-1 states kept the s390 fields at the top of the VM's record
      kvm.arch = this.arch.restore(kvm, v.arch ?? v, { eventfd });
      kvm.refs = v.refs;
      this.vms.set(kvm.id, kvm);
      if (v.irqfds) kvm.irqfds.restore(v.irqfds, eventfd);
    }
  }

  /** Re-adds the KVM-VFIO devices' groups (no notifier calls: the groups' KVM is restored with them). */
  restoreKvmVfio(s: KvmRegistrySnapshot, group: (id: number) => VfioGroup | undefined): void {
    for (const v of s.vms) {
      const kvm = this.vms.get(v.id);
      if (!kvm || v.kvmVfio === null) continue;
      kvm.kvmVfio = new KvmVfio(kvm);
      for (const id of v.kvmVfio) {
        const g = group(id);
        if (g) kvm.kvmVfio.groups.push(g);
      }
    }
  }

  /** Rebuilds a checkpointed KVM file; undefined when not a KVM file. */
  restoreFile(ckpt: FileCheckpoint): DeviceFile | undefined {
    switch (ckpt.kind) {
      case KVM_CHECKPOINT_KIND:
        return new KvmSystemFile(this);
      case KVM_VM_CHECKPOINT_KIND: {
        const kvm = this.vms.get(ckpt.id);
        if (!kvm) throw new KernelError('ENOENT', `VM ${ckpt.id} missing from the checkpoint`);
        return new KvmVmFile(kvm);
      }
      case KVM_VFIO_CHECKPOINT_KIND: {
        const kvm = this.vms.get(ckpt.id);
        if (!kvm?.kvmVfio) throw new KernelError('ENOENT', `KVM-VFIO device of VM ${ckpt.id} missing from the checkpoint`);
        return new KvmVfioFile(kvm.kvmVfio);
      }
      default:
        return this.archType?.restoreFile?.(ckpt, (id) => this.vms.get(id));
    }
  }
}
