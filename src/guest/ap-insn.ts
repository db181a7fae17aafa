// The AP instructions a guest CPU executes, as the machine (SIE with AP interpretation)
// answers them from the guest's CRYCB: PQAP(QCI) and TAPQ. The guest OS model depends on
// this interface only; guest-machine.ts implements it over the syscall surface.

import type { ApMask } from '../core/ap-mask.js';

// AP response codes (ap_bus.h AP_RESPONSE_*).
export const AP_RESPONSE_NORMAL = 0x00;
export const AP_RESPONSE_Q_NOT_AVAIL = 0x01;
export const AP_RESPONSE_RESET_IN_PROGRESS = 0x02;
export const AP_RESPONSE_DECONFIGURED = 0x03;
export const AP_RESPONSE_CHECKSTOPPED = 0x04;
export const AP_RESPONSE_BUSY = 0x05;

/** The PQAP(QCI) block as the guest sees it (struct ap_config_info). */
export interface QciBlock {
  apxa: boolean;
  /** Maximum APID and APQI (0 when not reported). */
  na: number;
  nd: number;
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
}

/** The TAPQ answer (struct ap_queue_status in GR1, ap_tapq_gr2 in GR2 when T=1). */
export interface TapqResult {
  rc: number;
  /** GR2 facility info: only with the T bit (needs the APFT facility). */
  info?: {
    /** AP type (hwtype): CEX4 = 10 ... CEX8 = 14. */
    at: number;
    /** The 32 ap_functions bits (fac). */
    fac: number;
    /** Queue depth field (QD). */
    qd: number;
    apxa: boolean;
  };
}

/** What the guest CPU can execute; the CPU model decides the facilities. */
export interface GuestCpu {
  /** The `ap` CPU feature: AP instructions installed. */
  readonly ap: boolean;
  /** STFLE 12 / 15 / 65. */
  readonly apqci: boolean;
  readonly apft: boolean;
  readonly apqi: boolean;
  /** PQAP(QCI); only called when apqci is set. */
  qci(): QciBlock;
  /** TAPQ for one APQN; t = ask for the facility bits (only with apft). */
  tapq(apid: number, apqi: number, t: boolean): TapqResult;
}
