// The census behind the `uevent` events: over random sequences of AP mask writes, card
// config changes, binds, unbinds and mdev changes, the uevents it tells are exactly those
// of a plain model (a Map entry per device and per queue, diffed in bus order).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apqnKey, apqnName } from '../../src/core/apqn.js';
import { bootHost } from '../../src/api/boot.js';
import { censusDiff, takeCensus } from '../../src/api/device-census.js';
import { LiveTwin } from '../../src/api/live-twin.js';
import type { UeventEvent } from '../../src/api/twin-events.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import type { Host } from '../../src/kernel/host.js';
import { mdevPath, TYPE_DIR, UUID_A } from '../cli/helpers.js';

type Model = Map<string, string | undefined>;

/**
 * The model: every device path with its driver, cards and queues in bus order; a queue a
 * restore has not built yet has the driver its probe would give it (ap_owned_by_def_drv).
 */
function model(host: Host): { devices: Model; queues: Model } {
  const devices: Model = new Map([...takeCensus(host).devices].map(([p, e]) => [p, e.driver]));
  const queues: Model = new Map();
  const { bus } = apOf(host);
  const made = new Map([...bus.queues.madeValues()].map((q) => [q.key, q.driver?.name]));
  const probed = (apid: number, apqi: number) => bus.drivers.find((d) => d.isDefault === bus.reserved(apid, apqi) && (!d.isDefault || d.name.endsWith('queue')))?.name;
  for (const card of bus.cards.values())
    for (let apqi = 0; apqi < 256; apqi++) {
      const key = apqnKey(card.apid, apqi);
      if (bus.queues.has(key)) queues.set(`/devices/ap/${card.name}/${apqnName(card.apid, apqi)}`, made.has(key) ? made.get(key) : probed(card.apid, apqi));
    }
  return { devices, queues };
}

/** The uevent actions the model's before and after imply: gone, then new or rebound. */
function expected(before: Model, after: Model): string[] {
  const out: string[] = [];
  for (const [p, d] of before)
    if (!after.has(p)) out.push(...(d ? [`unbind ${p} ${d}`] : []), `remove ${p}`);
  for (const [p, d] of after) {
    if (!before.has(p)) out.push(`add ${p}`, ...(d ? [`bind ${p} ${d}`] : []));
    else if (before.get(p) !== d) out.push(...(before.get(p) ? [`unbind ${p} ${before.get(p)}`] : []), ...(d ? [`bind ${p} ${d}`] : []));
  }
  return out;
}

const told = (events: UeventEvent[]): string[] => events.map((u) => `${u.action} ${u.devpath}${u.properties.DRIVER ? ` ${u.properties.DRIVER}` : ''}`);

const op = fc.oneof(
  fc.tuple(fc.constantFrom('/sys/bus/ap/apmask', '/sys/bus/ap/aqmask'), fc.constantFrom('-5', '+5', '-6', '+6', '-0x47', '+0xab', '-0xff')),
  fc.tuple(fc.constantFrom('/sys/devices/ap/card05/config', '/sys/devices/ap/card06/config'), fc.constantFrom('0', '1')),
  fc.tuple(fc.constantFrom('/sys/bus/ap/drivers/vfio_ap/unbind', '/sys/bus/ap/drivers/cex4queue/unbind', '/sys/bus/ap/drivers/vfio_ap/bind'), fc.constantFrom('05.0004', '06.0047')),
  fc.tuple(fc.constantFrom(`${TYPE_DIR}/create`, `${mdevPath(UUID_A)}/remove`, `${mdevPath(UUID_A)}/assign_adapter`), fc.constantFrom(UUID_A, '1', '5')),
);

describe('the device census', () => {
  it('tells the uevents of a plain per-device model, in bus order', async () => {
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(op, { maxLength: 12 }), async (restored, ops) => {
        // a restored twin builds its queues on first use: the census must see the unbuilt ones too
        const booted = LiveTwin.fromHost(await bootHost({ preset: 'doc' }));
        const twin = restored ? await LiveTwin.fromSnapshot(booted.snapshot()) : booted;
        for (const [path, value] of ops) {
          const before = model(twin.host);
          const census = takeCensus(twin.host);
          try {
            await twin.write(path, `${value}\n`);
          } catch {
            // a refused write may still have changed devices (and then tells it)
          }
          const after = model(twin.host);
          const uevents = told(censusDiff(census, takeCensus(twin.host)));
          expect(uevents).toEqual([...expected(before.devices, after.devices), ...expected(before.queues, after.queues)]);
          seen += uevents.length;
        }
      }),
      { numRuns: 60 },
    );
    expect(seen).toBeGreaterThan(10);
  });
});
