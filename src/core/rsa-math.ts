// The arithmetic an AP adapter performs for RSA: modular exponentiation and the CRT
// recombination, on big-endian byte strings. The exponentiation runs in OpenSSL (through
// node:crypto's raw RSA public operation, which computes base^e mod n for any odd n and
// e < n within OpenSSL's limits) and falls back to BigInt for what OpenSSL refuses (even
// moduli, e >= n, exponents over 64 bits on moduli over 3072 bits).

import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from './lazy-builtins.js';

export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`);
}

/** x as exactly `length` big-endian bytes (the high bytes dropped if it does not fit). */
export function bigIntToBytes(x: bigint, length: number): Uint8Array {
  const hex = x.toString(16);
  const padded = hex.length >= length * 2 ? hex.slice(hex.length - length * 2) : hex.padStart(length * 2, '0');
  return Uint8Array.from(Buffer.from(padded, 'hex'));
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** OpenSSL's limits for the raw public operation (rsa_ossl_public_encrypt). */
const MAX_MODULUS_BITS = 16384;
const SMALL_MODULUS_BITS = 3072;
const MAX_PUBEXP_BITS = 64;

const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_SIZE = 64;

function b64url(x: bigint): string {
  const hex = x.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}

function opensslKey(mod: bigint, exp: bigint): KeyObject {
  const n = b64url(mod);
  const e = b64url(exp);
  const id = `${n}.${e}`;
  let key = keyCache.get(id);
  if (!key) {
    key = nodeCrypto().createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
    if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

function opensslCan(mod: bigint, exp: bigint): boolean {
  const bits = bitLength(mod);
  if ((mod & 1n) === 0n || mod < 3n || exp === 0n || exp >= mod || bits > MAX_MODULUS_BITS) return false;
  return bits <= SMALL_MODULUS_BITS || bitLength(exp) <= MAX_PUBEXP_BITS;
}

/** Left-to-right sliding-window exponentiation (window 5) in BigInt. */
export function modPowBigInt(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 1n) return 0n;
  const b = base % mod;
  const table = [b];
  const b2 = (b * b) % mod;
  for (let i = 1; i < 16; i++) table.push((table[i - 1]! * b2) % mod);
  const bits = exp.toString(2);
  let r = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      r = (r * r) % mod;
      i++;
      continue;
    }
    let j = Math.min(i + 5, bits.length);
    while (bits[j - 1] === '0') j--;
    for (let k = i; k < j; k++) r = (r * r) % mod;
    r = (r * table[(parseInt(bits.slice(i, j), 2) - 1) >> 1]!) % mod;
    i = j;
  }
  return exp === 0n ? 1n % mod : r;
}

/** base^exp mod mod, for mod >= 1. */
export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (opensslCan(mod, exp)) {
    const len = Math.ceil(bitLength(mod) / 8);
    try {
      const { publicEncrypt, constants } = nodeCrypto();
      const out = publicEncrypt({ key: opensslKey(mod, exp), padding: constants.RSA_NO_PADDING }, bigIntToBytes(base % mod, len));
      return bytesToBigInt(out);
    } catch {
      // OpenSSL refused after all: the BigInt path computes the same function
    }
  }
  return modPowBigInt(base, exp, mod);
}

/** ((a mod m) + m) mod m: a non-negative residue. */
function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * The CRT private operation as the adapters compute it (Garner's recombination):
 * m1 = c^dp mod p, m2 = c^dq mod q, h = u (m1 - m2) mod p, m = m2 + h q, with u = q^-1 mod p.
 */
export function rsaCrt(c: bigint, p: bigint, q: bigint, dp: bigint, dq: bigint, u: bigint): bigint {
  const m1 = modPow(c % p, dp, p);
  const m2 = modPow(c % q, dq, q);
  const h = mod(u * (m1 - m2), p);
  return m2 + h * q;
}
