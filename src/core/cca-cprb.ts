// The type 6 / type 86 envelope of CCA requests (zcrypt_msgtype6.h, uapi zcrypt.h): the
// 88-byte type6_hdr, the 220-byte CPRBX, the type86 header with its format-2 extension.
// Big-endian, as the adapter reads them ("the device does *not* have 'Intel inside'").

export const TYPE6_TYPE_CODE = 0x06;
export const TYPE86_RSP_CODE = 0x86;
export const TYPE86_FMT2 = 0x02;
/** sizeof(struct type6_hdr); also offset1, where the CPRB starts. */
export const TYPE6_HDR_SIZE = 0x58;
/** sizeof(struct CPRBX) = cprb_len. */
export const CPRBX_SIZE = 0xdc;
export const CPRBX_VERSION = 0x02;
/** sizeof(struct type86_hdr) + sizeof(struct type86_fmt2_ext). */
export const TYPE86_FMT2_SIZE = 8 + 40;
/** CEXXC_MAX_ICA_RESPONSE_SIZE: the largest type 86 reply to an ICA request. */
export const CEXXC_MAX_ICA_RESPONSE_SIZE = 0x77c;

export interface Type6Header {
  /** agent_id[0..1], e.g. "CA" (CCA) or "XC" (EP11). */
  agentId: string;
  /** function_code, e.g. "PK", "PD", "RL". */
  functionCode: string;
  offset1: number;
  tocardlen1: number;
  fromcardlen1: number;
  fromcardlen2: number;
}

export interface Cprbx {
  cprbLen: number;
  verId: number;
  /** func_id, "T2" for usage requests. */
  funcId: string;
  reqParml: number;
  rplMsgbl: number;
  rpldParml: number;
  rplDatal: number;
  rpldDatal: number;
  ccpRtcode: number;
  ccpRscode: number;
  domain: number;
}

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

export function writeType6Header(b: Uint8Array, h: Type6Header): void {
  const v = dv(b);
  b[1] = TYPE6_TYPE_CODE;
  v.setUint32(16, h.offset1);
  b.set(Buffer.from(h.agentId, 'latin1'), 32);
  b.set(Buffer.from(h.functionCode, 'latin1'), 52);
  v.setUint32(56, h.tocardlen1);
  v.setUint32(72, h.fromcardlen1);
  v.setUint32(76, h.fromcardlen2);
}

export function readType6Header(b: Uint8Array): Type6Header {
  const v = dv(b);
  return {
    agentId: ascii(b.subarray(32, 34)),
    functionCode: ascii(b.subarray(52, 54)),
    offset1: v.getUint32(16),
    tocardlen1: v.getUint32(56),
    fromcardlen1: v.getUint32(72),
    fromcardlen2: v.getUint32(76),
  };
}

/** A usage CPRB (static_cprbx: length 0xDC, version 2, function id "T2") for a domain. */
export function usageCprbx(domain: number, reqParml: number, rplMsgbl: number): Cprbx {
  return { cprbLen: CPRBX_SIZE, verId: CPRBX_VERSION, funcId: 'T2', reqParml, rplMsgbl, rpldParml: 0, rplDatal: 0, rpldDatal: 0, ccpRtcode: 0, ccpRscode: 0, domain };
}

export function writeCprbx(b: Uint8Array, off: number, c: Cprbx): void {
  const v = dv(b);
  v.setUint16(off, c.cprbLen);
  b[off + 2] = c.verId;
  b.set(Buffer.from(c.funcId, 'latin1'), off + 6);
  v.setUint32(off + 12, c.reqParml);
  v.setUint32(off + 20, c.rplMsgbl);
  v.setUint32(off + 24, c.rpldParml);
  v.setUint32(off + 28, c.rplDatal);
  v.setUint32(off + 32, c.rpldDatal);
  v.setUint16(off + 144, c.ccpRtcode);
  v.setUint16(off + 146, c.ccpRscode);
  v.setUint16(off + 170, c.domain);
}

export function readCprbx(b: Uint8Array, off: number): Cprbx {
  const v = dv(b);
  return {
    cprbLen: v.getUint16(off),
    verId: b[off + 2]!,
    funcId: ascii(b.subarray(off + 6, off + 8)),
    reqParml: v.getUint32(off + 12),
    rplMsgbl: v.getUint32(off + 20),
    rpldParml: v.getUint32(off + 24),
    rplDatal: v.getUint32(off + 28),
    rpldDatal: v.getUint32(off + 32),
    ccpRtcode: v.getUint16(off + 144),
    ccpRscode: v.getUint16(off + 146),
    domain: v.getUint16(off + 170),
  };
}

export interface Type86Fmt2 {
  replyCode: number;
  count1: number;
  offset1: number;
  count2: number;
  offset2: number;
}

/** type86_hdr (format 2) and its extension at the start of a reply. */
export function writeType86Header(b: Uint8Array, h: Type86Fmt2): void {
  const v = dv(b);
  b[1] = TYPE86_RSP_CODE;
  b[2] = TYPE86_FMT2;
  b[4] = h.replyCode;
  v.setUint32(16, h.count1);
  v.setUint32(20, h.offset1);
  v.setUint32(24, h.count2);
  v.setUint32(28, h.offset2);
}

export function readType86Header(b: Uint8Array): Type86Fmt2 & { type: number; format: number } {
  const v = dv(b);
  return {
    type: b[1]!,
    format: b[2]!,
    replyCode: b[4]!,
    count1: v.getUint32(16),
    offset1: v.getUint32(20),
    count2: v.getUint32(24),
    offset2: v.getUint32(28),
  };
}
