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
