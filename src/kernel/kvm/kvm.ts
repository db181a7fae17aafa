// KVM on s390 (virt/kvm/kvm_main.c, arch/s390/kvm/kvm-s390.c): /dev/kvm, VMs with their
// facilities and CRYCB, the s390 VM attributes a VMM needs for the CPU model and AP, and
// KVM_CREATE_DEVICE for the KVM-VFIO pseudo device.
//
// How user space runs a VM on the twin (the real uAPI, see core/kvm-uapi.ts):
//   kvm = open('/dev/kvm', O_RDWR); vm = ioctl(kvm, KVM_CREATE_VM, 0)
//   ioctl(vm, KVM_HAS_DEVICE_ATTR, attr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE))  → 0 when the host has AP
//   ioctl(vm, KVM_GET_DEVICE_ATTR, attr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_MACHINE, 4112 bytes)) → host facilities
//   ioctl(vm, KVM_SET_DEVICE_ATTR, attr(KVM_S390_VM_CPU_MODEL, KVM_S390_VM_CPU_PROCESSOR, 2064 bytes)) → guest facilities
//   ioctl(vm, KVM_SET_DEVICE_ATTR, attr(KVM_S390_VM_CRYPTO, KVM_S390_VM_CRYPTO_ENABLE_APIE))
//   cd = encodeCreateDevice({type: KVM_DEV_TYPE_VFIO}); ioctl(vm, KVM_CREATE_DEVICE, cd); kvmVfioFd = decodeCreateDevice(cd).fd
//   ioctl(kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_ADD, groupFd))
// The VM lives while its fd or any of its device fds is open (kvm_get_kvm/kvm_put_kvm).

import { KernelError } from '../../core/errno.js';
import {
  KVM_API_VERSION,
  KVM_CAP_DEVICE_CTRL,
  KVM_CAP_VM_ATTRIBUTES,
  KVM_CHECK_EXTENSION,
  KVM_CREATE_DEVICE,
  KVM_CREATE_DEVICE_SIZE,
  KVM_CREATE_DEVICE_TEST,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_VFIO,
  KVM_GET_API_VERSION,
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
  decodeCreateDevice,
  deviceAttrPayload,
  facilitiesOf,
  facilityList,
} from '../../core/kvm-uapi.js';
import type { ApMask } from '../../core/ap-mask.js';
import { setU32 } from '../../core/vfio-uapi.js';
import { O_RDWR, type IoctlArg } from '../syscall-surface.js';
import { CharDevice, type CheckpointRefs, type DeviceFile, type FileCheckpoint, type Task } from '../vfs/node.js';
import type { Vfs } from '../vfs/vfs.js';
import { Crycb, hexBytes, type CrycbFormat } from './crycb.js';
import type { KvmCrypto } from './kvm-crypto.js';
import { KVM_VFIO_CHECKPOINT_KIND, KvmVfio, KvmVfioFile, attrArg } from './kvm-vfio.js';

/** /dev/kvm is misc minor 232. */
export const KVM_MINOR = 232;

export const KVM_CHECKPOINT_KIND = 'kvm';
export const KVM_VM_CHECKPOINT_KIND = 'kvm-vm';

/** Observes VM events (the realize-flow trace); no effect on behaviour. */
export type KvmEventSink = (event: string, vm: number, detail?: string) => void;

/** What the host machine gives KVM: its facility list and whether AP instructions and APXA exist. */
export interface KvmHostCaps {
  /** STFLE facilities of the host (the CPU_MACHINE fac_list and fac_mask). */
  facilities: number[];
  /** ap_instructions_available(): the host has the AP instructions. */
  apInstructions: boolean;
  /** kvm_s390_apxa_installed(): PQAP(QCI) works and reports APXA. */
  apxa: boolean;
}

/** models kvm_s390_set_crycb_format: no MSAX3 → 0; MSAX3 without APXA → 1; with APXA → 2. */
export function crycbFormatFor(facilities: ReadonlySet<number>, apxa: boolean): CrycbFormat {
  if (!facilities.has(S390_FAC_MSA_EXT_3)) return 0;
  return apxa ? 2 : 1;
}

export interface KvmSnapshot {
  id: number;
  format: CrycbFormat;
  /** The guest CPU model's facilities (CPU_PROCESSOR fac_list). */
  facilities: number[];
  apie: boolean;
  aesKw: boolean;
  deaKw: boolean;
  /** The whole CRYCB as hex (256 bytes). */
  crycb: string;
  /** VFIO group ids added through the VM's KVM-VFIO device, or null when it has none. */
  kvmVfio: number[] | null;
  /** Open files holding the VM (its fd and its device fds). */
  refs: number;
}

/** struct kvm for s390: what the twin needs of a VM. */
export class Kvm implements KvmCrypto {
  readonly crycb: Crycb;
  /** The guest CPU model's facilities (KVM_S390_VM_CPU_PROCESSOR); initially the host's. */
  facilities: Set<number>;
  /** ECA_APIE: AP instructions interpreted by the SIE (KVM_S390_VM_CRYPTO_ENABLE_APIE). */
  apie = false;
  aesKw: boolean;
  deaKw: boolean;
  kvmVfio: KvmVfio | undefined;
  /** kvm->users_count, counting open files (the VM fd and its device fds). */
  refs = 0;
  destroyed = false;

  constructor(
    readonly id: number,
    readonly registry: KvmRegistry,
    facilities: Iterable<number>,
    format: CrycbFormat,
  ) {
    this.facilities = new Set(facilities);
    this.crycb = new Crycb(format);
    // models kvm_s390_crypto_init: protected-key wrapping on by default with MSAX3
    this.aesKw = this.deaKw = this.facilities.has(S390_FAC_MSA_EXT_3);
  }

  get sink(): KvmEventSink | undefined {
    return this.registry.sink;
  }

  /** models kvm_arch_crypto_set_masks. */
  setMasks(apm: ApMask, aqm: ApMask, adm: ApMask): void {
    this.crycb.setMasks(apm, aqm, adm);
    this.sink?.('crycb-set-masks', this.id, `apm ${apm.toHex()} aqm ${aqm.toHex()} adm ${adm.toHex()}`);
  }

  /** models kvm_arch_crypto_clear_masks. */
  clearMasks(): void {
    this.crycb.clearMasks();
    this.sink?.('crycb-clear-masks', this.id);
  }

  get(): void {
    this.refs++;
  }

  /** models kvm_put_kvm: the last reference destroys the VM (and its devices). */
  put(): void {
    if (this.refs > 0) this.refs--;
    if (this.refs === 0) this.registry.destroy(this);
  }

  /** models kvm_vm_ioctl_create_device: one KVM-VFIO device per VM (EBUSY). */
  private createDevice(arg: IoctlArg, task: Task): number {
    if (!(arg instanceof Uint8Array) || arg.length < KVM_CREATE_DEVICE_SIZE) throw new KernelError('EFAULT');
    const cd = decodeCreateDevice(arg);
    if (cd.type !== KVM_DEV_TYPE_VFIO) throw new KernelError('ENODEV');
    if (cd.flags & KVM_CREATE_DEVICE_TEST) return 0;
    if (this.kvmVfio) throw new KernelError('EBUSY');
    this.kvmVfio = new KvmVfio(this);
    this.get();
    const fd = task.install(new KvmVfioFile(this.kvmVfio), O_RDWR);
    setU32(arg, 4, fd);
    this.sink?.('kvm-vfio-create', this.id);
    return 0;
  }

  /** models kvm_arch_vm_ioctl + kvm_vm_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case KVM_CHECK_EXTENSION:
        return this.registry.checkExtension(typeof arg === 'number' ? arg : -1);
      case KVM_CREATE_DEVICE:
        return this.createDevice(arg, task);
      case KVM_SET_DEVICE_ATTR:
        return this.setAttr(attrArg(arg));
      case KVM_GET_DEVICE_ATTR:
        return this.getAttr(attrArg(arg));
      case KVM_HAS_DEVICE_ATTR:
        return this.hasAttr(attrArg(arg));
      default:
        throw new KernelError('ENOTTY');
    }
  }

  /** models kvm_s390_vm_set_attr for the crypto and CPU-model groups. */
  private setAttr(a: { group: number; attr: number; buf: Uint8Array }): number {
    const host = this.registry.caps;
    switch (a.group) {
      case KVM_S390_VM_CRYPTO:
        switch (a.attr) {
          case KVM_S390_VM_CRYPTO_ENABLE_APIE:
          case KVM_S390_VM_CRYPTO_DISABLE_APIE:
            // models kvm_s390_vm_set_crypto: APIE needs the AP instructions
            if (!host.apInstructions) throw new KernelError('EOPNOTSUPP');
            this.apie = a.attr === KVM_S390_VM_CRYPTO_ENABLE_APIE;
            this.sink?.('crypto-apie', this.id, this.apie ? 'on' : 'off');
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
        const offered = new Set(this.registry.caps.facilities);
        this.facilities = new Set(facilitiesOf(decodeCpuProcessor(payload).facList).filter((f) => offered.has(f)));
        this.sink?.('cpu-model', this.id, `facilities ${[...this.facilities].join(',')}`);
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
      const host = facilityList(this.registry.caps.facilities);
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
          if (this.registry.caps.apInstructions) return 0;
        }
        throw new KernelError('ENXIO');
      case KVM_S390_VM_CPU_MODEL:
        if (a.attr === KVM_S390_VM_CPU_PROCESSOR || a.attr === KVM_S390_VM_CPU_MACHINE) return 0;
        throw new KernelError('ENXIO');
      default:
        throw new KernelError('ENXIO');
    }
  }

  snapshot(): KvmSnapshot {
    return {
      id: this.id,
      format: this.crycb.format,
      facilities: [...this.facilities].sort((a, b) => a - b),
      apie: this.apie,
      aesKw: this.aesKw,
      deaKw: this.deaKw,
      crycb: hexBytes(this.crycb.bytes),
      kvmVfio: this.kvmVfio ? this.kvmVfio.groups.filter((g) => g.registered).map((g) => g.id) : null,
      refs: this.refs,
    };
  }
}

/** The VM fd ("kvm-vm" anon inode). */
export class KvmVmFile implements DeviceFile {
  private released = false;

  constructor(readonly kvm: Kvm) {}

  ioctl(request: number, arg: IoctlArg, task: Task): number {
    return this.kvm.ioctl(request, arg, task);
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: KVM_VM_CHECKPOINT_KIND, id: this.kvm.id };
  }

  /** models kvm_vm_release. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.kvm.put();
  }
}

/** An open /dev/kvm (kvm_chardev_ops). */
export class KvmSystemFile implements DeviceFile {
  constructor(private readonly registry: KvmRegistry) {}

  /** models kvm_dev_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    switch (request) {
      case KVM_GET_API_VERSION:
        if (arg !== undefined && arg !== 0) throw new KernelError('EINVAL');
        return KVM_API_VERSION;
      case KVM_CREATE_VM: {
        // models kvm_arch_init_vm: type 0, or KVM_VM_S390_UCONTROL (not offered by the twin)
        const type = arg === undefined ? 0 : arg;
        if (type !== 0) throw new KernelError('EINVAL');
        const kvm = this.registry.create();
        kvm.get();
        return task.install(new KvmVmFile(kvm), O_RDWR);
      }
      case KVM_CHECK_EXTENSION:
        return this.registry.checkExtension(typeof arg === 'number' ? arg : -1);
      default:
        throw new KernelError('EINVAL');
    }
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: KVM_CHECKPOINT_KIND, id: 0 };
  }

  release(): void {}
}

/** All VMs of the host, and /dev/kvm. */
export class KvmRegistry {
  readonly vms = new Map<number, Kvm>();
  nextId = 0;
  sink: KvmEventSink | undefined;

  constructor(
    readonly caps: KvmHostCaps,
    vfs?: Vfs,
  ) {
    vfs?.attach('/dev/kvm', new CharDevice(10, KVM_MINOR, 0o666, () => new KvmSystemFile(this)));
  }

  /** The host's default: MSAX3, APFT, AP-queue interruption, and QCI when the LPAR has it. */
  static defaultCaps(qci: boolean, apxa: boolean): KvmHostCaps {
    const facilities = [S390_FAC_AP_FACILITIES_TEST, S390_FAC_AP_QUEUE_INTERRUPT_CONTROL, S390_FAC_MSA_EXT_3];
    if (qci) facilities.push(S390_FAC_AP_QUERY_CONFIG_INFO);
    return { facilities: facilities.sort((a, b) => a - b), apInstructions: true, apxa: qci && apxa };
  }

  /**
   * models kvm_create_vm + kvm_s390_crypto_init: a VM whose CRYCB format follows the host
   * (or, for tests, the given facilities and APXA).
   */
  create(opts: { facilities?: Iterable<number>; apxa?: boolean } = {}): Kvm {
    const facilities = new Set(opts.facilities ?? this.caps.facilities);
    const format = crycbFormatFor(facilities, opts.apxa ?? this.caps.apxa);
    const kvm = new Kvm(this.nextId++, this, facilities, format);
    this.vms.set(kvm.id, kvm);
    this.sink?.('vm-create', kvm.id, `crycb format ${format}`);
    return kvm;
  }

  /** models kvm_destroy_vm: its devices go first (the KVM-VFIO device releases its groups). */
  destroy(kvm: Kvm): void {
    if (kvm.destroyed) return;
    kvm.destroyed = true;
    kvm.kvmVfio?.destroy();
    this.vms.delete(kvm.id);
    this.sink?.('vm-destroy', kvm.id);
  }

  /** models kvm_vm_ioctl_check_extension_generic for the capabilities the twin has. */
  checkExtension(cap: number): number {
    return cap === KVM_CAP_DEVICE_CTRL || cap === KVM_CAP_VM_ATTRIBUTES ? 1 : 0;
  }

  get(id: number): Kvm | undefined {
    return this.vms.get(id);
  }

  // ---- checkpoint / restore -----------------------------------------------------------

  snapshot(): { nextId: number; vms: KvmSnapshot[] } {
    return { nextId: this.nextId, vms: [...this.vms.values()].map((k) => k.snapshot()) };
  }

  /** Rebuilds the VMs (CRYCB bytes included); KVM-VFIO group lists are bound by restoreKvmVfio. */
  restore(s: { nextId: number; vms: KvmSnapshot[] }): void {
    this.nextId = s.nextId;
    for (const v of s.vms) {
      const kvm = new Kvm(v.id, this, v.facilities, v.format);
      kvm.crycb.bytes.set(Buffer.from(v.crycb, 'hex'));
      kvm.apie = v.apie;
      kvm.aesKw = v.aesKw;
      kvm.deaKw = v.deaKw;
      kvm.refs = v.refs;
      this.vms.set(kvm.id, kvm);
    }
  }

  /** Re-adds the KVM-VFIO devices' groups (no notifier calls: the groups' KVM is restored with them). */
  restoreKvmVfio(s: { vms: KvmSnapshot[] }, group: (id: number) => import('../vfio/vfio-group.js').VfioGroup | undefined): void {
    for (const v of s.vms) {
      const kvm = this.vms.get(v.id);
      if (!kvm || v.kvmVfio === null) continue;
      kvm.kvmVfio = new KvmVfio(kvm);
      for (const id of v.kvmVfio) {
        const g = group(id);
        if (g) kvm.kvmVfio.groups.push(g);
      }
    }
  }

  /** Rebuilds a checkpointed KVM file; undefined when not a KVM file. */
  restoreFile(ckpt: FileCheckpoint): DeviceFile | undefined {
    switch (ckpt.kind) {
      case KVM_CHECKPOINT_KIND:
        return new KvmSystemFile(this);
      case KVM_VM_CHECKPOINT_KIND: {
        const kvm = this.vms.get(ckpt.id);
        if (!kvm) throw new KernelError('ENOENT', `VM ${ckpt.id} missing from the checkpoint`);
        return new KvmVmFile(kvm);
      }
      case KVM_VFIO_CHECKPOINT_KIND: {
        const kvm = this.vms.get(ckpt.id);
        if (!kvm?.kvmVfio) throw new KernelError('ENOENT', `KVM-VFIO device of VM ${ckpt.id} missing from the checkpoint`);
        return new KvmVfioFile(kvm.kvmVfio);
      }
      default:
        return undefined;
    }
  }
}
