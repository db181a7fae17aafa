// The AP hardware of the LPAR (Principles of Operation, AP instructions): one queue per
// configured APQN, as deep as its adapter, holding the entries a program enqueued with
// NQAP until DQAP takes their replies. Processing is instant and ordered: NQAP computes
// the reply at once (card-firmware.ts), DQAP returns replies oldest first. RAPQ/ZAPQ drop
// every entry; the reset is in progress (response code 02) until time passes, which the
// twin lets happen wherever the real kernel or guest waits (elapse). Host and guests reach
// the same queues: the guest's SIE filters by its CRYCB first (guest/guest-machine.ts).

import { apqnKey, apqnName, parseApqnName, type ApqnKey } from '../../core/apqn.js';
import {
  AP_RESPONSE_CHECKSTOPPED,
  AP_RESPONSE_DECONFIGURED,
  AP_RESPONSE_INVALID_DOMAIN,
  AP_RESPONSE_MESSAGE_TOO_BIG,
  AP_RESPONSE_NO_PENDING_REPLY,
  AP_RESPONSE_NORMAL,
  AP_RESPONSE_Q_FULL,
  AP_RESPONSE_Q_NOT_AVAIL,
  AP_RESPONSE_RESET_IN_PROGRESS,
} from '../../core/ap-architecture.js';
import { statusOf, type ApQueueStatus } from '../../core/ap-queue-status.js';
import { zcryptMode } from '../../core/zcrypt-ops.js';
import { processRequest, requestDomain } from './card-firmware.js';
import type { CardModel } from './card-type.js';
import type { LparConfig } from './qci.js';

/** What the machine needs to know of an adapter besides the LPAR configuration. */
export interface ApAdapterState {
  model: CardModel;
  /** SCLP configured (the card's `config`). */
  config: boolean;
  chkstop: boolean;
}

export interface ApMachineEnv {
  adapter(apid: number): ApAdapterState | undefined;
  queueChkstop(apid: number, apqi: number): boolean;
  /** Adapter interruptions registered for the queue (PQAP AQIC by the host's zcrypt). */
  irqEnabled(apid: number, apqi: number): boolean;
}

/** The TAPQ answer: the status word and, for an existing queue, the GR2 facility information. */
export interface TapqAnswer {
  status: ApQueueStatus;
  info?: { at: number; fac: number; qd: number };
}

export interface DqapAnswer {
  status: ApQueueStatus;
  psmid?: bigint;
  reply?: Uint8Array;
}

interface HwQueue {
  entries: { psmid: bigint; reply: Uint8Array }[];
  resetPending: boolean;
}

export interface ApMachineSnapshot {
  /** Only queues with entries or a reset in progress, by APQN. */
  queues: { apqn: string; resetPending?: boolean; entries: { psmid: string; reply: string }[] }[];
}

export class ApMachine {
  /** Queues that differ from an idle empty one (the others are implied). */
  private readonly queues = new Map<ApqnKey, HwQueue>();

  constructor(
    private readonly lpar: LparConfig,
    private readonly env: ApMachineEnv,
  ) {}

  /** The adapter behind an APQN in the LPAR's configuration, or the response code that refuses it. */
  private reach(apid: number, apqi: number): ApAdapterState | number {
    const adapter = this.lpar.adapters.has(apid) && this.lpar.usage.has(apqi) ? this.env.adapter(apid) : undefined;
    if (!adapter) return AP_RESPONSE_Q_NOT_AVAIL;
    if (!adapter.config) return AP_RESPONSE_DECONFIGURED;
    if (adapter.chkstop || this.env.queueChkstop(apid, apqi)) return AP_RESPONSE_CHECKSTOPPED;
    return adapter;
  }

  private queue(apid: number, apqi: number): HwQueue | undefined {
    return this.queues.get(apqnKey(apid, apqi));
  }

  private status(apid: number, apqi: number, rc: number, depth: number): ApQueueStatus {
    const n = this.queue(apid, apqi)?.entries.length ?? 0;
    return statusOf(rc, { queueEmpty: n === 0, repliesWaiting: n > 0, queueFull: n >= depth, irqEnabled: this.env.irqEnabled(apid, apqi) });
  }

  private take(apid: number, apqi: number): HwQueue {
    const key = apqnKey(apid, apqi);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { entries: [], resetPending: false }));
    return q;
  }

  private tidy(apid: number, apqi: number): void {
    const key = apqnKey(apid, apqi);
    const q = this.queues.get(key);
    if (q && q.entries.length === 0 && !q.resetPending) this.queues.delete(key);
  }

  /** PQAP(TAPQ): the queue's status; deconfigured and checkstopped queues still report their type. */
  tapq(apid: number, apqi: number): TapqAnswer {
    const a = this.reach(apid, apqi);
    if (typeof a === 'number') {
      if (a === AP_RESPONSE_Q_NOT_AVAIL) return { status: statusOf(a) };
      const m = this.env.adapter(apid)!.model;
      return { status: statusOf(a), info: { at: m.hwtype, fac: m.functions, qd: m.depth } };
    }
    const info = { at: a.model.hwtype, fac: a.model.functions, qd: a.model.depth };
    if (this.queue(apid, apqi)?.resetPending) return { status: statusOf(AP_RESPONSE_RESET_IN_PROGRESS), info };
    return { status: this.status(apid, apqi, AP_RESPONSE_NORMAL, a.model.depth), info };
  }

  /** NQAP: the adapter computes the reply at once and keeps it under the program's psmid. */
  nqap(apid: number, apqi: number, psmid: bigint, msg: Uint8Array): ApQueueStatus {
    const a = this.reach(apid, apqi);
    if (typeof a === 'number') return statusOf(a);
    const q = this.queue(apid, apqi);
    if (q?.resetPending) return statusOf(AP_RESPONSE_RESET_IN_PROGRESS);
    if (msg.length > a.model.maxMsgSize) return this.status(apid, apqi, AP_RESPONSE_MESSAGE_TOO_BIG, a.model.depth);
    if ((q?.entries.length ?? 0) >= a.model.depth) return this.status(apid, apqi, AP_RESPONSE_Q_FULL, a.model.depth);
    const domain = zcryptMode(a.model.functions) === 'cca' ? requestDomain(msg) : undefined;
    if (domain !== undefined && domain !== apqi) return this.status(apid, apqi, AP_RESPONSE_INVALID_DOMAIN, a.model.depth);
    this.take(apid, apqi).entries.push({ psmid, reply: processRequest(a.model.functions, msg) });
    return this.status(apid, apqi, AP_RESPONSE_NORMAL, a.model.depth);
  }

  /** DQAP: the oldest reply; "no replies pending" (with queue empty) when there is none. */
  dqap(apid: number, apqi: number): DqapAnswer {
    const a = this.reach(apid, apqi);
    if (typeof a === 'number') return { status: statusOf(a) };
    const q = this.queue(apid, apqi);
    if (q?.resetPending) return { status: statusOf(AP_RESPONSE_RESET_IN_PROGRESS) };
    const entry = q?.entries.shift();
    this.tidy(apid, apqi);
    if (!entry) return { status: this.status(apid, apqi, AP_RESPONSE_NO_PENDING_REPLY, a.model.depth) };
    return { status: this.status(apid, apqi, AP_RESPONSE_NORMAL, a.model.depth), psmid: entry.psmid, reply: entry.reply };
  }

  /** PQAP(RAPQ) and PQAP(ZAPQ): every entry is dropped; the reset is in progress until time passes. */
  reset(apid: number, apqi: number): ApQueueStatus {
    const a = this.reach(apid, apqi);
    if (typeof a === 'number') return statusOf(a);
    const q = this.take(apid, apqi);
    q.entries.length = 0;
    q.resetPending = true;
    return statusOf(AP_RESPONSE_NORMAL, { queueEmpty: true });
  }

  /**
   * ZAPQ and the wait for its completion (what vfio_ap and ap_queue_remove do): the same as
   * reset then elapse of the queue, without making an entry only to drop it.
   */
  resetAndWait(apid: number, apqi: number): ApQueueStatus {
    const a = this.reach(apid, apqi);
    if (typeof a === 'number') return statusOf(a);
    this.queues.delete(apqnKey(apid, apqi));
    return statusOf(AP_RESPONSE_NORMAL, { queueEmpty: true });
  }

  /** Time passes for one queue, or for all: resets in progress complete. */
  elapse(apid?: number, apqi?: number): void {
    if (apid !== undefined && apqi !== undefined) this.complete(apqnKey(apid, apqi));
    else for (const key of [...this.queues.keys()]) this.complete(key);
  }

  /** A reset in progress on the queue completes; an idle empty queue is implied again. */
  private complete(key: ApqnKey): void {
    const q = this.queues.get(key);
    if (!q?.resetPending) return;
    q.resetPending = false;
    if (q.entries.length === 0) this.queues.delete(key);
  }

  /** The entries a queue holds (replies not yet dequeued). */
  pending(apid: number, apqi: number): number {
    return this.queue(apid, apqi)?.entries.length ?? 0;
  }

  /** The adapter was deconfigured or left the configuration: its queues lose every entry. */
  dropAdapter(apid: number): void {
    for (const key of [...this.queues.keys()]) if (key >>> 8 === apid) this.queues.delete(key);
  }

  /** After a configuration change: queues of APQNs no longer configured are gone. */
  prune(): void {
    for (const key of [...this.queues.keys()]) if (!this.lpar.adapters.has(key >>> 8) || !this.lpar.usage.has(key & 0xff)) this.queues.delete(key);
  }

  snapshot(): ApMachineSnapshot {
    return {
      queues: [...this.queues]
        .sort((a, b) => a[0] - b[0])
        .map(([key, q]) => ({
          apqn: apqnName(key >>> 8, key & 0xff),
          ...(q.resetPending ? { resetPending: true } : {}),
          entries: q.entries.map((e) => ({ psmid: e.psmid.toString(16), reply: Buffer.from(e.reply).toString('hex') })),
        })),
    };
  }

  restore(s: ApMachineSnapshot | undefined): void {
    this.queues.clear();
    for (const q of s?.queues ?? []) {
      const id = parseApqnName(q.apqn);
      if (!id) continue;
      this.queues.set(apqnKey(id.apid, id.apqi), {
        resetPending: q.resetPending === true,
        entries: q.entries.map((e) => ({ psmid: BigInt(`0x${e.psmid}`), reply: Uint8Array.from(Buffer.from(e.reply, 'hex')) })),
      });
    }
  }
}

/**
 * The machine's AP instructions as the SIE runs them for a guest once its CRYCB check
 * passed: the same queues the host reaches (what the VMM injects as the guest's machine).
 */
export function sieApInstructions(m: ApMachine) {
  return {
    tapq(apid: number, apqi: number) {
      const t = m.tapq(apid, apqi);
      return { rc: t.status.responseCode, status: t.status, at: t.info?.at ?? 0, fac: t.info?.fac ?? 0, qd: t.info?.qd ?? 0 };
    },
    nqap: (apid: number, apqi: number, psmid: bigint, msg: Uint8Array) => m.nqap(apid, apqi, psmid, msg),
    dqap: (apid: number, apqi: number) => m.dqap(apid, apqi),
    reset: (apid: number, apqi: number) => m.reset(apid, apqi),
    elapse: (apid: number, apqi: number) => m.elapse(apid, apqi),
  };
}
