// 50 clients x 200 mixed requests on one served twin: every client creates its own mdev and
// then assigns, unassigns and reads at random while others change the AP masks. Requests are
// serialised on the twin, so each client's acknowledged changes are exactly what its mdev
// holds at the end, the invariants of spec vfio-ap §1.5 hold, and the state file with its
// journal equals the twin in memory (every acknowledged change was saved before it was answered).

import { describe, expect, it } from 'vitest';
import { LiveTwin } from '../../src/api/live-twin.js';
import { StateStore } from '../../src/api/state-store.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import { checkInvariants } from '../kernel/ops.js';
import { mdevPath, serveTwin, TYPE_DIR, type Served } from './helpers.js';

const CLIENTS = 50;
const OPS = 200;

/** A small seeded generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Expected {
  apm: Set<number>;
  aqm: Set<number>;
  adm: Set<number>;
}

async function client(s: Served, n: number, adapters: number[], domains: number[]): Promise<{ uuid: string; expected: Expected; acked: number }> {
  const rand = rng(0x5eed + n);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const uuid = `0000${n.toString(16).padStart(4, '0')}-0000-4000-8000-000000000000`;
  const expected: Expected = { apm: new Set(), aqm: new Set(), adm: new Set() };
  let acked = 0;
  const write = async (path: string, value: string): Promise<boolean> => {
    const r = await s.call('POST', '/api/v1/sys/write', { path, value });
    if (r.status >= 500) throw new Error(`${r.status} ${r.text}`);
    if (r.status === 200) acked++;
    return r.status === 200;
  };
  expect(await write(`${TYPE_DIR}/create`, uuid)).toBe(true);
  const m = mdevPath(uuid);
  for (let i = 1; i < OPS; i++) {
    const x = rand();
    const a = pick(adapters);
    const d = pick(domains);
    if (x < 0.2) {
      if (await write(`${m}/assign_adapter`, String(a))) expected.apm.add(a);
    } else if (x < 0.4) {
      if (await write(`${m}/assign_domain`, String(d))) expected.aqm.add(d);
    } else if (x < 0.5) {
      if (await write(`${m}/unassign_adapter`, String(a))) expected.apm.delete(a);
    } else if (x < 0.6) {
      if (await write(`${m}/unassign_domain`, String(d))) expected.aqm.delete(d);
    } else if (x < 0.7) {
      const assign = rand() < 0.7;
      if (await write(`${m}/${assign ? 'assign' : 'unassign'}_control_domain`, String(d))) {
        if (assign) expected.adm.add(d);
        else expected.adm.delete(d);
      }
    } else if (x < 0.78) {
      await write('/sys/bus/ap/apmask', `${rand() < 0.5 ? '-' : '+'}${a}`);
    } else if (x < 0.85) {
      await write('/sys/bus/ap/aqmask', `${rand() < 0.5 ? '-' : '+'}${d}`);
    } else if (x < 0.95) {
      expect((await s.call('GET', `/api/v1/sys/read?path=${m}/matrix`)).status).toBe(200);
    } else {
      expect((await s.call('GET', '/api/v1/dmesg?since=0')).status).toBe(200);
    }
  }
  return { uuid, expected, acked };
}

describe('50 concurrent clients x 200 mixed operations', () => {
  it('lose no acknowledged update and keep the invariants of spec vfio-ap §1.5', async () => {
    const s = await serveTwin({ preset: 'z16' });
    const grid = (await s.call('GET', '/api/v1/grid')).json;
    const adapters = grid.adapters as number[];
    const domains = (grid.domains as number[]).slice(0, 24);
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(s, n, adapters, domains)));
    const host = s.svc.live.host;
    const { vfioAp } = apOf(host);
    for (const r of results) {
      const m = vfioAp.byUuid.get(r.uuid)!;
      const sorted = (xs: Set<number>) => [...xs].sort((a, b) => a - b);
      expect({ uuid: r.uuid, apm: m.matrix.apm.ids(), aqm: m.matrix.aqm.ids(), adm: m.matrix.adm.ids() }).toEqual({
        uuid: r.uuid,
        apm: sorted(r.expected.apm),
        aqm: sorted(r.expected.aqm),
        adm: sorted(r.expected.adm),
      });
    }
    checkInvariants(host);
    expect(results.reduce((n, r) => n + r.acked, 0)).toBeGreaterThan(CLIENTS);
    // what a reader of the state finds (the file and the journal of writes since its last save)
    const saved = new LiveTwin(await new StateStore(s.state).loadTwin());
    expect(saved.snapshot()).toEqual(s.svc.live.snapshot());
  }, 300_000);
});
