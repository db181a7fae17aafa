// The architecture seam of KVM (virt/kvm/kvm_main.c calls into arch/<arch>/kvm): what one
// architecture adds to the generic struct kvm — its VM ioctls, capabilities, device types
// and in-kernel interrupt controller — as a delegate each VM owns.

import type { IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, Task } from '../vfs/node.js';
import type { Kvm } from './kvm.js';

/** struct kvm_arch and the kvm_arch_* hooks of one VM. */
export interface KvmArch {
  /** models kvm_arch_vm_ioctl (and the arch's KVM_*_DEVICE_ATTR on the VM fd); undefined: not an arch ioctl. */
  vmIoctl(request: number, arg: IoctlArg, task: Task): number | undefined;
  /** models kvm_vm_ioctl_check_extension's arch part; undefined: the generic answer. */
  checkExtension(cap: number): number | undefined;
  /** models the arch's KVM_CREATE_DEVICE types; undefined when the type is not one of them. */
  createDevice?(type: number, test: boolean, task: Task): number | undefined;
  /** models kvm_set_irq through the default routing (gsi = the interrupt controller's pin); absent without irqchip routing. */
  setIrq?(gsi: number, level: boolean): void;
  /** Adds a listener for the guest's EOI of a gsi (kvm_register_irq_ack_notifier). */
  onAck?(gsi: number, ack: () => void): () => void;
  /** models kvm_arch_destroy_vm. */
  destroy?(): void;
  /** The arch state a checkpoint keeps (JSON-ready). */
  snapshot(refs: CheckpointRefs): unknown;
  /** A file of the arch (e.g. the vGIC device fd) as a checkpoint records it. */
  checkpointFile?(file: DeviceFile, refs: CheckpointRefs): FileCheckpoint | undefined;
}

/** An architecture's KVM: how it makes and restores the arch part of each VM. */
export interface KvmArchType {
  readonly name: string;
  /** models kvm_arch_init_vm's check of the KVM_CREATE_VM machine type. */
  validVmType(type: number): boolean;
  /** Capabilities answered on /dev/kvm as well as on the VM fd (kvm_vm_ioctl_check_extension with no VM). */
  checkExtension(cap: number): number | undefined;
  create(kvm: Kvm, opts?: unknown): KvmArch;
  restore(kvm: Kvm, saved: unknown, lookups: KvmRestoreLookups): KvmArch;
  /** Rebuilds an arch device file (e.g. the vGIC fd) from its checkpoint; undefined when not one of the arch's. */
  restoreFile?(ckpt: FileCheckpoint, kvm: (id: number) => Kvm | undefined): DeviceFile | undefined;
}

/** What the arch needs from the rest of a checkpoint when it is rebuilt. */
export interface KvmRestoreLookups {
  /** An eventfd context by its checkpoint id. */
  eventfd(id: number): import('../vfs/eventfd.js').EventFd | undefined;
}
