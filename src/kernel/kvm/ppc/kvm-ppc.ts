// KVM on a POWER9 host (arch/powerpc/kvm, HV): VM type 0 (the host picks HV or PR) and no
// arch VM ioctls or state that the twin models; the guest's TCE tables and interrupts are
// not modelled (QEMU's emulated TCE path is used).

import type { KvmArch, KvmArchType } from '../kvm-arch.js';

const arch: KvmArch = {
  vmIoctl: () => undefined,
  checkExtension: () => undefined,
  snapshot: () => ({}),
};

export function ppcKvmType(): KvmArchType {
  return {
    name: 'ppc',
    // models kvm_arch_init_vm: 0 (either), KVM_VM_PPC_HV 1, KVM_VM_PPC_PR 2
    validVmType: (type) => type >= 0 && type <= 2,
    checkExtension: () => undefined,
    create: () => arch,
    restore: () => arch,
  };
}
