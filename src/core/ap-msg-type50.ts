// Message type 50, what zcrypt sends a CEXxA accelerator for RSA (zcrypt_msgtype50.c):
// MEB1-3 (modular exponentiation) and CRB1-3 (CRT) in 128/256/512-byte key fields, and the
// type 80 reply. All numbers are right-justified and left-padded with zeros; all header
// fields are big-endian. The builders take the ioctl's key parts as zcrypt copies them
// from user space; the parsers are what the adapter firmware reads.

import { MSGTYPE_ADJUSTMENT, crtPartLengths } from './zcrypt-uapi.js';
import { ERROR_HDR_SIZE, TYPE82_RSP_CODE, TYPE88_RSP_CODE, convertErrorCode, type ReplyOutcome } from './zcrypt-error.js';

export const TYPE50_TYPE_CODE = 0x50;
export const TYPE80_RSP_CODE = 0x80;
export const TYPE50_MEB1_FMT = 0x0001;
export const TYPE50_MEB2_FMT = 0x0002;
export const TYPE50_MEB3_FMT = 0x0003;
export const TYPE50_CRB1_FMT = 0x0011;
export const TYPE50_CRB2_FMT = 0x0012;
export const TYPE50_CRB3_FMT = 0x0013;
/** type50_hdr (8 bytes) + keyblock_type + reserved[6]. */
export const TYPE50_PREFIX = 16;
/** sizeof(struct type80_hdr). */
export const TYPE80_HDR_SIZE = 16;
/** CEX3A_MAX_MOD_SIZE: the modulus bytes of a 4096-bit key. */
export const CEX3A_MAX_MOD_SIZE = 512;

/** The key-field width of each format: ME formats hold exponent, modulus, message; CRT p, q, dp, dq, u and a message twice as wide. */
export const TYPE50_FORMATS: Record<number, { kind: 'me' | 'crt'; field: number; size: number }> = {
  [TYPE50_MEB1_FMT]: { kind: 'me', field: 128, size: TYPE50_PREFIX + 3 * 128 },
  [TYPE50_MEB2_FMT]: { kind: 'me', field: 256, size: TYPE50_PREFIX + 3 * 256 },
  [TYPE50_MEB3_FMT]: { kind: 'me', field: 512, size: TYPE50_PREFIX + 3 * 512 },
  [TYPE50_CRB1_FMT]: { kind: 'crt', field: 64, size: TYPE50_PREFIX + 5 * 64 + 128 },
  [TYPE50_CRB2_FMT]: { kind: 'crt', field: 128, size: TYPE50_PREFIX + 5 * 128 + 256 },
  [TYPE50_CRB3_FMT]: { kind: 'crt', field: 256, size: TYPE50_PREFIX + 5 * 256 + 512 },
};

/** MSGTYPE50_CRB3_MAX_MSG_SIZE: the largest type 50 message. */
export const MSGTYPE50_CRB3_MAX_MSG_SIZE = TYPE50_FORMATS[TYPE50_CRB3_FMT]!.size;

export interface RsaMeParts {
  /** inputdatalength: the modulus width in bytes. */
  length: number;
  input: Uint8Array;
  exponent: Uint8Array;
  modulus: Uint8Array;
}

/** The CRT key parts exactly as the ioctl carries them (np_prime, bp_key, u_mult_inv 8 bytes longer). */
export interface RsaCrtParts {
  length: number;
  input: Uint8Array;
  npPrime: Uint8Array;
  nqPrime: Uint8Array;
  bpKey: Uint8Array;
  bqKey: Uint8Array;
  uMultInv: Uint8Array;
}

function header(b: Uint8Array, format: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b[1] = TYPE50_TYPE_CODE;
  v.setUint16(2, b.length);
  v.setUint16(8, format);
}

/** Copies `src` right-justified into the field at `off` of width `width`. */
function putRight(b: Uint8Array, off: number, width: number, src: Uint8Array): void {
  b.set(src.subarray(Math.max(0, src.length - width)), off + width - Math.min(width, src.length));
}

/** models ICAMEX_msg_to_type50MEX_msg; undefined for a modulus over 512 bytes (EINVAL). */
export function encodeType50Me(p: RsaMeParts): Uint8Array | undefined {
  const format = p.length <= 128 ? TYPE50_MEB1_FMT : p.length <= 256 ? TYPE50_MEB2_FMT : p.length <= 512 ? TYPE50_MEB3_FMT : undefined;
  if (format === undefined) return undefined;
  const { field, size } = TYPE50_FORMATS[format]!;
  const b = new Uint8Array(size);
  header(b, format);
  putRight(b, TYPE50_PREFIX, field, p.exponent.subarray(0, p.length));
  putRight(b, TYPE50_PREFIX + field, field, p.modulus.subarray(0, p.length));
  putRight(b, TYPE50_PREFIX + 2 * field, field, p.input.subarray(0, p.length));
  return b;
}

/** models ICACRT_msg_to_type50CRT_msg (CRB3 only on 4K-capable cards); undefined means EINVAL. */
export function encodeType50Crt(p: RsaCrtParts, maxModSize: number): Uint8Array | undefined {
  const format =
    p.length <= 128 ? TYPE50_CRB1_FMT : p.length <= 256 ? TYPE50_CRB2_FMT : p.length <= 512 && maxModSize === CEX3A_MAX_MOD_SIZE ? TYPE50_CRB3_FMT : undefined;
  if (format === undefined) return undefined;
  const { field, size } = TYPE50_FORMATS[format]!;
  const { short } = crtPartLengths(p.length);
  const b = new Uint8Array(size);
  header(b, format);
  const adj = (x: Uint8Array): Uint8Array => x.subarray(MSGTYPE_ADJUSTMENT, MSGTYPE_ADJUSTMENT + short);
  const parts = [adj(p.npPrime), p.nqPrime.subarray(0, short), adj(p.bpKey), p.bqKey.subarray(0, short), adj(p.uMultInv)];
  parts.forEach((part, i) => putRight(b, TYPE50_PREFIX + i * field, field, part));
  putRight(b, TYPE50_PREFIX + 5 * field, 2 * field, p.input.subarray(0, p.length));
  return b;
}

export type Type50Request =
  | { kind: 'me'; format: number; field: number; exponent: Uint8Array; modulus: Uint8Array; message: Uint8Array }
  | { kind: 'crt'; format: number; field: number; p: Uint8Array; q: Uint8Array; dp: Uint8Array; dq: Uint8Array; u: Uint8Array; message: Uint8Array };

/** Why a type 50 message cannot be parsed, as the adapter's reply code (zcrypt_error.h). */
export type Type50Fault = { fault: number };

/** What the adapter firmware reads of a type 50 message. */
export function decodeType50(b: Uint8Array): Type50Request | Type50Fault {
  if (b.length < TYPE50_PREFIX || b[1] !== TYPE50_TYPE_CODE) return { fault: 0x20 }; // REP82_ERROR_MESSAGE_TYPE
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint16(2) !== b.length) return { fault: 0x23 }; // REP82_ERROR_INVALID_MSG_LEN
  if (b[0] !== 0 || b[4] !== 0 || v.getUint16(6) !== 0 || b.subarray(10, 16).some((x) => x !== 0)) return { fault: 0x24 }; // RESERVD_FIELD
  const format = v.getUint16(8);
  const f = TYPE50_FORMATS[format];
  if (!f) return { fault: 0x29 }; // REP82_ERROR_FORMAT_FIELD
  if (b.length !== f.size) return { fault: 0x23 };
  const at = (i: number, width = f.field): Uint8Array => b.subarray(TYPE50_PREFIX + i * f.field, TYPE50_PREFIX + i * f.field + width);
  if (f.kind === 'me') return { kind: 'me', format, field: f.field, exponent: at(0), modulus: at(1), message: at(2) };
  return { kind: 'crt', format, field: f.field, p: at(0), q: at(1), dp: at(2), dq: at(3), u: at(4), message: at(5, 2 * f.field) };
}

/** A type 80 reply: its header, then the result right-justified in `width` bytes. */
export function encodeType80(result: Uint8Array, width: number): Uint8Array {
  const b = new Uint8Array(TYPE80_HDR_SIZE + width);
  b[1] = TYPE80_RSP_CODE;
  new DataView(b.buffer).setUint16(2, b.length);
  putRight(b, TYPE80_HDR_SIZE, width, result);
  return b;
}

/**
 * models zcrypt_msgtype50_receive + convert_response: the last `outputLength` bytes of a
 * type 80 reply, EINVAL/EAGAIN for an error reply, EAGAIN and the queue offline for a reply
 * that is too short or of an unknown type.
 */
export function convertType50Reply(reply: Uint8Array, outputLength: number): ReplyOutcome {
  const type = reply[1];
  if (type === TYPE80_RSP_CODE) {
    const len = reply.length >= 4 ? new DataView(reply.buffer, reply.byteOffset).getUint16(2) : 0;
    if (len !== reply.length) return { ok: false, errno: 'EMSGSIZE' };
    if (len < TYPE80_HDR_SIZE + outputLength) return { ok: false, errno: 'EAGAIN', offline: true };
    return { ok: true, data: reply.slice(len - outputLength, len) };
  }
  if ((type === TYPE82_RSP_CODE || type === TYPE88_RSP_CODE) && reply.length >= ERROR_HDR_SIZE) return { ok: false, errno: convertErrorCode(reply[4]!) };
  return { ok: false, errno: 'EAGAIN', offline: true };
}
