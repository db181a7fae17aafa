// The AP queue status word every AP instruction returns in GR1 (arch/s390/include/asm/ap.h
// struct ap_queue_status): queue empty, replies waiting, queue full, async, IRQ enabled
// and the 8-bit response code, MSB first in a 32-bit word; and the names of the response
// codes as the Principles of Operation gives them.

import {
  AP_RESPONSE_BUSY,
  AP_RESPONSE_CHECKSTOPPED,
  AP_RESPONSE_DECONFIGURED,
  AP_RESPONSE_INDEX_TOO_BIG,
  AP_RESPONSE_INVALID_ADDRESS,
  AP_RESPONSE_INVALID_DOMAIN,
  AP_RESPONSE_MESSAGE_TOO_BIG,
  AP_RESPONSE_NO_FIRST_PART,
  AP_RESPONSE_NORMAL,
  AP_RESPONSE_OTHERWISE_CHANGED,
  AP_RESPONSE_Q_FULL,
  AP_RESPONSE_Q_NOT_AVAIL,
  AP_RESPONSE_REQ_FAC_NOT_INST,
  AP_RESPONSE_RESET_IN_PROGRESS,
} from './ap-architecture.js';

export interface ApQueueStatus {
  queueEmpty: boolean;
  repliesWaiting: boolean;
  queueFull: boolean;
  async: boolean;
  irqEnabled: boolean;
  responseCode: number;
}

const QE = 0x8000_0000;
const RW = 0x4000_0000;
const QF = 0x2000_0000;
const ASYNC = 0x0200_0000;
const IRQ = 0x0100_0000;

/** A status word with only a response code (what a refused instruction answers). */
export function statusOf(responseCode: number, bits: Partial<Omit<ApQueueStatus, 'responseCode'>> = {}): ApQueueStatus {
  return {
    queueEmpty: bits.queueEmpty ?? false,
    repliesWaiting: bits.repliesWaiting ?? false,
    queueFull: bits.queueFull ?? false,
    async: bits.async ?? false,
    irqEnabled: bits.irqEnabled ?? false,
    responseCode,
  };
}

/** The 32-bit GR1 status word. */
export function encodeQueueStatus(s: ApQueueStatus): number {
  return (
    ((s.queueEmpty ? QE : 0) | (s.repliesWaiting ? RW : 0) | (s.queueFull ? QF : 0) | (s.async ? ASYNC : 0) | (s.irqEnabled ? IRQ : 0) | ((s.responseCode & 0xff) << 16)) >>>
    0
  );
}

export function decodeQueueStatus(word: number): ApQueueStatus {
  return {
    queueEmpty: (word & QE) !== 0,
    repliesWaiting: (word & RW) !== 0,
    queueFull: (word & QF) !== 0,
    async: (word & ASYNC) !== 0,
    irqEnabled: (word & IRQ) !== 0,
    responseCode: (word >>> 16) & 0xff,
  };
}

export type ApInstruction = 'TAPQ' | 'NQAP' | 'DQAP' | 'RAPQ' | 'ZAPQ';

const NAMES: Record<number, string> = {
  [AP_RESPONSE_NORMAL]: 'normal',
  [AP_RESPONSE_Q_NOT_AVAIL]: 'APQN not available',
  [AP_RESPONSE_RESET_IN_PROGRESS]: 'reset in progress',
  [AP_RESPONSE_DECONFIGURED]: 'deconfigured',
  [AP_RESPONSE_CHECKSTOPPED]: 'checkstopped',
  [AP_RESPONSE_BUSY]: 'busy',
  [AP_RESPONSE_INVALID_ADDRESS]: 'invalid address',
  [AP_RESPONSE_OTHERWISE_CHANGED]: 'otherwise changed',
  [AP_RESPONSE_INDEX_TOO_BIG]: 'index too big',
  [AP_RESPONSE_NO_FIRST_PART]: 'no first part',
  [AP_RESPONSE_MESSAGE_TOO_BIG]: 'message too big',
  [AP_RESPONSE_REQ_FAC_NOT_INST]: 'required facility not installed',
  [AP_RESPONSE_INVALID_DOMAIN]: 'invalid domain',
};

/** The PoP's name of a response code; 0x10 means "queue full" to NQAP and "no replies pending" to DQAP. */
export function responseCodeName(rc: number, insn: ApInstruction = 'TAPQ'): string {
  if (rc === AP_RESPONSE_Q_FULL) return insn === 'DQAP' ? 'no replies pending' : 'queue full';
  return NAMES[rc] ?? 'unknown';
}
