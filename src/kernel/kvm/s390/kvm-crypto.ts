// What vfio_ap needs of a KVM guest: its identity and the crypto masks of its CRYCB
// (models kvm_arch_crypto_set_masks / kvm_arch_crypto_clear_masks), and a reference
// (kvm_get_kvm / kvm_put_kvm) while the modern driver holds the guest.

import type { ApMask } from '../../../core/ap-mask.js';

export interface KvmCrypto {
  readonly id: number;
  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void;
  clearMasks(): void;
  /** kvm_get_kvm: keep the VM alive while a driver holds it. */
  get?(): void;
  /** kvm_put_kvm: the last reference destroys the VM. */
  put?(): void;
}
