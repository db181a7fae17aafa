// The CCA key tokens zcrypt puts behind the data of a type 6 RSA request
// (zcrypt_cca_key.h): a public-key token (header 0x1E, public section 0x04) carrying
// exponent and modulus for modular exponentiation, and a private CRT token (private
// section 0x08, format 0x40) carrying p, q, dp, dq, u for the CRT operation. Each is
// preceded by the 6-byte t6_keyblock_hdr.

import { crtPartLengths } from './zcrypt-uapi.js';

export const CCA_TKN_HDR_ID_EXT = 0x1e;
export const CCA_PUB_SEC_ID = 0x04;
export const CCA_PVT_EXT_CRT_SEC_ID_PVT = 0x08;
export const CCA_PVT_EXT_CRT_SEC_FMT_CL = 0x40;
export const CCA_PVT_USAGE_ALL = 0x80;
const T6_KEYBLOCK_HDR = 6;
const TOKEN_HDR = 8;
const PUB_SEC = 12;
/** sizeof(struct cca_pvt_ext_crt_sec). */
const PVT_CRT_SEC = 132;

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function right(src: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(width);
  const take = src.subarray(Math.max(0, src.length - width));
  out.set(take, width - take.length);
  return out;
}

/** models zcrypt_type6_mex_key_en: exponent and modulus, each `length` bytes. */
export function encodeMeKeyBlock(length: number, exponent: Uint8Array, modulus: Uint8Array): Uint8Array {
  const b = new Uint8Array(T6_KEYBLOCK_HDR + TOKEN_HDR + PUB_SEC + 2 * length);
  const v = dv(b);
  const sectionLength = PUB_SEC + 2 * length;
  const tokenLength = sectionLength + TOKEN_HDR;
  v.setUint16(0, tokenLength + 6); // blen
  v.setUint16(2, tokenLength + 4); // ulen
  b[6] = CCA_TKN_HDR_ID_EXT;
  v.setUint16(8, tokenLength);
  const pub = T6_KEYBLOCK_HDR + TOKEN_HDR;
  b[pub] = CCA_PUB_SEC_ID;
  v.setUint16(pub + 2, sectionLength);
  v.setUint16(pub + 6, length); // exponent_len
  v.setUint16(pub + 8, 8 * length); // modulus_bit_len
  v.setUint16(pub + 10, length); // modulus_byte_len
  b.set(right(exponent.subarray(0, length), length), pub + PUB_SEC);
  b.set(right(modulus.subarray(0, length), length), pub + PUB_SEC + length);
  return b;
}

/** The CRT key parts as the ioctl carries them (np_prime, bp_key, u_mult_inv `long` bytes). */
export interface CrtKeyParts {
  npPrime: Uint8Array;
  nqPrime: Uint8Array;
  bpKey: Uint8Array;
  bqKey: Uint8Array;
  uMultInv: Uint8Array;
}

/** models zcrypt_type6_crt_key: the private CRT token, a modulus of 0xFF bytes, public exponent 65537. */
export function encodeCrtKeyBlock(length: number, k: CrtKeyParts): Uint8Array {
  const { short, long } = crtPartLengths(length);
  const padLen = -(3 * long + 2 * short) & 7;
  const keyLen = 3 * long + 2 * short + padLen + length;
  const size = T6_KEYBLOCK_HDR + TOKEN_HDR + PVT_CRT_SEC + keyLen + PUB_SEC + 3;
  const b = new Uint8Array(size);
  const v = dv(b);
  v.setUint16(0, size); // blen
  v.setUint16(2, size - 2); // ulen
  b[6] = CCA_TKN_HDR_ID_EXT;
  v.setUint16(8, size - 6);
  const pvt = T6_KEYBLOCK_HDR + TOKEN_HDR;
  b[pvt] = CCA_PVT_EXT_CRT_SEC_ID_PVT;
  v.setUint16(pvt + 2, PVT_CRT_SEC + keyLen);
  b[pvt + 28] = CCA_PVT_EXT_CRT_SEC_FMT_CL;
  b[pvt + 50] = CCA_PVT_USAGE_ALL;
  [long, short, long, short, long, length].forEach((n, i) => v.setUint16(pvt + 54 + 2 * i, n));
  v.setUint16(pvt + 70, padLen);
  const parts = pvt + PVT_CRT_SEC;
  const order: [Uint8Array, number][] = [
    [k.npPrime, long],
    [k.nqPrime, short],
    [k.bpKey, long],
    [k.bqKey, short],
    [k.uMultInv, long],
  ];
  let at = parts;
  for (const [part, width] of order) {
    b.set(part.subarray(0, width), at);
    at += width;
  }
  b.fill(0xff, at + padLen, at + padLen + length);
  const pub = parts + keyLen;
  b[pub] = CCA_PUB_SEC_ID;
  v.setUint16(pub + 2, 0x000f);
  v.setUint16(pub + 6, 3);
  v.setUint16(pub + 8, 8 * length);
  b.set([0x01, 0x00, 0x01], pub + PUB_SEC);
  return b;
}

export type KeyBlock =
  | { kind: 'public'; exponent: Uint8Array; modulus: Uint8Array }
  | { kind: 'crt'; p: Uint8Array; q: Uint8Array; dp: Uint8Array; dq: Uint8Array; u: Uint8Array; modLen: number };

/** What the coprocessor reads of a key block; undefined when the token is not one it knows. */
export function decodeKeyBlock(b: Uint8Array): KeyBlock | undefined {
  if (b.length < T6_KEYBLOCK_HDR + TOKEN_HDR + 4 || b[6] !== CCA_TKN_HDR_ID_EXT) return undefined;
  const v = dv(b);
  const sec = T6_KEYBLOCK_HDR + TOKEN_HDR;
  if (b[sec] === CCA_PUB_SEC_ID) {
    if (b.length < sec + PUB_SEC) return undefined;
    const expLen = v.getUint16(sec + 6);
    const modLen = v.getUint16(sec + 10);
    const start = sec + PUB_SEC;
    if (b.length < start + expLen + modLen) return undefined;
    return { kind: 'public', exponent: b.subarray(start, start + expLen), modulus: b.subarray(start + expLen, start + expLen + modLen) };
  }
  if (b[sec] === CCA_PVT_EXT_CRT_SEC_ID_PVT) {
    if (b.length < sec + PVT_CRT_SEC) return undefined;
    const [pLen, qLen, dpLen, dqLen, uLen, modLen] = [0, 1, 2, 3, 4, 5].map((i) => v.getUint16(sec + 54 + 2 * i)) as [number, number, number, number, number, number];
    let at = sec + PVT_CRT_SEC;
    const take = (n: number): Uint8Array => b.subarray(at, (at += n));
    if (b.length < at + pLen + qLen + dpLen + dqLen + uLen) return undefined;
    return { kind: 'crt', p: take(pLen), q: take(qLen), dp: take(dpLen), dq: take(dqLen), u: take(uLen), modLen };
  }
  return undefined;
}
