// The s390 machine under a guest, as far as AP goes: the SIE interprets the guest's AP
// instructions (ECA_APIE) against its CRYCB and the real AP hardware. The twin host
// supplies a GuestMachine (CRYCB bytes and the AP hardware's instructions); this file
// turns it into the GuestCpu the guest OS model runs on.

import { AP_RESPONSE_Q_NOT_AVAIL } from '../core/ap-architecture.js';
import { ApMask } from '../core/ap-mask.js';
import { statusOf, type ApQueueStatus } from '../core/ap-queue-status.js';
import type { DqapResult, GuestCpu, QciBlock, TapqResult } from './ap-insn.js';

export type CrycbFormat = 0 | 1 | 2;

/** The guest's CRYCB as the machine reads it. */
export interface CrycbView {
  format: CrycbFormat;
  apm: ApMask;
  aqm: ApMask;
  adm: ApMask;
}

/** The hardware answer to TAPQ for one APQN, regardless of any CRYCB. */
export interface HardwareTapq {
  rc: number;
  status: ApQueueStatus;
  /** AP type, facility bits and queue depth of the adapter (valid when rc is 00, 03 or 04). */
  at: number;
  fac: number;
  qd: number;
}

export interface GuestMachine {
  /** The VM's CRYCB; undefined once the VM is gone. */
  crycb(): CrycbView | undefined;
  /** TAPQ as the AP hardware answers it. */
  tapq(apid: number, apqi: number): HardwareTapq;
  /** NQAP, DQAP and RAPQ/ZAPQ on the AP hardware's queue. */
  nqap(apid: number, apqi: number, psmid: bigint, msg: Uint8Array): ApQueueStatus;
  dqap(apid: number, apqi: number): DqapResult;
  reset(apid: number, apqi: number): ApQueueStatus;
  /** Time passes for the queue (a reset in progress completes). */
  elapse(apid: number, apqi: number): void;
  /** What PQAP(QCI) reports besides the masks: APXA and the maximum ids. */
  qciLimits(): { apxa: boolean; na: number; nd: number };
}

export interface CpuFacilities {
  ap: boolean;
  apqci: boolean;
  apft: boolean;
  apqi: boolean;
}

const EMPTY: CrycbView = { format: 0, apm: ApMask.empty(), aqm: ApMask.empty(), adm: ApMask.empty() };
const NOT_AVAILABLE = statusOf(AP_RESPONSE_Q_NOT_AVAIL);

/** A guest CPU with the given AP facilities on the given machine. */
export function guestCpu(machine: GuestMachine, f: CpuFacilities): GuestCpu {
  const crycb = (): CrycbView => machine.crycb() ?? EMPTY;
  // models the SIE's CRYCB check: an APQN outside APM x AQM is "not available"
  const inMatrix = (apid: number, apqi: number): boolean => {
    const c = crycb();
    return c.apm.has(apid) && c.aqm.has(apqi);
  };
  return {
    ...f,
    qci(): QciBlock {
      const c = crycb();
      const limits = machine.qciLimits();
      // format 2 (APXA) reports the machine's limits; formats 0/1 cover APID 0-63, APQI 0-15
      const apxa = c.format === 2 && limits.apxa;
      return { apxa, na: apxa ? limits.na : 63, nd: apxa ? limits.nd : 15, apm: c.apm, aqm: c.aqm, adm: c.adm };
    },
    tapq(apid: number, apqi: number, t: boolean): TapqResult {
      if (!inMatrix(apid, apqi)) return { rc: AP_RESPONSE_Q_NOT_AVAIL, status: NOT_AVAILABLE };
      const hw = machine.tapq(apid, apqi);
      if (hw.rc === AP_RESPONSE_Q_NOT_AVAIL || !t) return { rc: hw.rc, status: hw.status };
      return { rc: hw.rc, status: hw.status, info: { at: hw.at, fac: hw.fac, qd: hw.qd, apxa: crycb().format === 2 } };
    },
    nqap: (apid, apqi, psmid, msg) => (inMatrix(apid, apqi) ? machine.nqap(apid, apqi, psmid, msg) : NOT_AVAILABLE),
    dqap: (apid, apqi) => (inMatrix(apid, apqi) ? machine.dqap(apid, apqi) : { status: NOT_AVAILABLE }),
    resetQueue: (apid, apqi) => (inMatrix(apid, apqi) ? machine.reset(apid, apqi) : NOT_AVAILABLE),
    pause: (apid, apqi) => machine.elapse(apid, apqi),
  };
}
