// The zcrypt user-space ABI (arch/s390/include/uapi/asm/zcrypt.h): the /dev/z90crypt ioctl
// numbers and the ica_rsa_modexpo / ica_rsa_modexpo_crt structs as an s390x process lays
// them out (big-endian, 8-byte pointers, u32 lengths padded to the next pointer).
// Pure values: the twin kernel and the user-space tools share them.

/** _IOC(dir, type, nr, size) of asm-generic/ioctl.h. */
function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}

const IOC_WRITE = 1;
const IOC_READ = 2;
export const ZCRYPT_IOCTL_MAGIC = 0x7a; // 'z'

export const ICARSAMODEXPO = ioc(IOC_READ | IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x05, 0); // 0xC0007A05
export const ICARSACRT = ioc(IOC_READ | IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x06, 0); // 0xC0007A06
export const ZSECSENDCPRB = ioc(IOC_READ | IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x81, 0);
export const ZSENDEP11CPRB = ioc(IOC_READ | IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x04, 0);

/** The ioctl's number field (_IOC_NR), what zcrypt_check_ioctl tests against the node's ioctl mask. */
export function ioctlNr(request: number): number {
  return request & 0xff;
}

/** sizeof(struct ica_rsa_modexpo) on s390x. */
export const ICA_RSA_MODEXPO_SIZE = 48;
/** sizeof(struct ica_rsa_modexpo_crt) on s390x. */
export const ICA_RSA_MODEXPO_CRT_SIZE = 72;

/** struct ica_rsa_modexpo: every key part is inputdatalength bytes, right-justified. */
export interface IcaRsaModexpo {
  inputdata: bigint;
  inputdatalength: number;
  outputdata: bigint;
  outputdatalength: number;
  bKey: bigint;
  nModulus: bigint;
}

/**
 * struct ica_rsa_modexpo_crt. The field names do not say which prime is which: zcrypt
 * (zcrypt_msgtype50.c, zcrypt_cca_key.h) takes np_prime as p, the prime the CRT
 * coefficient is reduced by (u = q^-1 mod p), bp_key as dp and nq_prime/bq_key as q/dq.
 * np_prime, bp_key and u_mult_inv are inputdatalength/2 + 8 bytes, the others /2.
 */
export interface IcaRsaModexpoCrt {
  inputdata: bigint;
  inputdatalength: number;
  outputdata: bigint;
  outputdatalength: number;
  bpKey: bigint;
  bqKey: bigint;
  npPrime: bigint;
  nqPrime: bigint;
  uMultInv: bigint;
}

/** The extra leading bytes of np_prime, bp_key and u_mult_inv (MSGTYPE_ADJUSTMENT). */
export const MSGTYPE_ADJUSTMENT = 8;

/** Byte lengths of the CRT key parts for an input of `length` bytes. */
export function crtPartLengths(length: number): { short: number; long: number } {
  const short = (length + 1) >> 1;
  return { short, long: short + MSGTYPE_ADJUSTMENT };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeModexpo(m: IcaRsaModexpo): Uint8Array {
  const b = new Uint8Array(ICA_RSA_MODEXPO_SIZE);
  const v = view(b);
  v.setBigUint64(0, m.inputdata);
  v.setUint32(8, m.inputdatalength);
  v.setBigUint64(16, m.outputdata);
  v.setUint32(24, m.outputdatalength);
  v.setBigUint64(32, m.bKey);
  v.setBigUint64(40, m.nModulus);
  return b;
}

export function decodeModexpo(b: Uint8Array): IcaRsaModexpo {
  const v = view(b);
  return {
    inputdata: v.getBigUint64(0),
    inputdatalength: v.getUint32(8),
    outputdata: v.getBigUint64(16),
    outputdatalength: v.getUint32(24),
    bKey: v.getBigUint64(32),
    nModulus: v.getBigUint64(40),
  };
}

export function encodeModexpoCrt(c: IcaRsaModexpoCrt): Uint8Array {
  const b = new Uint8Array(ICA_RSA_MODEXPO_CRT_SIZE);
  const v = view(b);
  v.setBigUint64(0, c.inputdata);
  v.setUint32(8, c.inputdatalength);
  v.setBigUint64(16, c.outputdata);
  v.setUint32(24, c.outputdatalength);
  v.setBigUint64(32, c.bpKey);
  v.setBigUint64(40, c.bqKey);
  v.setBigUint64(48, c.npPrime);
  v.setBigUint64(56, c.nqPrime);
  v.setBigUint64(64, c.uMultInv);
  return b;
}

export function decodeModexpoCrt(b: Uint8Array): IcaRsaModexpoCrt {
  const v = view(b);
  return {
    inputdata: v.getBigUint64(0),
    inputdatalength: v.getUint32(8),
    outputdata: v.getBigUint64(16),
    outputdatalength: v.getUint32(24),
    bpKey: v.getBigUint64(32),
    bqKey: v.getBigUint64(40),
    npPrime: v.getBigUint64(48),
    nqPrime: v.getBigUint64(56),
    uMultInv: v.getBigUint64(64),
  };
}

/** Where outputdatalength sits in either struct (put_user after a successful call). */
export const OUTPUTDATALENGTH_OFFSET = 24;
