// AP devices on the AP bus: adapters (cards) and their queues (ap_card.c, ap_queue.c).

import { apqnKey, apqnName, cardName, type ApqnKey } from '../../core/apqn.js';
import type { ApDriver } from './ap-driver.js';
import type { CardModel } from './card-type.js';
import { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL } from '../../core/ap-architecture.js';

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

export class ApQueue extends ApDeviceBase {
  readonly kind = 'queue';
  readonly key: ApqnKey;
  online = true;
  chkstop = false;
  /** Interrupts enabled by the host driver's state machine (cex4queue only). */
  get interruptsEnabled(): boolean {
    return this.driver?.isDefault === true;
  }

  constructor(
    readonly card: ApCard,
    readonly apqi: number,
  ) {
    super();
    this.key = apqnKey(card.apid, apqi);
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

  /** models ZAPQ: the response code the reset gets from the machine. */
  zapq(): number {
    if (!this.config) return AP_RESPONSE_DECONFIGURED;
    if (this.checkstopped) return AP_RESPONSE_CHECKSTOPPED;
    return AP_RESPONSE_NORMAL;
  }
}

export type ApDevice = ApCard | ApQueue;
