// The kernel's AP queue state machine (drivers/s390/crypto/ap_queue.c): the device state,
// the state-machine state, the request and pending lists, and the poll loop that sends
// with NQAP and receives with DQAP. Adapter interrupts are not modelled: the host polls,
// and wherever the kernel would wait (ap_wait) the twin lets time pass on the queue and
// polls again at once.

import {
  AP_RESPONSE_BUSY,
  AP_RESPONSE_INVALID_DOMAIN,
  AP_RESPONSE_MESSAGE_TOO_BIG,
  AP_RESPONSE_NO_PENDING_REPLY,
  AP_RESPONSE_NORMAL,
  AP_RESPONSE_Q_FULL,
  AP_RESPONSE_REQ_FAC_NOT_INST,
  AP_RESPONSE_RESET_IN_PROGRESS,
} from '../../core/ap-architecture.js';
import type { ApQueueStatus } from '../../core/ap-queue-status.js';
import type { ErrnoName } from '../../core/errno.js';
import type { ApMachine } from './ap-machine.js';

export type ApDevState = 'uninitiated' | 'operating' | 'shutdown' | 'error';
export type ApSmState = 'reset_start' | 'reset_wait' | 'idle' | 'working' | 'queue_full';

/** enum ap_sm_wait, in its order (min() picks the most urgent). */
const AGAIN = 0;
const HIGH_TIMEOUT = 1;
const LOW_TIMEOUT = 2;
const NONE = 4;
type Wait = number;

/** struct ap_message: one request and, once received, its reply or its error. */
export interface ApMessage {
  psmid: bigint;
  msg: Uint8Array;
  done: boolean;
  rc?: ErrnoName;
  reply?: Uint8Array;
}

/** The queue the state machine drives: where it is, how deep, and whether it is usable at all. */
export interface ApQueueTarget {
  readonly apid: number;
  readonly apqi: number;
  readonly depth: number;
  /** aq->config && !aq->chkstop. */
  readonly reachable: boolean;
  /** Counts one more request for the queue and its card (total_request_count). */
  countRequest(): void;
}

/** How long the twin polls a request before treating it as lost (a timed-out request). */
const POLL_LIMIT = 64;

export class ApQueueSm {
  devState: ApDevState = 'uninitiated';
  smState: ApSmState = 'reset_start';
  readonly requestq: ApMessage[] = [];
  readonly pendingq: ApMessage[] = [];
  queueCount = 0;
  lastErrRc = 0;

  constructor(
    private readonly machine: ApMachine,
    private readonly q: ApQueueTarget,
  ) {}

  private receive(m: ApMessage, reply: Uint8Array | undefined, rc?: ErrnoName): void {
    if (rc) m.rc = rc;
    if (reply) m.reply = reply;
    m.done = true;
  }

  private error(rc: number): Wait {
    this.devState = 'error';
    this.lastErrRc = rc;
    return NONE;
  }

  /** models ap_sm_recv. */
  private recv(): ApQueueStatus {
    const r = this.machine.dqap(this.q.apid, this.q.apqi);
    const s = r.status;
    if (s.responseCode === AP_RESPONSE_NORMAL) {
      this.queueCount = Math.max(0, this.queueCount - 1);
      if (!s.queueEmpty && !this.queueCount) this.queueCount++;
      const i = this.pendingq.findIndex((m) => m.psmid === r.psmid);
      // an unassociated reply (a cancelled request) is dropped
      if (i >= 0) this.receive(this.pendingq.splice(i, 1)[0]!, r.reply);
    }
    if ((s.responseCode === AP_RESPONSE_NORMAL || s.responseCode === AP_RESPONSE_NO_PENDING_REPLY) && s.queueEmpty && this.queueCount > 0) {
      // the card shouldn't forget requests but who knows: send them again
      this.queueCount = 0;
      this.requestq.unshift(...this.pendingq.splice(0));
    }
    return s;
  }

  /** models ap_sm_read. */
  private read(): Wait {
    const s = this.recv();
    switch (s.responseCode) {
      case AP_RESPONSE_NORMAL:
        if (this.queueCount > 0) {
          this.smState = 'working';
          return AGAIN;
        }
        this.smState = 'idle';
        return NONE;
      case AP_RESPONSE_NO_PENDING_REPLY:
        if (this.queueCount > 0) return HIGH_TIMEOUT;
        this.smState = 'idle';
        return NONE;
      default:
        return this.error(s.responseCode);
    }
  }

  /** models ap_sm_write. */
  private write(): Wait {
    const m = this.requestq[0];
    if (!m) return NONE;
    const s = this.machine.nqap(this.q.apid, this.q.apqi, m.psmid, m.msg);
    switch (s.responseCode) {
      case AP_RESPONSE_NORMAL:
        this.queueCount = Math.max(1, this.queueCount + 1);
        this.pendingq.push(this.requestq.shift()!);
        if (this.queueCount < this.q.depth) {
          this.smState = 'working';
          return AGAIN;
        }
        this.smState = 'queue_full';
        return HIGH_TIMEOUT;
      case AP_RESPONSE_Q_FULL:
        this.smState = 'queue_full';
        return HIGH_TIMEOUT;
      case AP_RESPONSE_RESET_IN_PROGRESS:
        this.smState = 'reset_wait';
        return LOW_TIMEOUT;
      case AP_RESPONSE_INVALID_DOMAIN:
      case AP_RESPONSE_MESSAGE_TOO_BIG:
      case AP_RESPONSE_REQ_FAC_NOT_INST:
        this.receive(this.requestq.shift()!, undefined, 'EINVAL');
        return AGAIN;
      default:
        return this.error(s.responseCode);
    }
  }

  /** models ap_sm_reset (RAPQ). */
  private reset(): Wait {
    const s = this.machine.reset(this.q.apid, this.q.apqi);
    if (s.responseCode !== AP_RESPONSE_NORMAL && s.responseCode !== AP_RESPONSE_RESET_IN_PROGRESS) return this.error(s.responseCode);
    this.smState = 'reset_wait';
    return LOW_TIMEOUT;
  }

  /** models ap_sm_reset_wait (TAPQ until the reset is through). */
  private resetWait(): Wait {
    const s = this.machine.tapq(this.q.apid, this.q.apqi).status;
    switch (s.responseCode) {
      case AP_RESPONSE_NORMAL:
        this.smState = this.queueCount > 0 ? 'working' : 'idle';
        return AGAIN;
      case AP_RESPONSE_BUSY:
      case AP_RESPONSE_RESET_IN_PROGRESS:
        return LOW_TIMEOUT;
      default:
        return this.error(s.responseCode);
    }
  }

  /** models ap_sm_event(POLL) through the jump table; nothing happens to an uninitiated or unreachable queue. */
  private event(): Wait {
    if (!this.q.reachable || this.devState === 'uninitiated') return NONE;
    switch (this.smState) {
      case 'reset_start':
        return this.reset();
      case 'reset_wait':
        return this.resetWait();
      case 'idle':
        return this.write();
      case 'working':
        return Math.min(this.read(), this.write());
      case 'queue_full':
        return this.read();
    }
  }

  /** models ap_sm_event_loop. */
  private eventLoop(): Wait {
    let w: Wait;
    while ((w = this.event()) === AGAIN);
    return w;
  }

  /** models ap_wait followed by the poll it schedules: time passes on the queue, then the state machine runs again. */
  private settle(w: Wait): void {
    for (let i = 0; w !== NONE && i < POLL_LIMIT; i++) {
      this.machine.elapse(this.q.apid, this.q.apqi);
      w = this.eventLoop();
    }
  }

  /** models ap_queue_message: ENODEV unless the device is operating. */
  queueMessage(m: ApMessage): ErrnoName | undefined {
    let rc: ErrnoName | undefined;
    if (this.devState === 'operating') {
      this.requestq.push(m);
      this.q.countRequest();
    } else rc = 'ENODEV';
    this.settle(this.eventLoop());
    return rc;
  }

  /** The poll thread runs until the request completes; a request that never does is cancelled (ap_cancel_message). */
  awaitReply(m: ApMessage): void {
    for (let i = 0; !m.done && i < POLL_LIMIT; i++) this.settle(HIGH_TIMEOUT);
    if (m.done) return;
    this.cancel(m);
    this.receive(m, undefined, 'EAGAIN');
  }

  /** models ap_cancel_message. */
  cancel(m: ApMessage): void {
    for (const list of [this.pendingq, this.requestq]) {
      const i = list.indexOf(m);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** models __ap_flush_queue: every request ends with EAGAIN. */
  flush(): void {
    for (const m of [...this.pendingq.splice(0), ...this.requestq.splice(0)]) this.receive(m, undefined, 'EAGAIN');
    this.queueCount = 0;
  }

  /** models ap_queue_init_state (cex4queue probe): operating, then a reset. */
  initState(): void {
    this.devState = 'operating';
    this.smState = 'reset_start';
    this.lastErrRc = 0;
    this.settle(this.event());
  }

  /** models ap_queue_prepare_remove. */
  prepareRemove(): void {
    this.flush();
    this.devState = 'shutdown';
  }

  /**
   * models ap_queue_remove: ZAPQ, then uninitiated. The kernel does not wait here; the twin
   * lets the reset complete, as it does long before anything else reaches the queue.
   */
  remove(): void {
    this.machine.resetAndWait(this.q.apid, this.q.apqi);
    this.devState = 'uninitiated';
  }

  /** models reset_store: flush, then a reset through the state machine. */
  userReset(): void {
    this.flush();
    this.smState = 'reset_start';
    this.settle(this.event());
  }
}
