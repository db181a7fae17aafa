// The KVM accelerator as every target's QEMU drives it (accel/kvm/kvm-all.c kvm_init, and
// the KVM-VFIO pseudo device of hw/vfio/common.c): ioctls on /dev/kvm and the VM fd.

import { strerror } from '../../core/errno.js';
import { KVM_CAP_IRQFD, KVM_CAP_IRQFD_RESAMPLE } from '../../core/kvm-irq-uapi.js';
import {
  KVM_CHECK_EXTENSION,
  KVM_CREATE_DEVICE,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_VFIO,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_GET_API_VERSION,
  KVM_SET_DEVICE_ATTR,
  decodeCreateDevice,
  encodeCreateDevice,
  encodeVfioGroupAttr,
} from '../../core/kvm-uapi.js';
import { O_RDWR, type Syscalls } from '../../kernel/syscall-surface.js';
import { errnoOf, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import type { VfioGroup } from '../vfio/vfio-common.js';

export interface KvmHandles {
  /** /dev/kvm */
  kvmFd: number;
  vmFd: number;
}

/** models kvm_init: open /dev/kvm, check the API version, KVM_CREATE_VM(type). Messages as QEMU prints them. */
export function kvmInit(sys: Syscalls, vmType = 0): KvmHandles {
  let kvmFd: number;
  try {
    kvmFd = sys.open('/dev/kvm', O_RDWR);
  } catch (e) {
    const msg = strerror(errnoOf(e));
    // fprintf(stderr, "Could not access KVM kernel module: %m\n"), then accel init fails
    throw new QemuError(`failed to initialize kvm: ${msg}`, []).withPreface(`Could not access KVM kernel module: ${msg}`);
  }
  try {
    sys.ioctl(kvmFd, KVM_GET_API_VERSION);
    const vmFd = sys.ioctl(kvmFd, KVM_CREATE_VM, vmType);
    return { kvmFd, vmFd };
  } catch (e) {
    sys.close(kvmFd);
    throw new QemuError(`failed to initialize kvm: ${strerror(errnoOf(e))}`);
  }
}

/** models kvm_irqfds_enabled() && kvm_resamplefds_enabled(): KVM_CAP_IRQFD and KVM_CAP_IRQFD_RESAMPLE. */
export function kvmIrqfdsEnabled(sys: Syscalls, vmFd: number): boolean {
  return sys.ioctl(vmFd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0 && sys.ioctl(vmFd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE) > 0;
}

/** models vfio_kvm_device_add_group: create the KVM-VFIO device once, then add the group. */
export function kvmVfioGroupAdd(vm: VmContext, group: VfioGroup): void {
  const devFd = vm.kvmVfioDeviceFd();
  if (devFd === undefined) return;
  try {
    vm.sys.ioctl(devFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_ADD, group.fd));
    vm.trace('kvm_vfio_group_add', `KVM_DEV_VFIO_GROUP_ADD group ${group.groupId} (fd ${group.fd}) on kvm-vfio fd ${devFd}`);
  } catch (e) {
    vm.error(`Failed to add group ${group.groupId} to KVM VFIO device: ${strerror(errnoOf(e))}`);
  }
}

/** models vfio_kvm_device_del_group. */
export function kvmVfioGroupDel(vm: VmContext, group: VfioGroup): void {
  const devFd = vm.kvmVfioDeviceFd();
  if (devFd === undefined) return;
  try {
    vm.sys.ioctl(devFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_DEL, group.fd));
    vm.trace('kvm_vfio_group_del', `KVM_DEV_VFIO_GROUP_DEL group ${group.groupId}`);
  } catch (e) {
    vm.error(`Failed to remove group ${group.groupId} from KVM VFIO device: ${strerror(errnoOf(e))}`);
  }
}

/** models the lazy KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO) of vfio_kvm_device_add_group. */
export function kvmCreateVfioDevice(vm: { sys: Syscalls; error(m: string): void; trace(e: string, d?: string): void }, vmFd: number): number | undefined {
  const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO });
  try {
    vm.sys.ioctl(vmFd, KVM_CREATE_DEVICE, cd);
  } catch (e) {
    vm.error(`Failed to create KVM VFIO device: ${strerror(errnoOf(e))}`);
    return undefined;
  }
  const fd = decodeCreateDevice(cd).fd;
  vm.trace('kvm_create_device', `KVM_CREATE_DEVICE KVM_DEV_TYPE_VFIO = fd ${fd}`);
  return fd;
}
