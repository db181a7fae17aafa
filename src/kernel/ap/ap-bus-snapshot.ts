// The AP bus's section of a state file: what differs from the bus a fresh probe of the
// same LPAR configuration builds (sparse: devices in their probe state are left out).

import { ApMask } from '../../core/ap-mask.js';
import type { ApMachineSnapshot } from './ap-machine.js';
import type { ApQueueSm } from './ap-queue-sm.js';
import type { QciInfo } from './qci.js';

export interface ApBusSnapshot {
  qci: QciInfo | null;
  apmask: string;
  aqmask: string;
  apDomain: number;
  configTime: number;
  pollThread: boolean;
  pollTimeout: string;
  scans: string;
  /** drivers_autoprobe (absent in older state files: on). */
  driversAutoprobe?: boolean;
  /** Cards whose state differs from a fresh probe; driver null = unbound (absent: cex4card). */
  cards: { apid: number; config: boolean; chkstop: boolean; online: boolean; requestCount: string; driver?: string | null }[];
  /** Queues whose state differs from a fresh probe: driver (null = unbound), flags, counters, state machine. */
  queues: {
    apqn: string;
    driver: string | null;
    online: boolean;
    chkstop: boolean;
    requestCount: string;
    sm?: { dev: ApQueueSm['devState']; state: ApQueueSm['smState']; lastErrRc: number };
  }[];
  /** The AP hardware's queues with entries (absent in older state files: all empty). */
  hw?: ApMachineSnapshot;
}

/** The QCI as a state file holds it, its masks made masks again. */
export function reviveQci(q: QciInfo): QciInfo {
  const mask = (m: unknown): ApMask => ApMask.fromHex(String(m));
  return { apxa: q.apxa, na: q.na, nd: q.nd, apm: mask(q.apm), aqm: mask(q.aqm), adm: mask(q.adm) };
}
