// AP architecture shared by the machine (the kernel twin) and the programs that run on it
// (the guest): the response codes of AP instructions (ap_bus.h AP_RESPONSE_*) and the
// PQAP(QCI) configuration block (struct ap_config_info).

import type { ApMask } from './ap-mask.js';

export const AP_RESPONSE_NORMAL = 0x00;
export const AP_RESPONSE_Q_NOT_AVAIL = 0x01;
export const AP_RESPONSE_RESET_IN_PROGRESS = 0x02;
export const AP_RESPONSE_DECONFIGURED = 0x03;
export const AP_RESPONSE_CHECKSTOPPED = 0x04;
export const AP_RESPONSE_BUSY = 0x05;
export const AP_RESPONSE_INVALID_ADDRESS = 0x06;
export const AP_RESPONSE_OTHERWISE_CHANGED = 0x07;
/** NQAP: the queue holds as many entries as it is deep. */
export const AP_RESPONSE_Q_FULL = 0x10;
/** DQAP: no reply to dequeue (the same code as Q_FULL, ap_bus.h). */
export const AP_RESPONSE_NO_PENDING_REPLY = 0x10;
export const AP_RESPONSE_INDEX_TOO_BIG = 0x11;
export const AP_RESPONSE_NO_FIRST_PART = 0x13;
/** NQAP: the message is longer than the adapter takes (its max_msg_size). */
export const AP_RESPONSE_MESSAGE_TOO_BIG = 0x15;
export const AP_RESPONSE_REQ_FAC_NOT_INST = 0x16;
/** NQAP: the request names a domain other than the queue's (ap_sm_write's RESPONSE_INVALID_DOMAIN). */
export const AP_RESPONSE_INVALID_DOMAIN = 0x42;

/** PQAP(QCI) result; a machine without facility 12 has none. */
export interface QciInfo {
  apxa: boolean;
  /** Maximum APID and APQI (0 when not reported). */
  na: number;
  nd: number;
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
}
