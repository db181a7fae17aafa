// Which devices exist and which driver each has, so a change can be told as the uevents
// the kernel sends for it (kobject_uevent from device_add, device_del, driver bind and
// unbind): the AP bus's cards and queues and the vfio_ap mdevs. Queues a restored twin has
// not built yet are in their probe state: bound as the AP masks reserve them
// (ap_owned_by_def_drv), since a mask write re-probes, and so builds, every queue it moves.

import { AP_DEVICES as APIDS, AP_DOMAINS, apqnKey, apqnName } from '../core/apqn.js';
import { findAp } from '../kernel/ap/ap-subsystem.js';
import type { Host } from '../kernel/host.js';
import { VFIO_AP_MDEV_DRIVER } from '../kernel/vfio-ap/matrix-mdev.js';
import { MATRIX_PATH } from '../kernel/vfio-ap/vfio-ap-driver.js';
import type { UeventEvent } from './twin-events.js';

interface Entry {
  subsystem: string;
  devtype?: string;
  driver?: string;
}

/**
 * Each card's 256 queues as codes (0: no queue, n: bound to drivers[n - 1], undefined: no
 * driver), the cards in bus order: a census is taken on every change while anyone listens,
 * and the max preset has 65,536 queues, so typed arrays rather than a Map entry per queue.
 */
interface QueueCensus {
  cards: number[];
  /** The card's position in `cards` by adapter id; -1: no such card. */
  position: Int16Array;
  codes: Uint8Array;
  drivers: (string | undefined)[];
}

export interface Census {
  devices: Map<string, Entry>;
  queues: QueueCensus;
}

const AP_DEVICES = '/devices/ap';

function driverCode(drivers: (string | undefined)[], name: string | undefined): number {
  const i = drivers.indexOf(name);
  return (i < 0 ? drivers.push(name) - 1 : i) + 1;
}

/** The queue's code; 0 when the census has no such queue. */
function codeOf(c: QueueCensus, key: number): number {
  const pos = c.position[key >>> 8]!;
  return pos < 0 ? 0 : c.codes[pos * AP_DOMAINS + (key & 0xff)]!;
}

export function takeCensus(host: Host): Census {
  const queues: QueueCensus = { cards: [], position: new Int16Array(APIDS).fill(-1), codes: new Uint8Array(0), drivers: [] };
  const census: Census = { devices: new Map(), queues };
  const ap = findAp(host);
  if (!ap) return census;
  const { bus, vfioAp } = ap;
  for (const card of bus.cards.values()) {
    census.devices.set(`${AP_DEVICES}/${card.name}`, { subsystem: 'ap', devtype: 'ap_card', driver: card.driver?.name });
    queues.position[card.apid] = queues.cards.push(card.apid) - 1;
  }
  const codes = (queues.codes = new Uint8Array(queues.cards.length * AP_DOMAINS));
  for (const q of bus.queues.madeValues()) {
    const pos = queues.position[q.key >>> 8]!;
    if (pos >= 0) codes[pos * AP_DOMAINS + (q.key & 0xff)] = driverCode(queues.drivers, q.driver?.name);
  }
  const hostCode = driverCode(queues.drivers, bus.drivers.find((d) => d.isDefault && d.name.endsWith('queue'))?.name);
  const vfioCode = driverCode(queues.drivers, bus.drivers.find((d) => !d.isDefault)?.name);
  for (const [pos, apid] of queues.cards.entries())
    for (let apqi = 0; apqi < AP_DOMAINS; apqi++) {
      const i = pos * AP_DOMAINS + apqi;
      // a queue not made yet is in its probe state (ap_owned_by_def_drv decides the driver)
      if (!codes[i] && bus.queues.has(apqnKey(apid, apqi))) codes[i] = bus.reserved(apid, apqi) ? hostCode : vfioCode;
    }
  for (const m of vfioAp.mdevList()) census.devices.set(`${MATRIX_PATH.slice('/sys'.length)}/${m.uuid}`, { subsystem: 'mdev', driver: VFIO_AP_MDEV_DRIVER });
  return census;
}

function uevent(action: UeventEvent['action'], devpath: string, e: Entry): UeventEvent {
  const properties: Record<string, string> = { ACTION: action, DEVPATH: devpath, SUBSYSTEM: e.subsystem };
  if (e.devtype) properties.DEVTYPE = e.devtype;
  if (e.driver && action !== 'add' && action !== 'remove') properties.DRIVER = e.driver;
  return { type: 'uevent', action, devpath, subsystem: e.subsystem, properties };
}

function queueEntry(key: number, driver: string | undefined): [string, Entry] {
  const name = apqnName(key >>> 8, key & 0xff);
  return [`${AP_DEVICES}/card${name.slice(0, 2)}/${name}`, { subsystem: 'ap', devtype: 'ap_queue', driver }];
}

function diffMaps<K>(before: Map<K, Entry>, after: Map<K, Entry>, path: (k: K) => string, out: UeventEvent[]): void {
  for (const [k, e] of before) {
    if (after.has(k)) continue;
    if (e.driver) out.push(uevent('unbind', path(k), e));
    out.push(uevent('remove', path(k), e));
  }
  for (const [k, e] of after) {
    const was = before.get(k);
    if (!was) {
      out.push(uevent('add', path(k), e));
      if (e.driver) out.push(uevent('bind', path(k), e));
    } else if (was.driver !== e.driver) {
      if (was.driver) out.push(uevent('unbind', path(k), was));
      if (e.driver) out.push(uevent('bind', path(k), e));
    }
  }
}

/** models the queue uevents: those gone (unbind, remove) in the old bus order, then those new (add, bind) or rebound (unbind, bind) in the new one. */
function diffQueues(before: QueueCensus, after: QueueCensus, out: UeventEvent[]): void {
  const driver = (c: QueueCensus, key: number): string | undefined => c.drivers[codeOf(c, key) - 1];
  const entry = (key: number, d: string | undefined): Entry => queueEntry(key, d)[1];
  const path = (key: number): string => queueEntry(key, undefined)[0];
  for (const apid of before.cards)
    for (let key = apqnKey(apid, 0); key <= apqnKey(apid, 255); key++) {
      if (!codeOf(before, key) || codeOf(after, key)) continue;
      const was = driver(before, key);
      if (was) out.push(uevent('unbind', path(key), entry(key, was)));
      out.push(uevent('remove', path(key), entry(key, was)));
    }
  for (const apid of after.cards)
    for (let key = apqnKey(apid, 0); key <= apqnKey(apid, 255); key++) {
      if (!codeOf(after, key)) continue;
      const now = driver(after, key);
      if (!codeOf(before, key)) {
        out.push(uevent('add', path(key), entry(key, now)));
        if (now) out.push(uevent('bind', path(key), entry(key, now)));
        continue;
      }
      const was = driver(before, key);
      if (was === now) continue;
      if (was) out.push(uevent('unbind', path(key), entry(key, was)));
      if (now) out.push(uevent('bind', path(key), entry(key, now)));
    }
}

/** models the uevents between two censuses: unbind then remove, add then bind, and driver changes. */
export function censusDiff(before: Census, after: Census): UeventEvent[] {
  const out: UeventEvent[] = [];
  diffMaps(before.devices, after.devices, (p) => p, out);
  diffQueues(before.queues, after.queues, out);
  return out;
}
