// The slice of the KVM user-space ABI (include/uapi/linux/kvm.h, arch/s390/include/uapi/asm/kvm.h)
// that a VMM needs to run an s390 guest with a vfio-ap device: /dev/kvm, KVM_CREATE_VM,
// the KVM-VFIO pseudo device and the s390 VM attributes for the CPU model and crypto.
// Pure values, shared by the twin kernel and the VMM.
//
// Twin convention for pointers: the twin has no user memory, so an ioctl argument that the
// kernel dereferences (kvm_device_attr.addr) points INTO the argument buffer: `addr` is the
// byte offset of the payload within the Uint8Array passed to ioctl. encodeDeviceAttr lays
// the payload out right after the 24-byte struct and sets addr accordingly.

import { getU32, getU64, setU32, setU64 } from './vfio-uapi.js';

export const KVMIO = 0xae;

const IOC_WRITE = 1;
const IOC_READ = 2;

/** _IOC(dir, type, nr, size) as asm-generic/ioctl.h builds it. */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

/** KVM_API_VERSION, the answer to KVM_GET_API_VERSION. */
export const KVM_API_VERSION = 12;

// /dev/kvm (system fd)
export const KVM_GET_API_VERSION = ioc(0, KVMIO, 0x00, 0); // 0xAE00
export const KVM_CREATE_VM = ioc(0, KVMIO, 0x01, 0); // 0xAE01, arg = machine type (0 on s390)
export const KVM_CHECK_EXTENSION = ioc(0, KVMIO, 0x03, 0); // 0xAE03, also valid on a VM fd

/** struct kvm_create_device { u32 type; u32 fd; u32 flags; } */
export const KVM_CREATE_DEVICE_SIZE = 12;
/** struct kvm_device_attr { u32 flags; u32 group; u64 attr; u64 addr; } */
export const KVM_DEVICE_ATTR_SIZE = 24;

// VM fd
export const KVM_CREATE_DEVICE = ioc(IOC_READ | IOC_WRITE, KVMIO, 0xe0, KVM_CREATE_DEVICE_SIZE); // 0xC00CAEE0
// VM fd and device fd
export const KVM_SET_DEVICE_ATTR = ioc(IOC_WRITE, KVMIO, 0xe1, KVM_DEVICE_ATTR_SIZE); // 0x4018AEE1
export const KVM_GET_DEVICE_ATTR = ioc(IOC_WRITE, KVMIO, 0xe2, KVM_DEVICE_ATTR_SIZE); // 0x4018AEE2
export const KVM_HAS_DEVICE_ATTR = ioc(IOC_WRITE, KVMIO, 0xe3, KVM_DEVICE_ATTR_SIZE); // 0x4018AEE3

/** KVM_CREATE_DEVICE flag: only test whether the device type is supported. */
export const KVM_CREATE_DEVICE_TEST = 1;

// enum kvm_device_type
export const KVM_DEV_TYPE_FSL_MPIC_20 = 1;
export const KVM_DEV_TYPE_FSL_MPIC_42 = 2;
export const KVM_DEV_TYPE_XICS = 3;
export const KVM_DEV_TYPE_VFIO = 4;
export const KVM_DEV_TYPE_ARM_VGIC_V2 = 5;
export const KVM_DEV_TYPE_FLIC = 6;

// KVM-VFIO device attributes (virt/kvm/vfio.c)
export const KVM_DEV_VFIO_GROUP = 1;
export const KVM_DEV_VFIO_GROUP_ADD = 1;
export const KVM_DEV_VFIO_GROUP_DEL = 2;
export const KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE = 3;

// Capabilities (KVM_CHECK_EXTENSION)
export const KVM_CAP_DEVICE_CTRL = 89;
export const KVM_CAP_VM_ATTRIBUTES = 101;

// s390 VM attribute groups (KVM_SET/GET/HAS_DEVICE_ATTR on the VM fd)
export const KVM_S390_VM_MEM_CTRL = 0;
export const KVM_S390_VM_TOD = 1;
export const KVM_S390_VM_CRYPTO = 2;
export const KVM_S390_VM_CPU_MODEL = 3;

// KVM_S390_VM_CRYPTO attributes
export const KVM_S390_VM_CRYPTO_ENABLE_AES_KW = 0;
export const KVM_S390_VM_CRYPTO_ENABLE_DEA_KW = 1;
export const KVM_S390_VM_CRYPTO_DISABLE_AES_KW = 2;
export const KVM_S390_VM_CRYPTO_DISABLE_DEA_KW = 3;
/** AP instruction interpretation: HAS answers whether the host has AP instructions. */
export const KVM_S390_VM_CRYPTO_ENABLE_APIE = 4;
export const KVM_S390_VM_CRYPTO_DISABLE_APIE = 5;

// KVM_S390_VM_CPU_MODEL attributes
export const KVM_S390_VM_CPU_PROCESSOR = 0;
export const KVM_S390_VM_CPU_MACHINE = 1;

/** S390_ARCH_FAC_LIST_SIZE_BYTE: 2 KiB of facility bits (16384 facilities). */
export const S390_ARCH_FAC_LIST_SIZE_BYTE = 2048;
/** struct kvm_s390_vm_cpu_processor { u64 cpuid; u16 ibc; u8 pad[6]; u64 fac_list[256]; } */
export const KVM_S390_VM_CPU_PROCESSOR_SIZE = 16 + S390_ARCH_FAC_LIST_SIZE_BYTE;
/** struct kvm_s390_vm_cpu_machine { u64 cpuid; u32 ibc; u8 pad[4]; u64 fac_mask[256]; u64 fac_list[256]; } */
export const KVM_S390_VM_CPU_MACHINE_SIZE = 16 + 2 * S390_ARCH_FAC_LIST_SIZE_BYTE;

// STFLE facility numbers that matter for AP passthrough (QEMU target/s390x/cpu_features_def.h.inc)
/** apqci: Query AP Configuration Information. */
export const S390_FAC_AP_QUERY_CONFIG_INFO = 12;
/** apft: AP Facilities Test. */
export const S390_FAC_AP_FACILITIES_TEST = 15;
/** apqi: AP-queue interruption facility. */
export const S390_FAC_AP_QUEUE_INTERRUPT_CONTROL = 65;
/** MSA extension 3: decides CRYCB format 1/2 versus 0. */
export const S390_FAC_MSA_EXT_3 = 76;

/**
 * Facility bit n as STFLE stores it (and the kernel's fac_list u64 array on big-endian
 * s390 holds it): byte n >> 3, bit 0x80 >> (n & 7).
 */
export function facilityTest(list: Uint8Array, n: number): boolean {
  const byte = list[n >> 3];
  return byte !== undefined && (byte & (0x80 >> (n & 7))) !== 0;
}

export function facilitySet(list: Uint8Array, n: number): void {
  if (n >> 3 < list.length) list[n >> 3]! |= 0x80 >> (n & 7);
}

/** A 2 KiB facility list with the given facilities set. */
export function facilityList(facilities: Iterable<number>): Uint8Array {
  const list = new Uint8Array(S390_ARCH_FAC_LIST_SIZE_BYTE);
  for (const n of facilities) facilitySet(list, n);
  return list;
}

/** The facility numbers set in a facility list. */
export function facilitiesOf(list: Uint8Array): number[] {
  const out: number[] = [];
  for (let n = 0; n < list.length * 8; n++) if (facilityTest(list, n)) out.push(n);
  return out;
}

// ---- struct kvm_create_device ----

export interface KvmCreateDevice {
  type: number;
  /** Out: the new device fd. */
  fd: number;
  flags: number;
}

export function encodeCreateDevice(s: Partial<KvmCreateDevice> = {}): Uint8Array {
  const buf = new Uint8Array(KVM_CREATE_DEVICE_SIZE);
  setU32(buf, 0, s.type ?? 0);
  setU32(buf, 4, s.fd ?? 0);
  setU32(buf, 8, s.flags ?? 0);
  return buf;
}

export function decodeCreateDevice(buf: Uint8Array): KvmCreateDevice {
  return { type: getU32(buf, 0), fd: getU32(buf, 4), flags: getU32(buf, 8) };
}

// ---- struct kvm_device_attr (+ payload, see the pointer convention above) ----

export interface KvmDeviceAttr {
  flags: number;
  group: number;
  attr: bigint;
  /** Byte offset of the payload inside the ioctl buffer; 0 when there is none. */
  addr: bigint;
}

/** A kvm_device_attr followed by its payload; addr is set to the payload's offset (24). */
export function encodeDeviceAttr(group: number, attr: number | bigint, payload?: Uint8Array, flags = 0): Uint8Array {
  const buf = new Uint8Array(KVM_DEVICE_ATTR_SIZE + (payload?.length ?? 0));
  setU32(buf, 0, flags);
  setU32(buf, 4, group);
  setU64(buf, 8, BigInt(attr));
  setU64(buf, 16, payload ? BigInt(KVM_DEVICE_ATTR_SIZE) : 0n);
  if (payload) buf.set(payload, KVM_DEVICE_ATTR_SIZE);
  return buf;
}

export function decodeDeviceAttr(buf: Uint8Array): KvmDeviceAttr {
  return { flags: getU32(buf, 0), group: getU32(buf, 4), attr: getU64(buf, 8), addr: getU64(buf, 16) };
}

/** The payload a kvm_device_attr points at (len bytes at addr), or undefined when out of the buffer (EFAULT). */
export function deviceAttrPayload(buf: Uint8Array, len: number): Uint8Array | undefined {
  const addr = Number(getU64(buf, 16));
  if (addr < KVM_DEVICE_ATTR_SIZE || addr + len > buf.length) return undefined;
  return buf.subarray(addr, addr + len);
}

/** KVM_SET_DEVICE_ATTR(KVM_DEV_VFIO_GROUP, ADD or DEL) with the group fd as payload (an s32). */
export function encodeVfioGroupAttr(op: typeof KVM_DEV_VFIO_GROUP_ADD | typeof KVM_DEV_VFIO_GROUP_DEL, groupFd: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setInt32(0, groupFd, true);
  return encodeDeviceAttr(KVM_DEV_VFIO_GROUP, op, payload);
}

// ---- s390 CPU model structs ----

export interface KvmS390VmCpuMachine {
  cpuid: bigint;
  ibc: number;
  /** Facilities KVM can offer a guest (2 KiB, STFLE bit order). */
  facMask: Uint8Array;
  /** Facilities of the host machine (2 KiB, STFLE bit order). */
  facList: Uint8Array;
}

export function decodeCpuMachine(buf: Uint8Array): KvmS390VmCpuMachine {
  const f = S390_ARCH_FAC_LIST_SIZE_BYTE;
  return {
    cpuid: getU64(buf, 0),
    ibc: getU32(buf, 8),
    facMask: buf.slice(16, 16 + f),
    facList: buf.slice(16 + f, 16 + 2 * f),
  };
}

export interface KvmS390VmCpuProcessor {
  cpuid: bigint;
  ibc: number;
  /** Facilities the guest CPU model offers (2 KiB, STFLE bit order). */
  facList: Uint8Array;
}

export function encodeCpuProcessor(s: Partial<KvmS390VmCpuProcessor> = {}): Uint8Array {
  const buf = new Uint8Array(KVM_S390_VM_CPU_PROCESSOR_SIZE);
  setU64(buf, 0, s.cpuid ?? 0n);
  new DataView(buf.buffer).setUint16(8, s.ibc ?? 0, true);
  if (s.facList) buf.set(s.facList.subarray(0, S390_ARCH_FAC_LIST_SIZE_BYTE), 16);
  return buf;
}

export function decodeCpuProcessor(buf: Uint8Array): KvmS390VmCpuProcessor {
  const ibc = buf.length >= 10 ? new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint16(8, true) : 0;
  return { cpuid: getU64(buf, 0), ibc, facList: buf.slice(16, 16 + S390_ARCH_FAC_LIST_SIZE_BYTE) };
}
