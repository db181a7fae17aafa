// What an adapter's firmware makes of a request, per card mode: accelerators (CEXxA)
// compute type 50 requests and answer type 80; CCA coprocessors (CEXxC) compute the type 6
// PKA requests zcrypt sends ("PK"/MRP, "PD"/ZERO-PAD) and random-number requests ("RL")
// and answer type 86; anything an adapter does not take is answered with a type 82 error.
// The reply codes are the ones zcrypt_error.h names; which condition gets which code is the
// twin's reading (see the README's known differences).

import { nodeCrypto } from '../../core/lazy-builtins.js';
import { decodeType50, encodeType80 } from '../../core/ap-msg-type50.js';
import { decodeType6, encodeType86Ica, encodeType86Rng } from '../../core/ap-msg-type6.js';
import { readCprbx, TYPE6_HDR_SIZE, TYPE6_TYPE_CODE, CPRBX_SIZE } from '../../core/cca-cprb.js';
import { bigIntToBytes, bytesToBigInt, modPow, rsaCrt } from '../../core/rsa-math.js';
import {
  REP82_ERROR_EVEN_MOD_IN_OPND,
  REP82_ERROR_MESSAGE_TYPE,
  REP82_ERROR_OPERAND_INVALID,
  REP82_ERROR_OPERAND_SIZE,
  encodeErrorReply,
} from '../../core/zcrypt-error.js';
import { zcryptMode, type ZcryptMode } from '../../core/zcrypt-ops.js';
import { AP_FUNC_CRT4K, AP_FUNC_MEX4K } from '../../core/ap-functions.js';

/** CCA return/reason codes the twin's coprocessor answers with (CCA "Return Codes and Reason Codes"). */
const CCA_KEYWORD_INVALID = [8, 33] as const; // a rule-array keyword that is not valid
const CCA_PKA_TOKEN_INVALID = [8, 770] as const; // the PKA key token has an invalid field

/** The usage domain a type 6 request's CPRB names, which the adapter checks against the queue's. */
export function requestDomain(msg: Uint8Array): number | undefined {
  if (msg[1] !== TYPE6_TYPE_CODE || msg.length < TYPE6_HDR_SIZE + CPRBX_SIZE) return undefined;
  return readCprbx(msg, TYPE6_HDR_SIZE).domain;
}

function accelerator(functions: number, msg: Uint8Array): Uint8Array {
  const r = decodeType50(msg);
  if ('fault' in r) return encodeErrorReply(r.fault);
  if (r.field * (r.kind === 'me' ? 1 : 2) > 256 && !(functions & (r.kind === 'me' ? AP_FUNC_MEX4K : AP_FUNC_CRT4K)))
    return encodeErrorReply(REP82_ERROR_OPERAND_SIZE);
  const m = bytesToBigInt(r.message);
  if (r.kind === 'me') {
    const n = bytesToBigInt(r.modulus);
    if ((n & 1n) === 0n) return encodeErrorReply(REP82_ERROR_EVEN_MOD_IN_OPND);
    if (n < 3n || m >= n) return encodeErrorReply(REP82_ERROR_OPERAND_INVALID);
    return encodeType80(bigIntToBytes(modPow(m, bytesToBigInt(r.exponent), n), r.field), r.field);
  }
  const [p, q] = [bytesToBigInt(r.p), bytesToBigInt(r.q)];
  if ((p & 1n) === 0n || (q & 1n) === 0n) return encodeErrorReply(REP82_ERROR_EVEN_MOD_IN_OPND);
  if (p < 3n || q < 3n || m >= p * q) return encodeErrorReply(REP82_ERROR_OPERAND_INVALID);
  const width = 2 * r.field;
  const out = rsaCrt(m, p, q, bytesToBigInt(r.dp), bytesToBigInt(r.dq), bytesToBigInt(r.u));
  return encodeType80(bigIntToBytes(out, width), width);
}

function coprocessor(msg: Uint8Array): Uint8Array {
  const r = decodeType6(msg);
  if ('fault' in r) return encodeErrorReply(r.fault);
  if (r.kind === 'rng') return encodeType86Rng(r.cprbx, nodeCrypto().randomBytes(r.count));
  if (r.kind === 'other') return encodeType86Ica(r.cprbx, ...CCA_KEYWORD_INVALID);
  const expected = r.function === 'PK' ? 'MRP     ' : 'ZERO-PAD';
  if (r.rule !== expected) return encodeType86Ica(r.cprbx, ...CCA_KEYWORD_INVALID);
  const key = r.key;
  const m = bytesToBigInt(r.text);
  if (r.function === 'PK' && key?.kind === 'public') {
    const n = bytesToBigInt(key.modulus);
    if ((n & 1n) === 0n || n < 3n || m >= n) return encodeType86Ica(r.cprbx, ...CCA_PKA_TOKEN_INVALID);
    return encodeType86Ica(r.cprbx, 0, 0, bigIntToBytes(modPow(m, bytesToBigInt(key.exponent), n), key.modulus.length));
  }
  if (r.function === 'PD' && key?.kind === 'crt') {
    const [p, q] = [bytesToBigInt(key.p), bytesToBigInt(key.q)];
    if ((p & 1n) === 0n || (q & 1n) === 0n || p < 3n || q < 3n || m >= p * q) return encodeType86Ica(r.cprbx, ...CCA_PKA_TOKEN_INVALID);
    const out = rsaCrt(m, p, q, bytesToBigInt(key.dp), bytesToBigInt(key.dq), bytesToBigInt(key.u));
    return encodeType86Ica(r.cprbx, 0, 0, bigIntToBytes(out, key.modLen));
  }
  return encodeType86Ica(r.cprbx, ...CCA_PKA_TOKEN_INVALID);
}

/** The reply an adapter with these facility bits gives to a request message. */
export function processRequest(functions: number, msg: Uint8Array): Uint8Array {
  const mode: ZcryptMode | undefined = zcryptMode(functions);
  if (mode === 'accel' && msg[1] === 0x50) return accelerator(functions, msg);
  if (mode === 'cca' && msg[1] === TYPE6_TYPE_CODE) return coprocessor(msg);
  // EP11 CPRBs are not modelled: an EP11 coprocessor takes no ICA request either
  return encodeErrorReply(REP82_ERROR_MESSAGE_TYPE);
}
