// The AP instructions a guest CPU executes, as the machine (SIE with AP interpretation)
// answers them from the guest's CRYCB: PQAP(QCI), TAPQ, NQAP, DQAP and the queue resets
// RAPQ/ZAPQ. PQAP(AQIC) is not modelled: the guest polls. The guest OS model depends on
// this interface only; guest-machine.ts implements it over the machine the VMM injects.

import type { QciInfo } from '../core/ap-architecture.js';
import type { ApQueueStatus } from '../core/ap-queue-status.js';

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
  /** The whole status word: queue empty, replies waiting, IRQ enabled and the response code. */
  status: ApQueueStatus;
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

/** DQAP: the status and, with response code 00, the reply and the psmid it was enqueued with. */
export interface DqapResult {
  status: ApQueueStatus;
  psmid?: bigint;
  reply?: Uint8Array;
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
  /** NQAP: enqueue a request message under a program-supplied message id. */
  nqap(apid: number, apqi: number, psmid: bigint, msg: Uint8Array): ApQueueStatus;
  /** DQAP: dequeue the oldest reply. */
  dqap(apid: number, apqi: number): DqapResult;
  /** PQAP(RAPQ) or PQAP(ZAPQ): reset the queue, dropping every request and reply. */
  resetQueue(apid: number, apqi: number): ApQueueStatus;
  /** The guest waits a poll interval (what its AP bus timer does): time passes on the queue. */
  pause(apid: number, apqi: number): void;
}
