// The KVM accelerator as QEMU drives it on s390x (accel/kvm/kvm-all.c kvm_init,
// target/s390x/kvm/kvm.c kvm_s390_get_host_cpu_model / kvm_s390_apply_cpu_model, and the
// KVM-VFIO pseudo device of hw/vfio/common.c): all of it ioctls on /dev/kvm and the VM fd.

import { strerror } from '../../core/errno.js';
import {
  KVM_CREATE_DEVICE,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_VFIO,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_DEV_VFIO_GROUP_DEL,
  KVM_GET_API_VERSION,
  KVM_GET_DEVICE_ATTR,
  KVM_HAS_DEVICE_ATTR,
  KVM_S390_VM_CPU_MACHINE,
  KVM_S390_VM_CPU_MACHINE_SIZE,
  KVM_S390_VM_CPU_MODEL,
  KVM_S390_VM_CPU_PROCESSOR,
  KVM_S390_VM_CRYPTO,
  KVM_S390_VM_CRYPTO_ENABLE_APIE,
  KVM_SET_DEVICE_ATTR,
  S390_ARCH_FAC_LIST_SIZE_BYTE,
  decodeCpuMachine,
  decodeCreateDevice,
  encodeCpuProcessor,
  encodeCreateDevice,
  encodeDeviceAttr,
  encodeVfioGroupAttr,
  facilitySet,
  facilityTest,
} from '../../core/kvm-uapi.js';
import { O_RDWR, type Syscalls } from '../../kernel/syscall-surface.js';
import { errnoOf, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import type { VfioGroup } from '../vfio/vfio-common.js';
import { AP_FEATURES, type ApFeature, type MaxModel, type S390CpuModel } from './cpu-model.js';

export interface KvmHandles {
  /** /dev/kvm */
  kvmFd: number;
  vmFd: number;
}

/** models kvm_init: open /dev/kvm, check the API version, KVM_CREATE_VM. Messages as QEMU prints them. */
export function kvmInit(sys: Syscalls): KvmHandles {
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
    const vmFd = sys.ioctl(kvmFd, KVM_CREATE_VM, 0);
    return { kvmFd, vmFd };
  } catch (e) {
    sys.close(kvmFd);
    throw new QemuError(`failed to initialize kvm: ${strerror(errnoOf(e))}`);
  }
}

/** models kvm_s390_get_host_cpu_model: facilities from KVM_S390_VM_CPU_MACHINE, `ap` from APIE. */
export function kvmHostCpuModel(sys: Syscalls, vmFd: number): { max: MaxModel; facilities: Uint8Array } {
  const features = new Set<ApFeature>();
  const payload = new Uint8Array(KVM_S390_VM_CPU_MACHINE_SIZE);
  const buf = encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_MACHINE, payload);
  sys.ioctl(vmFd, KVM_GET_DEVICE_ATTR, buf);
  const machine = decodeCpuMachine(buf.subarray(24));
  const facilities = new Uint8Array(S390_ARCH_FAC_LIST_SIZE_BYTE);
  for (let i = 0; i < facilities.length; i++) facilities[i] = machine.facList[i]! & machine.facMask[i]!;
  for (const f of AP_FEATURES) if (f.stfl !== undefined && facilityTest(facilities, f.stfl)) features.add(f.name);
  // models ap_available(): kvm_vm_check_attr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE)
  try {
    sys.ioctl(vmFd, KVM_HAS_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE));
    features.add('ap');
  } catch {
    /* no AP instructions on the host */
  }
  return { max: { features }, facilities };
}

/**
 * models kvm_s390_apply_cpu_model: the guest's facility list (the host's, with the AP
 * facilities as the model says), then AP interpretation when the model has `ap`.
 */
export function kvmApplyCpuModel(sys: Syscalls, vmFd: number, hostFacilities: Uint8Array, model: S390CpuModel): void {
  const facList = hostFacilities.slice();
  for (const f of AP_FEATURES) {
    if (f.stfl === undefined) continue;
    const byte = f.stfl >> 3;
    facList[byte] = facList[byte]! & ~(0x80 >> (f.stfl & 7));
    if (model.has(f.name)) facilitySet(facList, f.stfl);
  }
  sys.ioctl(vmFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, encodeCpuProcessor({ facList })));
  if (model.has('ap')) sys.ioctl(vmFd, KVM_SET_DEVICE_ATTR, encodeDeviceAttr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE));
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
