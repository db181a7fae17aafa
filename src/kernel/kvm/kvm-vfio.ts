// The KVM-VFIO pseudo device (virt/kvm/vfio.c, 4.19; spec vfio-core §1.11): user space adds
// VFIO group fds; each becomes an external user of its group's container, and the group
// learns the KVM (vfio_group_set_kvm), which fires VFIO_GROUP_NOTIFY_SET_KVM.

import { KernelError } from '../../core/errno.js';
import {
  KVM_DEV_VFIO_GROUP,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_DEVICE_ATTR_SIZE,
  KVM_GET_DEVICE_ATTR,
  KVM_HAS_DEVICE_ATTR,
  KVM_SET_DEVICE_ATTR,
  decodeDeviceAttr,
  deviceAttrPayload,
} from '../../core/kvm-uapi.js';
import { getS32 } from '../../core/vfio-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { VfioGroupFile, type VfioGroup } from '../vfio/vfio-group.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, Task } from '../vfs/node.js';
import type { Kvm } from './kvm.js';

export const KVM_VFIO_CHECKPOINT_KIND = 'kvm-vfio';

/** The device attribute struct of a KVM_*_DEVICE_ATTR call (EFAULT for a bad pointer). */
export function attrArg(arg: IoctlArg): { group: number; attr: number; buf: Uint8Array } {
  if (!(arg instanceof Uint8Array) || arg.length < KVM_DEVICE_ATTR_SIZE) throw new KernelError('EFAULT');
  const a = decodeDeviceAttr(arg);
  return { group: a.group, attr: Number(a.attr), buf: arg };
}

/** struct kvm_vfio: the groups added to one VM. */
export class KvmVfio {
  readonly groups: VfioGroup[] = [];

  constructor(readonly kvm: Kvm) {}

  /** models kvm_vfio_group_get_external_user: a VFIO group file, live, with a backend. */
  private externalUser(file: DeviceFile | undefined): VfioGroup {
    if (!(file instanceof VfioGroupFile)) throw new KernelError('EINVAL');
    file.group.addContainerUser();
    return file.group;
  }

  /** models kvm_vfio_set_group. */
  setGroup(attr: number, buf: Uint8Array, task: Task): number {
    if (attr !== KVM_DEV_VFIO_GROUP_ADD && attr !== KVM_DEV_VFIO_GROUP_DEL) throw new KernelError('ENXIO');
    const payload = deviceAttrPayload(buf, 4);
    if (!payload) throw new KernelError('EFAULT');
    const fd = getS32(payload, 0);
    const group = this.externalUser(task.fileAt(fd));
    if (attr === KVM_DEV_VFIO_GROUP_ADD) {
      if (this.groups.includes(group)) {
        group.tryDissolveContainer();
        throw new KernelError('EEXIST');
      }
      this.groups.push(group);
      this.kvm.sink?.('kvm-vfio-group-add', this.kvm.id, `group ${group.id}`);
      group.setKvm(this.kvm);
      return 0;
    }
    // DEL: the lookup took a user of its own, which goes again at the end
    try {
      const at = this.groups.indexOf(group);
      if (at < 0) throw new KernelError('ENOENT');
      this.groups.splice(at, 1);
      this.kvm.sink?.('kvm-vfio-group-del', this.kvm.id, `group ${group.id}`);
      group.setKvm(undefined);
      group.tryDissolveContainer();
      return 0;
    } finally {
      group.tryDissolveContainer();
    }
  }

  /** models kvm_vfio_destroy (at VM destruction): every group forgets the KVM and loses its user. */
  destroy(): void {
    for (const g of this.groups.splice(0)) {
      g.setKvm(undefined);
      g.tryDissolveContainer();
    }
  }
}

/** The "kvm-vfio" anon-inode device fd (kvm_device_fops). */
export class KvmVfioFile implements DeviceFile {
  private released = false;

  constructor(readonly dev: KvmVfio) {}

  /** models kvm_device_ioctl + kvm_device_ioctl_attr. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case KVM_SET_DEVICE_ATTR: {
        const a = attrArg(arg);
        if (a.group !== KVM_DEV_VFIO_GROUP) throw new KernelError('ENXIO');
        return this.dev.setGroup(a.attr, a.buf, task);
      }
      case KVM_GET_DEVICE_ATTR:
        // the KVM-VFIO device has no get_attr accessor
        throw new KernelError('EPERM');
      case KVM_HAS_DEVICE_ATTR: {
        const a = attrArg(arg);
        if (a.group === KVM_DEV_VFIO_GROUP && (a.attr === KVM_DEV_VFIO_GROUP_ADD || a.attr === KVM_DEV_VFIO_GROUP_DEL)) return 0;
        throw new KernelError('ENXIO');
      }
      default:
        throw new KernelError('ENOTTY');
    }
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: KVM_VFIO_CHECKPOINT_KIND, id: this.dev.kvm.id };
  }

  /** models kvm_device_release: only the VM reference goes; the device lives as long as the VM. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.dev.kvm.put();
  }
}
