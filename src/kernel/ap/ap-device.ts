// AP devices on the AP bus: adapters (cards) and their queues (ap_card.c, ap_queue.c).

import { apqnKey, apqnName, cardName, type ApqnKey } from '../../core/apqn.js';
import type { ApDriver } from './ap-driver.js';
import type { CardModel } from './card-type.js';
import type { ApMachine } from './ap-machine.js';
import { ApQueueSm, type ApQueueTarget } from './ap-queue-sm.js';

// the architecture's response codes, for the AP bus code that imports them from here
export { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL, AP_RESPONSE_Q_NOT_AVAIL } from '../../core/ap-architecture.js';

abstract class ApDeviceBase {
  driver: ApDriver | undefined;
  requestCount = 0n;
  abstract readonly name: string;
}

export class ApCard extends ApDeviceBase {
  readonly kind = 'card';
  readonly name: string;
  /** SCLP configured (card `config`); false once deconfigured. */
  config = true;
  chkstop = false;
  /** zcrypt's online state (card `online`, shown while bound to cex4card). */
  online = true;

  constructor(
    readonly apid: number,
    readonly model: CardModel,
  ) {
    super();
    this.name = cardName(apid);
  }
}

export class ApQueue extends ApDeviceBase implements ApQueueTarget {
  readonly kind = 'queue';
  readonly key: ApqnKey;
  online = true;
  chkstop = false;
  private state: ApQueueSm | undefined;
  /** Interrupts enabled by the host driver's state machine (cex4queue only). */
  get interruptsEnabled(): boolean {
    return this.driver?.isDefault === true;
  }

  constructor(
    readonly card: ApCard,
    readonly apqi: number,
    readonly machine: ApMachine,
  ) {
    super();
    this.key = apqnKey(card.apid, apqi);
  }

  /** The kernel's state machine for the queue (struct ap_queue's lists and states), made on first use. */
  get sm(): ApQueueSm {
    this.state ??= Object.assign(new ApQueueSm(this.machine, this), this.usualState());
    return this.state;
  }

  /**
   * The states a queue rests in: operating and idle while zcrypt drives it, uninitiated
   * otherwise (as ap_queue_remove leaves it; the twin takes every queue as once initialised).
   */
  private usualState(): { devState: ApQueueSm['devState']; smState: ApQueueSm['smState']; lastErrRc: number } {
    return { devState: this.driver?.isDefault ? 'operating' : 'uninitiated', smState: 'idle', lastErrRc: 0 };
  }

  /** The state machine when it differs from the usual one (for sparse snapshots). */
  get smState(): { dev: ApQueueSm['devState']; state: ApQueueSm['smState']; lastErrRc: number } | undefined {
    const s = this.state;
    if (!s) return undefined;
    const u = this.usualState();
    if (s.devState === u.devState && s.smState === u.smState && s.lastErrRc === 0 && s.requestq.length + s.pendingq.length === 0) return undefined;
    return { dev: s.devState, state: s.smState, lastErrRc: s.lastErrRc };
  }

  /** Puts a saved state machine back (restore). */
  restoreSm(saved: { dev: ApQueueSm['devState']; state: ApQueueSm['smState']; lastErrRc: number }): void {
    Object.assign(this.sm, { devState: saved.dev, smState: saved.state, lastErrRc: saved.lastErrRc });
  }

  /** aq->sm_state without making a state machine. */
  get smPhase(): ApQueueSm['smState'] {
    return this.state?.smState ?? 'idle';
  }

  /** aq->dev_state without making a state machine. */
  get devState(): ApQueueSm['devState'] {
    return this.state?.devState ?? this.usualState().devState;
  }

  /** The queue's requestq_count and pendingq_count. */
  get queuedCounts(): { requestq: number; pendingq: number } {
    return { requestq: this.state?.requestq.length ?? 0, pendingq: this.state?.pendingq.length ?? 0 };
  }

  /**
   * models ap_queue_init_state (zcrypt's queue probe). On a reachable queue with nothing in
   * it the reset changes nothing but the states, which the lazily made machine starts in.
   */
  initState(): void {
    if (!this.state && this.reachable && this.machine.pending(this.apid, this.apqi) === 0) return;
    this.sm.initState();
  }

  /** models ap_device_remove's queue part around the driver's remove: flush, shutdown, ZAPQ, uninitiated. */
  removeDriver(remove: () => void): void {
    this.sm.prepareRemove();
    remove();
    this.sm.remove();
    // a machine back in its usual state need not be kept
    this.driver = undefined;
    if (!this.smState) this.state = undefined;
  }

  get depth(): number {
    return this.card.model.depth;
  }

  /** aq->config && !aq->chkstop: the state machine runs only then. */
  get reachable(): boolean {
    return this.config && !this.checkstopped;
  }

  /** ap_queue_message counts every request for the queue and its card. */
  countRequest(): void {
    this.requestCount++;
    this.card.requestCount++;
  }

  /** Formatted on demand: a 256 x 256 host would otherwise build 65,536 names at boot. */
  get name(): string {
    return apqnName(this.card.apid, this.apqi);
  }

  get apid(): number {
    return this.card.apid;
  }

  get config(): boolean {
    return this.card.config;
  }

  get checkstopped(): boolean {
    return this.chkstop || this.card.chkstop;
  }

  /**
   * models vfio_ap's ZAPQ and the wait for its completion (apq_reset_check): the machine
   * drops the queue's entries; the response code is the one ZAPQ answered.
   */
  zapq(): number {
    return this.machine.resetAndWait(this.apid, this.apqi).responseCode;
  }
}

export type ApDevice = ApCard | ApQueue;
