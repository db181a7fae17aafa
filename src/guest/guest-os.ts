// What the guest's Linux makes of its AP configuration (drivers/s390/crypto/ap_bus.c as it
// runs inside the guest): the AP bus exists only with AP instructions; it learns the
// configuration from PQAP(QCI) when the guest has APQCI (else it probes APIDs 0-63 and
// APQIs 0-15), asks TAPQ per APQN, and needs APFT to learn a card's type (no type, no card
// device). The view is what the last scan found: it changes at the next scan (forced with
// `rescan`, periodic in real life) or at once on an AP config-change event.

import { AP_FUNC_ACCEL, AP_FUNC_COPRO, AP_FUNC_EP11 } from '../core/ap-functions.js';
import { ApMask } from '../core/ap-mask.js';
import { apqnKey, type ApqnKey } from '../core/apqn.js';
import { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL, type GuestCpu } from './ap-insn.js';

/** ap_bus.h: supported device types CEX4..CEX8 (raw types above are treated as CEX8). */
const AP_DEVICE_TYPE_CEX4 = 10;
const AP_DEVICE_TYPE_CEX8 = 14;

// ap_functions bits that decide zcrypt's card type suffix.

export interface GuestCard {
  apid: number;
  /** hwtype the guest's ap bus assigned (CEX4 = 10 ...). */
  hwtype: number;
  functions: number;
  /** The TAPQ queue-depth field (sysfs `depth`). */
  depth: number;
  /** zcrypt's card type name, e.g. CEX8C. */
  type: string;
  /** Queues (APQIs) of this card the guest found. */
  queues: number[];
  /** TAPQ response code per queue at the last scan (00 normal, 03 deconfigured, 04 checkstopped). */
  queueRc: Record<number, number>;
  /** config=0 in the guest: every queue answered "deconfigured". */
  deconfigured: boolean;
  /** chkstop in the guest: every queue answered "checkstopped". */
  checkstopped: boolean;
  /** The guest zcrypt's total_request_count of the card and of each queue (absent: none yet). */
  requests?: number;
  queueRequests?: Record<number, number>;
  /** Queues the guest's zcrypt took offline after a reply it could not use. */
  offline?: number[];
}

export interface GuestApView {
  /** /sys/bus/ap exists (the guest has AP instructions). */
  bus: boolean;
  /** The configuration masks PQAP(QCI) gave at the last scan (undefined without APQCI). */
  qci: { apm: string; aqm: string; adm: string } | undefined;
  maxAdapterId: number;
  maxDomainId: number;
  cards: GuestCard[];
  /** Completed AP bus scans since boot. */
  scans: number;
  /** The guest zcrypt's zcrypt_step, the low half of its psmids (absent: 0). */
  zcryptStep?: number;
}

export function emptyView(bus: boolean): GuestApView {
  return { bus, qci: undefined, maxAdapterId: 63, maxDomainId: 15, cards: [], scans: 0 };
}

/** zcrypt's card type name from the hwtype and the mode bits (zcrypt_cex4.c). */
export function cardTypeName(hwtype: number, functions: number): string {
  const gen = Math.min(hwtype, AP_DEVICE_TYPE_CEX8) - 6;
  const mode = functions & AP_FUNC_COPRO ? 'C' : functions & AP_FUNC_ACCEL ? 'A' : functions & AP_FUNC_EP11 ? 'P' : '?';
  return `CEX${gen}${mode}`;
}

/**
 * models ap_scan_bus in the guest: configuration from QCI (or the defaults without it), then
 * ap_scan_adapter per configured APID: TAPQ every configured usage domain; the first answer
 * with a type makes the card; every answering queue becomes a queue device.
 */
export function scanApBus(cpu: GuestCpu, prev: GuestApView): GuestApView {
  if (!cpu.ap) return { ...emptyView(false), scans: prev.scans };
  let apm: ApMask | undefined;
  let aqm: ApMask | undefined;
  let qciView: GuestApView['qci'];
  let maxAdapterId = 63;
  let maxDomainId = 15;
  if (cpu.apqci) {
    const qci = cpu.qci();
    apm = qci.apm;
    aqm = qci.aqm;
    qciView = { apm: qci.apm.toHex(), aqm: qci.aqm.toHex(), adm: qci.adm.toHex() };
    // models ap_init_qci_info: na/nd count only with APXA
    if (qci.apxa && qci.na) maxAdapterId = qci.na;
    if (qci.apxa && qci.nd) maxDomainId = qci.nd;
  }
  const cards: GuestCard[] = [];
  for (let apid = 0; apid <= maxAdapterId; apid++) {
    // models ap_test_config_card_id: without QCI every id counts as configured
    if (apm && !apm.has(apid)) continue;
    let card: GuestCard | undefined;
    const queues: ApqnKey[] = [];
    for (let apqi = 0; apqi <= maxDomainId; apqi++) {
      if (aqm && !aqm.has(apqi)) continue;
      const r = cpu.tapq(apid, apqi, cpu.apft);
      if (r.rc !== AP_RESPONSE_NORMAL && r.rc !== AP_RESPONSE_DECONFIGURED && r.rc !== AP_RESPONSE_CHECKSTOPPED) continue;
      // without the facility bits there is no type: ap_scan_adapter skips the adapter
      const info = r.info;
      if (!info || info.at < AP_DEVICE_TYPE_CEX4) continue;
      if (!card) {
        const hwtype = Math.min(info.at, AP_DEVICE_TYPE_CEX8);
        card = {
          apid,
          hwtype,
          functions: info.fac >>> 0,
          depth: info.qd,
          type: cardTypeName(hwtype, info.fac),
          queues: [],
          queueRc: {},
          deconfigured: false,
          checkstopped: false,
        };
      }
      queues.push(apqnKey(apid, apqi));
      card.queues.push(apqi);
      card.queueRc[apqi] = r.rc;
    }
    if (card) {
      const rcs = Object.values(card.queueRc);
      card.deconfigured = rcs.every((rc) => rc === AP_RESPONSE_DECONFIGURED);
      card.checkstopped = rcs.every((rc) => rc === AP_RESPONSE_CHECKSTOPPED);
      keepCounters(card, prev.cards.find((c) => c.apid === apid));
      cards.push(card);
    }
  }
  return { bus: true, qci: qciView, maxAdapterId, maxDomainId, cards, scans: prev.scans + 1, ...(prev.zcryptStep ? { zcryptStep: prev.zcryptStep } : {}) };
}

/** Devices a rescan finds again keep their counters and their online state (they were never removed). */
function keepCounters(card: GuestCard, before: GuestCard | undefined): void {
  if (!before) return;
  if (before.requests) card.requests = before.requests;
  const kept = Object.entries(before.queueRequests ?? {}).filter(([apqi]) => card.queues.includes(Number(apqi)));
  if (kept.length) card.queueRequests = Object.fromEntries(kept);
  const offline = (before.offline ?? []).filter((apqi) => card.queues.includes(apqi));
  if (offline.length) card.offline = offline;
}

/** The APQNs a guest view holds, as `XX.YYYY` names in sysfs order. */
export function viewApqns(view: GuestApView): string[] {
  return view.cards.flatMap((c) => c.queues.map((q) => `${c.apid.toString(16).padStart(2, '0')}.${q.toString(16).padStart(4, '0')}`));
}
