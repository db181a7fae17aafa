// The AP instructions a guest CPU executes, as the machine (SIE with AP interpretation)
// answers them from the guest's CRYCB: PQAP(QCI) and TAPQ. The guest OS model depends on
// this interface only; guest-machine.ts implements it over the syscall surface.

import type { QciInfo } from '../core/ap-architecture.js';

// the architecture's response codes and QCI block, under the names the guest code uses
export {
  AP_RESPONSE_BUSY,
  AP_RESPONSE_CHECKSTOPPED,
  AP_RESPONSE_DECONFIGURED,
  AP_RESPONSE_NORMAL,
  AP_RESPONSE_Q_NOT_AVAIL,
  AP_RESPONSE_RESET_IN_PROGRESS,
} from '../core/ap-architecture.js';
/** The PQAP(QCI) block as the guest sees it. */
export type QciBlock = QciInfo;

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
