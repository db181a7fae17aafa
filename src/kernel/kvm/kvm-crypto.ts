// What vfio_ap needs of a KVM guest: its identity and the crypto masks of its CRYCB
// (models kvm_arch_crypto_set_masks / kvm_arch_crypto_clear_masks).

import type { ApMask } from '../../core/ap-mask.js';

export interface KvmCrypto {
  readonly id: number;
  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void;
  clearMasks(): void;
}
