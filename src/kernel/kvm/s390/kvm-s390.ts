// KVM's s390 part (arch/s390/kvm/kvm-s390.c): each VM's facilities and CRYCB, and the s390
// VM attributes a VMM needs for the CPU model and AP (KVM_{SET,GET,HAS}_DEVICE_ATTR on the
// VM fd):
//   ioctl(vm, KVM_HAS_DEVICE_ATTR, attr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE))  → 0 when the host has AP
//   ioctl(vm, KVM_GET_DEVICE_ATTR, attr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_MACHINE, 4112 bytes)) → host facilities
//   ioctl(vm, KVM_SET_DEVICE_ATTR, attr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, 2064 bytes)) → guest facilities
//   ioctl(vm, KVM_SET_DEVICE_ATTR, attr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE))

import type { ApMask } from '../../../core/ap-mask.js';
import { KernelError } from '../../../core/errno.js';
import {
  KVM_CAP_VM_ATTRIBUTES,
  KVM_GET_DEVICE_ATTR,
  KVM_HAS_DEVICE_ATTR,
  KVM_S390_VM_CPU_MACHINE,
  KVM_S390_VM_CPU_MACHINE_SIZE,
  KVM_S390_VM_CPU_MODEL,
  KVM_S390_VM_CPU_PROCESSOR,
  KVM_S390_VM_CPU_PROCESSOR_SIZE,
  KVM_S390_VM_CRYPTO,
  KVM_S390_VM_CRYPTO_DISABLE_AES_KW,
  KVM_S390_VM_CRYPTO_DISABLE_APIE,
  KVM_S390_VM_CRYPTO_DISABLE_DEA_KW,
  KVM_S390_VM_CRYPTO_ENABLE_AES_KW,
  KVM_S390_VM_CRYPTO_ENABLE_APIE,
  KVM_S390_VM_CRYPTO_ENABLE_DEA_KW,
  KVM_SET_DEVICE_ATTR,
  S390_ARCH_FAC_LIST_SIZE_BYTE,
  S390_FAC_AP_FACILITIES_TEST,
  S390_FAC_AP_QUERY_CONFIG_INFO,
  S390_FAC_AP_QUEUE_INTERRUPT_CONTROL,
  S390_FAC_MSA_EXT_3,
  decodeCpuProcessor,
  deviceAttrPayload,
  facilitiesOf,
  facilityList,
} from '../../../core/kvm-uapi.js';
import type { IoctlArg } from '../../syscall-surface.js';
import type { KvmArch, KvmArchType } from '../kvm-arch.js';
import { attrArg } from '../kvm-vfio.js';
import { Kvm } from '../kvm.js';
import { Crycb, hexBytes, type CrycbFormat } from './crycb.js';
import type { KvmCrypto } from './kvm-crypto.js';

/** What the host machine gives KVM: its facility list and whether AP instructions and APXA exist. */
export interface KvmHostCaps {
  /** STFLE facilities of the host (the CPU_MACHINE fac_list and fac_mask). */
  facilities: number[];
  /** ap_instructions_available(): the host has the AP instructions. */
  apInstructions: boolean;
  /** kvm_s390_apxa_installed(): PQAP(QCI) works and reports APXA. */
  apxa: boolean;
}

/** The host's default: MSAX3, APFT, AP-queue interruption, and QCI when the LPAR has it. */
export function defaultS390Caps(qci: boolean, apxa: boolean): KvmHostCaps {
  const facilities = [S390_FAC_AP_FACILITIES_TEST, S390_FAC_AP_QUEUE_INTERRUPT_CONTROL, S390_FAC_MSA_EXT_3];
  if (qci) facilities.push(S390_FAC_AP_QUERY_CONFIG_INFO);
  return { facilities: facilities.sort((a, b) => a - b), apInstructions: true, apxa: qci && apxa };
}

/** models kvm_s390_set_crycb_format: no MSAX3 → 0; MSAX3 without APXA → 1; with APXA → 2. */
export function crycbFormatFor(facilities: ReadonlySet<number>, apxa: boolean): CrycbFormat {
  if (!facilities.has(S390_FAC_MSA_EXT_3)) return 0;
  return apxa ? 2 : 1;
}

export interface KvmS390Snapshot {
  format: CrycbFormat;
  /** The guest CPU model's facilities (CPU_PROCESSOR fac_list). */
  facilities: number[];
  apie: boolean;
  aesKw: boolean;
  deaKw: boolean;
  /** The whole CRYCB as hex (256 bytes). */
  crycb: string;
}

/** struct kvm_arch on s390: the facilities and the CRYCB; what vfio_ap drives (KvmCrypto). */
export class KvmS390 implements KvmArch, KvmCrypto {
  readonly crycb: Crycb;
  /** The guest CPU model's facilities (KVM_S390_VM_CPU_PROCESSOR); initially the host's. */
  facilities: Set<number>;
  /** ECA_APIE: AP instructions interpreted by the SIE (KVM_S390_VM_CRYPTO_ENABLE_APIE). */
  apie = false;
  aesKw: boolean;
  deaKw: boolean;

  constructor(
    readonly kvm: Kvm,
    private readonly caps: KvmHostCaps,
    facilities: Iterable<number>,
    format: CrycbFormat,
  ) {
    this.facilities = new Set(facilities);
    this.crycb = new Crycb(format);
    // models kvm_s390_crypto_init: protected-key wrapping on by default with MSAX3
    this.aesKw = this.deaKw = this.facilities.has(S390_FAC_MSA_EXT_3);
  }

  get id(): number {
    return this.kvm.id;
  }

  get(): void {
    this.kvm.get();
  }

  put(): void {
    this.kvm.put();
  }

  /** models kvm_arch_crypto_set_masks. */
  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void {
    this.crycb.setMasks(apm, aqm, adm);
    this.kvm.sink?.('crycb-set-masks', this.id, `apm ${apm.toHex()} aqm ${aqm.toHex()} adm ${adm.toHex()}`);
  }

  /** models kvm_arch_crypto_clear_masks. */
  clearMasks(): void {
    this.crycb.clearMasks();
    this.kvm.sink?.('crycb-clear-masks', this.id);
  }

  checkExtension(cap: number): number | undefined {
    return cap === KVM_CAP_VM_ATTRIBUTES ? 1 : undefined;
  }

  /** models kvm_arch_vm_ioctl for the VM attributes. */
  vmIoctl(request: number, arg: IoctlArg): number | undefined {
    switch (request) {
      case KVM_SET_DEVICE_ATTR:
        return this.setAttr(attrArg(arg));
      case KVM_GET_DEVICE_ATTR:
        return this.getAttr(attrArg(arg));
      case KVM_HAS_DEVICE_ATTR:
        return this.hasAttr(attrArg(arg));
      default:
        return undefined;
    }
  }

  /** models kvm_s390_vm_set_attr for the crypto and CPU-model groups. */
  private setAttr(a: { group: number; attr: number; buf: Uint8Array }): number {
    switch (a.group) {
      case KVM_S390_VM_CRYPTO:
        switch (a.attr) {
          case KVM_S390_VM_CRYPTO_ENABLE_APIE:
          case KVM_S390_VM_CRYPTO_DISABLE_APIE:
            // models kvm_s390_vm_set_crypto: APIE needs the AP instructions
            if (!this.caps.apInstructions) throw new KernelError('EOPNOTSUPP');
            this.apie = a.attr === KVM_S390_VM_CRYPTO_ENABLE_APIE;
            this.kvm.sink?.('crypto-apie', this.id, this.apie ? 'on' : 'off');
            return 0;
          case KVM_S390_VM_CRYPTO_ENABLE_AES_KW:
          case KVM_S390_VM_CRYPTO_DISABLE_AES_KW:
          case KVM_S390_VM_CRYPTO_ENABLE_DEA_KW:
          case KVM_S390_VM_CRYPTO_DISABLE_DEA_KW:
            if (!this.facilities.has(S390_FAC_MSA_EXT_3)) throw new KernelError('EINVAL');
            if (a.attr === KVM_S390_VM_CRYPTO_ENABLE_AES_KW || a.attr === KVM_S390_VM_CRYPTO_DISABLE_AES_KW)
              this.aesKw = a.attr === KVM_S390_VM_CRYPTO_ENABLE_AES_KW;
            else this.deaKw = a.attr === KVM_S390_VM_CRYPTO_ENABLE_DEA_KW;
            return 0;
          default:
            throw new KernelError('ENXIO');
        }
      case KVM_S390_VM_CPU_MODEL: {
        if (a.attr !== KVM_S390_VM_CPU_PROCESSOR) throw new KernelError('ENXIO');
        const payload = deviceAttrPayload(a.buf, KVM_S390_VM_CPU_PROCESSOR_SIZE);
        if (!payload) throw new KernelError('EFAULT');
        // models kvm_s390_set_processor: the guest's facility list, within what the host offers
        const offered = new Set(this.caps.facilities);
        this.facilities = new Set(facilitiesOf(decodeCpuProcessor(payload).facList).filter((f) => offered.has(f)));
        this.kvm.sink?.('cpu-model', this.id, `facilities ${[...this.facilities].join(',')}`);
        return 0;
      }
      default:
        throw new KernelError('ENXIO');
    }
  }

  /** models kvm_s390_vm_get_attr for the CPU-model group. */
  private getAttr(a: { group: number; attr: number; buf: Uint8Array }): number {
    if (a.group !== KVM_S390_VM_CPU_MODEL) throw new KernelError('ENXIO');
    if (a.attr === KVM_S390_VM_CPU_PROCESSOR) {
      const payload = deviceAttrPayload(a.buf, KVM_S390_VM_CPU_PROCESSOR_SIZE);
      if (!payload) throw new KernelError('EFAULT');
      payload.fill(0);
      payload.set(facilityList(this.facilities), 16);
      return 0;
    }
    if (a.attr === KVM_S390_VM_CPU_MACHINE) {
      const payload = deviceAttrPayload(a.buf, KVM_S390_VM_CPU_MACHINE_SIZE);
      if (!payload) throw new KernelError('EFAULT');
      payload.fill(0);
      const host = facilityList(this.caps.facilities);
      payload.set(host, 16); // fac_mask: what KVM may offer
      payload.set(host, 16 + S390_ARCH_FAC_LIST_SIZE_BYTE); // fac_list: the machine's
      return 0;
    }
    throw new KernelError('ENXIO');
  }

  /** models kvm_s390_vm_has_attr. */
  private hasAttr(a: { group: number; attr: number }): number {
    switch (a.group) {
      case KVM_S390_VM_CRYPTO:
        if (a.attr >= KVM_S390_VM_CRYPTO_ENABLE_AES_KW && a.attr <= KVM_S390_VM_CRYPTO_DISABLE_DEA_KW) return 0;
        if (a.attr === KVM_S390_VM_CRYPTO_ENABLE_APIE || a.attr === KVM_S390_VM_CRYPTO_DISABLE_APIE) {
          if (this.caps.apInstructions) return 0;
        }
        throw new KernelError('ENXIO');
      case KVM_S390_VM_CPU_MODEL:
        if (a.attr === KVM_S390_VM_CPU_PROCESSOR || a.attr === KVM_S390_VM_CPU_MACHINE) return 0;
        throw new KernelError('ENXIO');
      default:
        throw new KernelError('ENXIO');
    }
  }

  snapshot(): KvmS390Snapshot {
    return {
      format: this.crycb.format,
      facilities: [...this.facilities].sort((a, b) => a - b),
      apie: this.apie,
      aesKw: this.aesKw,
      deaKw: this.deaKw,
      crycb: hexBytes(this.crycb.bytes),
    };
  }
}

/** KVM on s390: VMs of type 0 (KVM_VM_S390_UCONTROL is not offered), CRYCB format from the host. */
export function s390KvmType(caps: KvmHostCaps): KvmArchType {
  return {
    name: 's390',
    validVmType: (type) => type === 0,
    checkExtension: (cap) => (cap === KVM_CAP_VM_ATTRIBUTES ? 1 : undefined),
    /** models kvm_arch_init_vm + kvm_s390_crypto_init (tests may pass other facilities and APXA). */
    create(kvm, opts) {
      const o = (opts ?? {}) as { facilities?: Iterable<number>; apxa?: boolean };
      const facilities = new Set(o.facilities ?? caps.facilities);
      const format = crycbFormatFor(facilities, o.apxa ?? caps.apxa);
      const arch = new KvmS390(kvm, caps, facilities, format);
      kvm.sink?.('vm-create', kvm.id, `crycb format ${format}`);
      return arch;
    },
    restore(kvm, saved) {
      const s = saved as KvmS390Snapshot;
      const arch = new KvmS390(kvm, caps, s.facilities, s.format);
      arch.crycb.bytes.set(Buffer.from(s.crycb, 'hex'));
      arch.apie = s.apie;
      arch.aesKw = s.aesKw;
      arch.deaKw = s.deaKw;
      return arch;
    },
  };
}

/** The s390 part of a VM (its CRYCB and facilities); throws for a VM of another arch. */
export function s390Kvm(kvm: Kvm): KvmS390 {
  if (!(kvm.arch instanceof KvmS390)) throw new Error(`VM ${kvm.id} is not an s390 VM`);
  return kvm.arch;
}

/** What vfio_ap drives of the VM a VFIO group was given (kvm_arch_crypto_*), if it is an s390 VM. */
export function kvmCrypto(kvm: { readonly id: number } | undefined): KvmCrypto | undefined {
  return kvm instanceof Kvm && kvm.arch instanceof KvmS390 ? kvm.arch : undefined;
}
