// The s390 crypto control block (arch/s390/include/asm/kvm_host.h struct kvm_s390_crypto_cb,
// spec vfio-ap §4.4): the AP masks the SIE gives the guest, as bytes at their architected
// offsets. Format 0/1 use APCB0 at 0x00 (APM 8 bytes, AQM and ADM 2 bytes each, i.e. IDs
// 0-63 / 0-15); format 2 uses APCB1 at 0x80 (APM 0x80, AQM 0xA0, ADM 0xC0, 32 bytes each).

import { ApMask } from '../../../core/ap-mask.js';

/** sizeof(struct kvm_s390_crypto_cb). */
export const CRYCB_SIZE = 0x100;

// The CRYCB descriptor's format bits (CRYCB_FORMAT_MASK), as kvm_s390_set_crycb_format sets them.
export const CRYCB_FORMAT_MASK = 0x3;
export const CRYCB_FORMAT0 = 0x0;
export const CRYCB_FORMAT1 = 0x1;
export const CRYCB_FORMAT2 = 0x3;

export type CrycbFormat = 0 | 1 | 2;

// struct kvm_s390_apcb0 { u64 apm[1]; u64 aqm[1]; u64 adm[1]; u64 reserved18; } at 0x00
export const APCB0_OFFSET = 0x00;
export const APCB0_SIZE = 0x20;
export const APCB0_APM = 0x00;
export const APCB0_AQM = 0x08;
export const APCB0_ADM = 0x10;
// struct kvm_s390_apcb1 { u64 apm[4]; u64 aqm[4]; u64 adm[4]; u64 reserved60[4]; } at 0x80
export const APCB1_OFFSET = 0x80;
export const APCB1_SIZE = 0x80;
export const APCB1_APM = 0x80;
export const APCB1_AQM = 0xa0;
export const APCB1_ADM = 0xc0;
// Wrapping-key masks (not modelled beyond their place).
export const CRYCB_DEA_WRAPPING_KEY_MASK = 0x48;
export const CRYCB_AES_WRAPPING_KEY_MASK = 0x60;

/** The 32 bytes of a mask in memory order: ID 0 is the most significant bit of byte 0. */
export function maskBytes(mask: ApMask): Uint8Array {
  return Uint8Array.from(Buffer.from(mask.toHex().slice(2), 'hex'));
}

/** A mask from its first bytes (the rest zero). */
export function maskFromBytes(bytes: Uint8Array): ApMask {
  const full = new Uint8Array(32);
  full.set(bytes.subarray(0, 32));
  return ApMask.fromHex(`0x${Buffer.from(full).toString('hex')}`);
}

export function hexBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export class Crycb {
  readonly bytes = new Uint8Array(CRYCB_SIZE);

  constructor(readonly format: CrycbFormat) {}

  /** The descriptor's low bits: 0, 1 or 3 (CRYCB_FORMAT2). */
  get descriptorFormat(): number {
    return this.format === 2 ? CRYCB_FORMAT2 : this.format === 1 ? CRYCB_FORMAT1 : CRYCB_FORMAT0;
  }

  /** models the copy in kvm_arch_crypto_set_masks: only what the format can hold. */
  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void {
    if (this.format === 2) {
      this.bytes.set(maskBytes(apm), APCB1_APM);
      this.bytes.set(maskBytes(aqm), APCB1_AQM);
      this.bytes.set(maskBytes(adm), APCB1_ADM);
    } else {
      this.bytes.set(maskBytes(apm).subarray(0, 8), APCB0_APM);
      this.bytes.set(maskBytes(aqm).subarray(0, 2), APCB0_AQM);
      this.bytes.set(maskBytes(adm).subarray(0, 2), APCB0_ADM);
    }
  }

  /** models kvm_arch_crypto_clear_masks: zero APCB0 and APCB1. */
  clearMasks(): void {
    this.bytes.fill(0, APCB0_OFFSET, APCB0_OFFSET + APCB0_SIZE);
    this.bytes.fill(0, APCB1_OFFSET, APCB1_OFFSET + APCB1_SIZE);
  }

  /** The masks the guest's SIE sees, read back from the block for its format. */
  masks(): { apm: ApMask; aqm: ApMask; adm: ApMask } {
    const b = this.bytes;
    if (this.format === 2)
      return {
        apm: maskFromBytes(b.subarray(APCB1_APM, APCB1_APM + 32)),
        aqm: maskFromBytes(b.subarray(APCB1_AQM, APCB1_AQM + 32)),
        adm: maskFromBytes(b.subarray(APCB1_ADM, APCB1_ADM + 32)),
      };
    return {
      apm: maskFromBytes(b.subarray(APCB0_APM, APCB0_APM + 8)),
      aqm: maskFromBytes(b.subarray(APCB0_AQM, APCB0_AQM + 2)),
      adm: maskFromBytes(b.subarray(APCB0_ADM, APCB0_ADM + 2)),
    };
  }
}
