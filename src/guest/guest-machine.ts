// The s390 machine under a guest, as far as AP goes: the SIE interprets the guest's AP
// instructions (ECA_APIE) against its CRYCB and the real AP hardware. The twin host
// supplies a GuestMachine (CRYCB bytes and hardware TAPQ); this file turns it into the
// GuestCpu the guest OS model runs on.

import { ApMask } from '../core/ap-mask.js';
import { AP_RESPONSE_Q_NOT_AVAIL, type GuestCpu, type QciBlock, type TapqResult } from './ap-insn.js';

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

/** A guest CPU with the given AP facilities on the given machine. */
export function guestCpu(machine: GuestMachine, f: CpuFacilities): GuestCpu {
  const crycb = (): CrycbView => machine.crycb() ?? EMPTY;
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
      const c = crycb();
      // models the SIE's CRYCB check: an APQN outside APM x AQM is "not available"
      if (!c.apm.has(apid) || !c.aqm.has(apqi)) return { rc: AP_RESPONSE_Q_NOT_AVAIL };
      const hw = machine.tapq(apid, apqi);
      if (hw.rc === AP_RESPONSE_Q_NOT_AVAIL) return { rc: hw.rc };
      if (!t) return { rc: hw.rc };
      return { rc: hw.rc, info: { at: hw.at, fac: hw.fac, qd: hw.qd, apxa: c.format === 2 } };
    },
  };
}

