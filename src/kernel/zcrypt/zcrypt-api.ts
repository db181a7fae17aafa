// The host's zcrypt request path (drivers/s390/crypto/zcrypt_api.c): pick a queue among
// the cards and queues zcrypt's drivers hold (cex4card/cex4queue; a queue bound to
// vfio_ap is never a zcrypt queue), build the card's message, send it through the queue's
// state machine, wait for the reply and convert it; retry on EAGAIN with a penalty for
// the queue that failed, EIO after TRACK_AGAIN_MAX tries.

import type { ErrnoName } from '../../core/errno.js';
import { KernelError, isKernelError } from '../../core/errno.js';
import { TRACK_AGAIN_MAX, pickQueue, type DispatchCard, type ZcryptTrack } from '../../core/zcrypt-dispatch.js';
import { buildRsaMessage, convertRsaReply, modulusLimits, rsaFuncCode, zcryptMode, type RsaRequest } from '../../core/zcrypt-ops.js';
import type { ApBus } from '../ap/ap-bus.js';
import type { ApCard, ApQueue } from '../ap/ap-device.js';
import type { ApMessage } from '../ap/ap-queue-sm.js';

/** One ICARSAMODEXPO / ICARSACRT call: its lengths, and the user memory behind its pointers. */
export interface RsaCall {
  op: 'me' | 'crt';
  /** inputdatalength. */
  length: number;
  /** outputdatalength. */
  outputLength: number;
  /** copy_from_user of every key part and the input (EFAULT as a KernelError). */
  read(): RsaRequest;
  /** copy_to_user of the result (EFAULT as a KernelError). */
  write(out: Uint8Array): void;
}

const ZCRYPT_CARD_DRIVER = 'cex4card';
const ZCRYPT_QUEUE_DRIVER = 'cex4queue';

export class ZcryptApi {
  /** zcrypt_step: the low half of every psmid. */
  private step = 0;

  constructor(private readonly bus: ApBus) {}

  /** The zcrypt cards and queues in registration order (ascending ids, as the bus scan probes them). */
  private dispatchView(): { view: DispatchCard[]; queues: Map<number, ApQueue>; cards: Map<number, ApCard> } {
    const queues = new Map<number, ApQueue>();
    const cards = new Map<number, ApCard>();
    const view: DispatchCard[] = [];
    const byCard = new Map<ApCard, ApQueue[]>();
    for (const q of this.bus.queues.values()) if (q.driver?.name === ZCRYPT_QUEUE_DRIVER) byCard.set(q.card, [...(byCard.get(q.card) ?? []), q]);
    for (const card of [...this.bus.cards.values()].sort((a, b) => a.apid - b.apid)) {
      if (card.driver?.name !== ZCRYPT_CARD_DRIVER) continue;
      cards.set(card.apid, card);
      const qs = (byCard.get(card) ?? []).sort((a, b) => a.apqi - b.apqi);
      for (const q of qs) queues.set(q.key, q);
      view.push({
        apid: card.apid,
        mode: zcryptMode(card.model.functions),
        hwtype: card.model.hwtype,
        functions: card.model.functions,
        usable: card.online && card.config && !card.chkstop,
        load: 0,
        requests: card.requestCount,
        queues: qs.map((q) => ({ apqi: q.apqi, online: q.online, usable: q.reachable && q.devState === 'operating', load: 0, requests: q.requestCount })),
      });
    }
    return { view, queues, cards };
  }

  /** models zcrypt_rsa_modexpo / zcrypt_rsa_crt: one attempt; the errno, or undefined on success. */
  private attempt(call: RsaCall, tr: ZcryptTrack, pid: number): ErrnoName | undefined {
    if (call.outputLength < call.length) return 'EINVAL';
    const fc = rsaFuncCode(call.op, call.length);
    if (fc === undefined) return 'EINVAL';
    const { view, queues } = this.dispatchView();
    const pick = pickQueue(view, fc, call.length, tr);
    if (!pick) return 'ENODEV';
    const q = queues.get((pick.card.apid << 8) | pick.queue.apqi)!;
    tr.lastQid = q.key;
    const mode = pick.card.mode as 'accel' | 'cca';
    let req: RsaRequest;
    try {
      req = call.read();
    } catch (e) {
      if (isKernelError(e)) return e.code;
      throw e;
    }
    const msg = buildRsaMessage(mode, req, q.apqi, modulusLimits(mode, pick.card.functions).max);
    if (!msg) return 'EINVAL';
    const m: ApMessage = { psmid: (BigInt(pid) << 32n) + BigInt(++this.step), msg, done: false };
    const rc = q.sm.queueMessage(m);
    if (rc) return rc;
    q.sm.awaitReply(m);
    if (m.rc) return m.rc;
    const out = convertRsaReply(mode, m.reply!, call.length);
    if (!out.ok) {
      // zq->online = 0: a reply the card should never give takes the queue out of zcrypt's use
      if (out.offline) q.online = false;
      return out.errno;
    }
    try {
      call.write(out.data);
    } catch (e) {
      if (isKernelError(e)) return e.code;
      throw e;
    }
    return undefined;
  }

  /** models icarsamodexpo_ioctl / icarsacrt_ioctl: retries on EAGAIN, EIO once TRACK_AGAIN_MAX is reached. */
  rsa(call: RsaCall, pid: number): void {
    const tr: ZcryptTrack = { againCounter: 0, lastQid: 0 };
    let rc: ErrnoName | undefined;
    do rc = this.attempt(call, tr, pid);
    while (rc === 'EAGAIN' && ++tr.againCounter < TRACK_AGAIN_MAX);
    if (rc === 'EAGAIN' && tr.againCounter >= TRACK_AGAIN_MAX) rc = 'EIO';
    if (rc) throw new KernelError(rc);
  }
}
