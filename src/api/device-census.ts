// Which devices exist and which driver each has, so a change can be told as the uevents
// the kernel sends for it (kobject_uevent from device_add, device_del, driver bind and
// unbind): the AP bus's cards and queues and the vfio_ap mdevs. Queues a restored twin has
// not built yet are in their probe state: bound as the AP masks reserve them
// (ap_owned_by_def_drv), since a mask write re-probes, and so builds, every queue it moves.

import { apqnKey, apqnName } from '../core/apqn.js';
import { apOf } from '../kernel/ap/ap-subsystem.js';
import type { Host } from '../kernel/host.js';
import { VFIO_AP_MDEV_DRIVER } from '../kernel/vfio-ap/matrix-mdev.js';
import { MATRIX_PATH } from '../kernel/vfio-ap/vfio-ap-driver.js';
import type { UeventEvent } from './twin-events.js';

interface Entry {
  subsystem: string;
  devtype?: string;
  driver?: string;
}

export interface Census {
  devices: Map<string, Entry>;
  /** Queue driver by APQN key (undefined: no driver bound). */
  queues: Map<number, string | undefined>;
}

const AP_DEVICES = '/devices/ap';

export function takeCensus(host: Host): Census {
  const census: Census = { devices: new Map(), queues: new Map() };
  if (host.spec.arch !== 's390x') return census;
  const { bus, vfioAp } = apOf(host);
  const made = new Map<number, string | undefined>();
  for (const q of bus.queues.madeValues()) made.set(q.key, q.driver?.name);
  const hostDriver = bus.drivers.find((d) => d.isDefault && d.name.endsWith('queue'))?.name;
  const vfioDriver = bus.drivers.find((d) => !d.isDefault)?.name;
  for (const card of bus.cards.values()) {
    census.devices.set(`${AP_DEVICES}/${card.name}`, { subsystem: 'ap', devtype: 'ap_card', driver: card.driver?.name });
    for (let apqi = 0; apqi < 256; apqi++) {
      const key = apqnKey(card.apid, apqi);
      if (made.has(key)) census.queues.set(key, made.get(key));
      else if (bus.queues.has(key)) census.queues.set(key, bus.reserved(card.apid, apqi) ? hostDriver : vfioDriver);
    }
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

/** models the uevents between two censuses: unbind then remove, add then bind, and driver changes. */
export function censusDiff(before: Census, after: Census): UeventEvent[] {
  const out: UeventEvent[] = [];
  diffMaps(before.devices, after.devices, (p) => p, out);
  const changedQueues = (from: Census, to: Census): Map<number, Entry> => {
    const m = new Map<number, Entry>();
    for (const [k, d] of from.queues) if (!to.queues.has(k) || to.queues.get(k) !== d) m.set(k, queueEntry(k, d)[1]);
    return m;
  };
  diffMaps(changedQueues(before, after), changedQueues(after, before), (k) => queueEntry(k, undefined)[0], out);
  return out;
}
