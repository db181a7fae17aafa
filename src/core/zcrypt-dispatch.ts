// zcrypt's request distribution (zcrypt_api.c zcrypt_rsa_modexpo / zcrypt_rsa_crt): among
// the online accelerator and CCA cards whose modulus limits fit, the card with the lowest
// speed rating plus load wins, ties going to the one with fewer requests so far; within
// it (and against the best queue so far) the same for queues. A request retried after
// EAGAIN carries a penalty for the card and queue it failed on. Pure, so the host's zcrypt
// and a guest's use the same rule.

import { modulusLimits, servesRsa, speedRating, type ZcryptMode } from './zcrypt-ops.js';

export const TRACK_AGAIN_MAX = 10;
export const TRACK_AGAIN_CARD_WEIGHT_PENALTY = 1000;
export const TRACK_AGAIN_QUEUE_WEIGHT_PENALTY = 10000;

/** struct zcrypt_track: how many times the request came back with EAGAIN, and where it went last. */
export interface ZcryptTrack {
  againCounter: number;
  /** apid << 8 | apqi of the last queue tried, 0 for none (as the kernel's qid 0 means "none"). */
  lastQid: number;
}

export interface DispatchQueue {
  apqi: number;
  /** zq->online. */
  online: boolean;
  /** ap_queue_usable: configured, not checkstopped, device operating. */
  usable: boolean;
  load: number;
  /** aq->total_request_count. */
  requests: bigint;
}

export interface DispatchCard {
  apid: number;
  mode: ZcryptMode | undefined;
  hwtype: number;
  functions: number;
  /** zc->online && card->config && !card->chkstop. */
  usable: boolean;
  load: number;
  /** card->total_request_count. */
  requests: bigint;
  queues: DispatchQueue[];
}

/** The queue a request of function code `fc` and `length` bytes goes to, with the weight added to its load. */
export function pickQueue(
  cards: readonly DispatchCard[],
  fc: number,
  length: number,
  tr: ZcryptTrack,
): { card: DispatchCard; queue: DispatchQueue; weight: number } | undefined {
  let prefCard: DispatchCard | undefined;
  let prefQueue: DispatchQueue | undefined;
  let prefWgt = 0;
  let pickWgt = 0;
  for (const zc of cards) {
    if (!zc.usable || !servesRsa(zc.mode)) continue;
    const limits = modulusLimits(zc.mode, zc.functions);
    if (limits.min > length || limits.max < length) continue;
    const wgt = speedRating(zc.mode, zc.hwtype, fc);
    const retried = tr.againCounter > 0 && tr.lastQid !== 0;
    const cpen = retried && tr.lastQid >>> 8 === zc.apid ? TRACK_AGAIN_CARD_WEIGHT_PENALTY : 0;
    // models zcrypt_card_compare
    if (prefCard) {
      const w = wgt + cpen + zc.load;
      const p = prefWgt + prefCard.load;
      if (w === p ? !(zc.requests < prefCard.requests) : !(w < p)) continue;
    }
    for (const zq of zc.queues) {
      if (!zq.online || !zq.usable) continue;
      const qpen = retried && tr.lastQid === ((zc.apid << 8) | zq.apqi) ? TRACK_AGAIN_QUEUE_WEIGHT_PENALTY : 0;
      // models zcrypt_queue_compare
      if (prefQueue) {
        const w = wgt + cpen + qpen + zq.load;
        const p = prefWgt + prefQueue.load;
        if (w === p ? !(zq.requests < prefQueue.requests) : !(w < p)) continue;
      }
      prefCard = zc;
      prefQueue = zq;
      prefWgt = wgt + cpen + qpen;
      pickWgt = wgt;
    }
  }
  return prefCard && prefQueue ? { card: prefCard, queue: prefQueue, weight: pickWgt } : undefined;
}
