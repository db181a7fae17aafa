// The guest's zcrypt: what Linux inside the guest does with an ICARSAMODEXPO/ICARSACRT
// request (zcrypt_api.c over ap_queue.c, as on the host): pick one of the queues its AP
// bus found by zcrypt's weighting, build the card's message, NQAP it, poll with DQAP
// until its reply comes back (no adapter interrupts: PQAP AQIC is not modelled), convert
// the reply. Its request counters live in the guest's AP bus view.

import { AP_RESPONSE_INVALID_DOMAIN, AP_RESPONSE_MESSAGE_TOO_BIG, AP_RESPONSE_NO_PENDING_REPLY, AP_RESPONSE_NORMAL, AP_RESPONSE_Q_FULL, AP_RESPONSE_REQ_FAC_NOT_INST, AP_RESPONSE_RESET_IN_PROGRESS } from '../core/ap-architecture.js';
import { apqnName } from '../core/apqn.js';
import type { ErrnoName } from '../core/errno.js';
import { TRACK_AGAIN_MAX, pickQueue, type DispatchCard, type ZcryptTrack } from '../core/zcrypt-dispatch.js';
import { buildRsaMessage, convertRsaReply, modulusLimits, rsaFuncCode, zcryptMode, type RsaRequest } from '../core/zcrypt-ops.js';
import type { GuestCpu } from './ap-insn.js';
import type { GuestApView, GuestCard } from './guest-os.js';

export type GuestCryptoResult = { ok: true; data: Uint8Array; apqn: string } | { ok: false; errno: ErrnoName };

/** The high half of the guest's psmids (the requesting task's pid in zcrypt). */
const GUEST_PID = 1n;
/** Poll intervals the guest waits for a reply before it gives the request up. */
const POLL_LIMIT = 64;

function dispatchView(view: GuestApView): DispatchCard[] {
  return [...view.cards]
    .sort((a, b) => a.apid - b.apid)
    .map((c) => ({
      apid: c.apid,
      mode: zcryptMode(c.functions),
      hwtype: c.hwtype,
      functions: c.functions,
      usable: !c.deconfigured && !c.checkstopped,
      load: 0,
      requests: BigInt(c.requests ?? 0),
      queues: [...c.queues]
        .sort((a, b) => a - b)
        .map((apqi) => ({ apqi, online: !c.offline?.includes(apqi), usable: c.queueRc[apqi] === AP_RESPONSE_NORMAL, load: 0, requests: BigInt(c.queueRequests?.[apqi] ?? 0) })),
    }));
}

/** ap_sm_write/ap_sm_read for one request: NQAP, then DQAP until the reply with our psmid. */
function exchange(cpu: GuestCpu, card: GuestCard, apqi: number, psmid: bigint, msg: Uint8Array): { reply: Uint8Array } | { errno: ErrnoName } {
  const apid = card.apid;
  // a queue answering anything else goes to the error state until the bus scans again
  const broken = (rc: number): { errno: ErrnoName } => {
    card.queueRc[apqi] = rc;
    return { errno: 'EAGAIN' };
  };
  let sent = false;
  for (let i = 0; i < POLL_LIMIT; i++) {
    if (!sent) {
      const rc = cpu.nqap(apid, apqi, psmid, msg).responseCode;
      if (rc === AP_RESPONSE_NORMAL) sent = true;
      else if (rc === AP_RESPONSE_INVALID_DOMAIN || rc === AP_RESPONSE_MESSAGE_TOO_BIG || rc === AP_RESPONSE_REQ_FAC_NOT_INST) return { errno: 'EINVAL' };
      else if (rc !== AP_RESPONSE_RESET_IN_PROGRESS && rc !== AP_RESPONSE_Q_FULL) return broken(rc);
    }
    const r = cpu.dqap(apid, apqi);
    const rc = r.status.responseCode;
    // a reply to a request this zcrypt no longer knows is dropped (unassociated reply)
    if (rc === AP_RESPONSE_NORMAL && sent && r.psmid === psmid) return { reply: r.reply! };
    if (rc === AP_RESPONSE_NORMAL) continue;
    if (rc !== AP_RESPONSE_NO_PENDING_REPLY && rc !== AP_RESPONSE_RESET_IN_PROGRESS) return broken(rc);
    cpu.pause(apid, apqi);
  }
  return { errno: 'EAGAIN' };
}

/** models zcrypt_rsa_modexpo / zcrypt_rsa_crt in the guest: one attempt. */
function attempt(cpu: GuestCpu, view: GuestApView, req: RsaRequest, tr: ZcryptTrack): GuestCryptoResult {
  const fc = rsaFuncCode(req.op, req.length);
  if (fc === undefined) return { ok: false, errno: 'EINVAL' };
  const pick = pickQueue(dispatchView(view), fc, req.length, tr);
  if (!pick) return { ok: false, errno: 'ENODEV' };
  const card = view.cards.find((c) => c.apid === pick.card.apid)!;
  const apqi = pick.queue.apqi;
  tr.lastQid = (card.apid << 8) | apqi;
  const mode = pick.card.mode as 'accel' | 'cca';
  const msg = buildRsaMessage(mode, req, apqi, modulusLimits(mode, card.functions).max);
  if (!msg) return { ok: false, errno: 'EINVAL' };
  // ap_queue_message counts the request on the queue and its card
  card.requests = (card.requests ?? 0) + 1;
  card.queueRequests = { ...card.queueRequests, [apqi]: (card.queueRequests?.[apqi] ?? 0) + 1 };
  view.zcryptStep = (view.zcryptStep ?? 0) + 1;
  const x = exchange(cpu, card, apqi, (GUEST_PID << 32n) + BigInt(view.zcryptStep), msg);
  if ('errno' in x) return { ok: false, errno: x.errno };
  const out = convertRsaReply(mode, x.reply, req.length);
  if (out.ok) return { ok: true, data: out.data, apqn: apqnName(card.apid, apqi) };
  if (out.offline) card.offline = [...(card.offline ?? []), apqi];
  return { ok: false, errno: out.errno };
}

/** An RSA request in the guest, with zcrypt's EAGAIN retries (EIO after TRACK_AGAIN_MAX). */
export function guestRsa(cpu: GuestCpu, view: GuestApView, req: RsaRequest): GuestCryptoResult {
  // without AP instructions the guest's zcrypt never loaded: there is no /dev/z90crypt
  if (!cpu.ap || !view.bus) return { ok: false, errno: 'ENOENT' };
  const tr: ZcryptTrack = { againCounter: 0, lastQid: 0 };
  let r: GuestCryptoResult;
  do r = attempt(cpu, view, req, tr);
  while (!r.ok && r.errno === 'EAGAIN' && ++tr.againCounter < TRACK_AGAIN_MAX);
  if (!r.ok && r.errno === 'EAGAIN') return { ok: false, errno: 'EIO' };
  return r;
}
