// The s390 CPU model through KVM (target/s390x/kvm/kvm.c kvm_s390_get_host_cpu_model /
// kvm_s390_apply_cpu_model): the VM attributes of the machine's and the guest's facilities.

import {
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
  encodeCpuProcessor,
  encodeDeviceAttr,
  facilitySet,
  facilityTest,
} from '../../core/kvm-uapi.js';
import type { Syscalls } from '../../kernel/syscall-surface.js';
import { AP_FEATURES, type ApFeature, type MaxModel, type S390CpuModel } from './cpu-model.js';

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
