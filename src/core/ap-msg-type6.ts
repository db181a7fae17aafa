// Message type 6, what zcrypt sends a CEXxC coprocessor (zcrypt_msgtype6.c): the ICA RSA
// requests PKA encrypt "PK"/"MRP" (modular exponentiation) and PKA decrypt "PD"/"ZERO-PAD"
// (CRT), the random-number request "RL"/"RANDOM", each a type6_hdr + CPRBX + parameter
// block; and the type 86 replies the coprocessor answers with.

import { CEXXC_MAX_ICA_RESPONSE_SIZE, CPRBX_SIZE, TYPE6_HDR_SIZE, TYPE86_FMT2_SIZE, TYPE86_RSP_CODE, readCprbx, readType6Header, readType86Header, usageCprbx, writeCprbx, writeType6Header, writeType86Header, type Cprbx } from './cca-cprb.js';
import { decodeKeyBlock, encodeCrtKeyBlock, encodeMeKeyBlock, type KeyBlock } from './cca-key-token.js';
import type { RsaCrtParts, RsaMeParts } from './ap-msg-type50.js';
import { ERROR_HDR_SIZE, TYPE82_RSP_CODE, TYPE88_RSP_CODE, convertErrorCode, type ReplyOutcome } from './zcrypt-error.js';

/** function_and_rules_block: function code, ulen (10), one 8-byte rule. */
const FNR_SIZE = 12;
/** The parameter block starts after the header and the CPRB. */
export const TYPE6_PARMS = TYPE6_HDR_SIZE + CPRBX_SIZE;
/** sizeof(struct type86x_reply): type86 hdr + fmt2 + CPRBX + pad[4] + length. */
export const TYPE86X_REPLY_SIZE = TYPE86_FMT2_SIZE + CPRBX_SIZE + 4 + 2;
/** ZCRYPT_RNG_BUFFER_SIZE: what zcrypt asks a coprocessor for per random request. */
export const ZCRYPT_RNG_BUFFER_SIZE = 4096;
/** The RNG request: header, CPRBX, function code, rule length, rule, verb and key lengths. */
const RNG_MSG_SIZE = TYPE6_PARMS + 2 + 2 + 8 + 2 + 2;

function fnr(b: Uint8Array, off: number, code: string, rule: string): void {
  b.set(Buffer.from(code, 'latin1'), off);
  new DataView(b.buffer, b.byteOffset).setUint16(off + 2, 10);
  b.set(Buffer.from(rule.padEnd(8, ' '), 'latin1'), off + 4);
}

function icaRequest(code: 'PK' | 'PD', rule: string, domain: number, length: number, input: Uint8Array, key: Uint8Array): Uint8Array {
  const size = TYPE6_PARMS + FNR_SIZE + 2 + length + key.length;
  const b = new Uint8Array(size);
  const tocard = size - TYPE6_HDR_SIZE;
  const fromcard = CEXXC_MAX_ICA_RESPONSE_SIZE - TYPE6_HDR_SIZE;
  writeType6Header(b, { agentId: 'CA', functionCode: code, offset1: TYPE6_HDR_SIZE, tocardlen1: tocard, fromcardlen1: fromcard, fromcardlen2: 0 });
  const parml = size - TYPE6_PARMS;
  // icacrt_msg_to_type6crt_msgx sets rpl_msgbl to the request's parameter length, the ME builder to fromcardlen1
  writeCprbx(b, TYPE6_HDR_SIZE, usageCprbx(domain, parml, code === 'PD' ? parml : fromcard));
  fnr(b, TYPE6_PARMS, code, rule);
  new DataView(b.buffer).setUint16(TYPE6_PARMS + FNR_SIZE, length + 2);
  b.set(input.subarray(0, length), TYPE6_PARMS + FNR_SIZE + 2);
  b.set(key, TYPE6_PARMS + FNR_SIZE + 2 + length);
  return b;
}

/** models icamex_msg_to_type6mex_msgx ("PK", rule "MRP"). */
export function encodeType6Me(p: RsaMeParts, domain: number): Uint8Array {
  return icaRequest('PK', 'MRP', domain, p.length, p.input, encodeMeKeyBlock(p.length, p.exponent, p.modulus));
}

/** models icacrt_msg_to_type6crt_msgx ("PD", rule "ZERO-PAD"). */
export function encodeType6Crt(p: RsaCrtParts, domain: number): Uint8Array {
  return icaRequest('PD', 'ZERO-PAD', domain, p.length, p.input, encodeCrtKeyBlock(p.length, p));
}

/** models rng_type6cprb_msgx: "RL", rule "RANDOM", `count` bytes asked for in fromcardlen2. */
export function encodeType6Rng(domain: number, count = ZCRYPT_RNG_BUFFER_SIZE): Uint8Array {
  const b = new Uint8Array(RNG_MSG_SIZE);
  const len = RNG_MSG_SIZE - TYPE6_HDR_SIZE;
  writeType6Header(b, { agentId: 'CA', functionCode: 'RL', offset1: TYPE6_HDR_SIZE, tocardlen1: len, fromcardlen1: len, fromcardlen2: count });
  writeCprbx(b, TYPE6_HDR_SIZE, { ...usageCprbx(domain, RNG_MSG_SIZE - TYPE6_PARMS, len), rplDatal: count });
  const v = new DataView(b.buffer);
  b.set(Buffer.from('RL', 'latin1'), TYPE6_PARMS);
  v.setUint16(TYPE6_PARMS + 2, 0x0a);
  b.set(Buffer.from('RANDOM  ', 'latin1'), TYPE6_PARMS + 4);
  v.setUint16(TYPE6_PARMS + 12, 2);
  v.setUint16(TYPE6_PARMS + 14, 2);
  return b;
}

export type Type6Request =
  | { kind: 'ica'; cprbx: Cprbx; function: 'PK' | 'PD'; rule: string; text: Uint8Array; key: KeyBlock | undefined }
  | { kind: 'rng'; cprbx: Cprbx; rule: string; count: number }
  | { kind: 'other'; cprbx: Cprbx; function: string };

/** What a coprocessor reads of a type 6 message: a reply code for a broken envelope. */
export function decodeType6(b: Uint8Array): Type6Request | { fault: number } {
  if (b.length < TYPE6_PARMS || b[1] !== 0x06) return { fault: 0x20 }; // REP82_ERROR_MESSAGE_TYPE
  const h = readType6Header(b);
  if (h.offset1 !== TYPE6_HDR_SIZE || h.tocardlen1 !== b.length - TYPE6_HDR_SIZE) return { fault: 0x23 }; // INVALID_MSG_LEN
  const cprbx = readCprbx(b, TYPE6_HDR_SIZE);
  if (cprbx.cprbLen !== CPRBX_SIZE || cprbx.verId !== 0x02) return { fault: 0x29 }; // FORMAT_FIELD
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const code = String.fromCharCode(b[TYPE6_PARMS]!, b[TYPE6_PARMS + 1]!);
  const rule = Buffer.from(b.subarray(TYPE6_PARMS + 4, TYPE6_PARMS + 12)).toString('latin1');
  if (h.functionCode === 'RL' && code === 'RL') return { kind: 'rng', cprbx, rule, count: h.fromcardlen2 };
  if ((h.functionCode !== 'PK' && h.functionCode !== 'PD') || code !== h.functionCode) return { kind: 'other', cprbx, function: h.functionCode };
  const vud = TYPE6_PARMS + FNR_SIZE;
  if (b.length < vud + 2) return { fault: 0x23 };
  const textLen = v.getUint16(vud) - 2;
  if (textLen < 0 || b.length < vud + 2 + textLen) return { fault: 0x23 };
  const text = b.subarray(vud + 2, vud + 2 + textLen);
  return { kind: 'ica', cprbx, function: h.functionCode, rule, text, key: decodeKeyBlock(b.subarray(vud + 2 + textLen)) };
}

/** A type 86 reply to an ICA request: the request's CPRB with the return/reason code, then the data. */
export function encodeType86Ica(req: Cprbx, rtcode: number, rscode: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  // zcrypt_msgtype6_receive accepts sizeof(type86x_reply) + length bytes, length counting itself
  const length = data.length + 2;
  const b = new Uint8Array(TYPE86X_REPLY_SIZE + length);
  writeType86Header(b, { replyCode: 0, count1: b.length - TYPE86_FMT2_SIZE, offset1: TYPE86_FMT2_SIZE, count2: 0, offset2: 0 });
  writeCprbx(b, TYPE86_FMT2_SIZE, { ...req, rpldParml: 4 + length, ccpRtcode: rtcode, ccpRscode: rscode });
  new DataView(b.buffer).setUint16(TYPE86X_REPLY_SIZE - 2, length);
  b.set(data, TYPE86X_REPLY_SIZE);
  return b;
}

/** A type 86 reply to a random-number request: the bytes in the data block (count2/offset2). */
export function encodeType86Rng(req: Cprbx, data: Uint8Array): Uint8Array {
  const offset2 = TYPE86_FMT2_SIZE + CPRBX_SIZE;
  const b = new Uint8Array(offset2 + data.length);
  writeType86Header(b, { replyCode: 0, count1: CPRBX_SIZE, offset1: TYPE86_FMT2_SIZE, count2: data.length, offset2 });
  writeCprbx(b, TYPE86_FMT2_SIZE, { ...req, rpldDatal: data.length });
  b.set(data, offset2);
  return b;
}

/** CCA return/reason codes convert_type86_ica turns into EINVAL; any other nonzero code takes the queue offline (EAGAIN). */
const EINVAL_RC_RS = new Set(['8/66', '8/65', '8/72', '8/770', '12/769']);

/**
 * models zcrypt_msgtype6_receive + convert_response_ica + convert_type86_ica: the data of a
 * type 86 reply, or the errno zcrypt returns for it.
 */
export function convertType6IcaReply(reply: Uint8Array, outputLength: number): ReplyOutcome {
  const type = reply[1];
  if (type === TYPE82_RSP_CODE || type === TYPE88_RSP_CODE) return reply.length >= ERROR_HDR_SIZE ? { ok: false, errno: convertErrorCode(reply[4]!) } : { ok: false, errno: 'EAGAIN', offline: true };
  if (type !== TYPE86_RSP_CODE || reply.length < TYPE86X_REPLY_SIZE) return { ok: false, errno: 'EAGAIN', offline: true };
  const cprbx = readCprbx(reply, TYPE86_FMT2_SIZE);
  if (cprbx.verId !== 0x02) return { ok: false, errno: 'EAGAIN', offline: true };
  const length = new DataView(reply.buffer, reply.byteOffset).getUint16(TYPE86X_REPLY_SIZE - 2);
  if (TYPE86X_REPLY_SIZE + length !== reply.length) return { ok: false, errno: 'EMSGSIZE' };
  if (cprbx.ccpRtcode !== 0 && cprbx.ccpRscode === 0x14f && outputLength > 256) return { ok: false, errno: 'EINVAL' };
  const hdr = readType86Header(reply);
  if (hdr.replyCode) return { ok: false, errno: convertErrorCode(hdr.replyCode) };
  if (cprbx.ccpRtcode !== 0) return EINVAL_RC_RS.has(`${cprbx.ccpRtcode}/${cprbx.ccpRscode}`) ? { ok: false, errno: 'EINVAL' } : { ok: false, errno: 'EAGAIN', offline: true };
  const dataLen = length - 2;
  if (dataLen > outputLength) return { ok: false, errno: 'EMSGSIZE' };
  return { ok: true, data: reply.slice(TYPE86X_REPLY_SIZE, TYPE86X_REPLY_SIZE + dataLen) };
}

/** models convert_response_rng + convert_type86_rng: the random bytes, or EINVAL. */
export function convertType6RngReply(reply: Uint8Array): ReplyOutcome {
  const type = reply[1];
  if (type === TYPE82_RSP_CODE || type === TYPE88_RSP_CODE) return { ok: false, errno: 'EINVAL' };
  if (type !== TYPE86_RSP_CODE || reply.length < TYPE86_FMT2_SIZE + CPRBX_SIZE) return { ok: false, errno: 'EAGAIN', offline: true };
  const hdr = readType86Header(reply);
  const cprbx = readCprbx(reply, TYPE86_FMT2_SIZE);
  if (hdr.replyCode || cprbx.ccpRtcode !== 0 || cprbx.ccpRscode !== 0) return { ok: false, errno: 'EINVAL' };
  if (hdr.offset2 + hdr.count2 !== reply.length) return { ok: false, errno: 'EMSGSIZE' };
  return { ok: true, data: reply.slice(hdr.offset2, hdr.offset2 + hdr.count2) };
}
