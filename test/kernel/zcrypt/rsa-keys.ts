// RSA keys from node:crypto for cross-checks: the JWK parts as bytes and BigInts, and
// node:crypto's own raw RSA operations on them.

import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';

export interface TestKey {
  bits: number;
  /** The modulus width in bytes. */
  length: number;
  n: Uint8Array;
  e: Uint8Array;
  d: Uint8Array;
  p: Uint8Array;
  q: Uint8Array;
  dp: Uint8Array;
  dq: Uint8Array;
  qi: Uint8Array;
  jwk: Record<string, string>;
}

const cache = new Map<number, TestKey>();

const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64url'));

export function rsaKey(bits: number): TestKey {
  let k = cache.get(bits);
  if (!k) {
    const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'jwk' }) as Record<string, string>;
    k = { bits, length: bits / 8, n: b(jwk.n!), e: b(jwk.e!), d: b(jwk.d!), p: b(jwk.p!), q: b(jwk.q!), dp: b(jwk.dp!), dq: b(jwk.dq!), qi: b(jwk.qi!), jwk };
    cache.set(bits, k);
  }
  return k;
}

/** node:crypto's raw private-key operation (input^d mod n). */
export function nodePrivate(k: TestKey, input: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: k.jwk, format: 'jwk' });
  return Uint8Array.from(privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(input)));
}

/** node:crypto's raw public-key operation (input^e mod n). */
export function nodePublic(k: TestKey, input: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: { kty: 'RSA', n: k.jwk.n!, e: k.jwk.e! }, format: 'jwk' });
  return Uint8Array.from(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(input)));
}

/** A message below the modulus: the modulus width with the top byte zero. */
export function messageFor(k: TestKey, seed: number): Uint8Array {
  const m = new Uint8Array(k.length);
  for (let i = 1; i < m.length; i++) m[i] = (seed * 131 + i * 17) & 0xff;
  return m;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
