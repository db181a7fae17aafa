// Property test over random sequences of host operations, VM starts/stops, hot plugs,
// resets and CLI-style reloads (spec vfio-ap §1.5): an attached guest's CRYCB always equals
// what its mdev's driver state says it should hold; no APQN is ever visible to two guests;
// stopping every VM leaves no CRYCB, no attached mdev and every linked queue reset.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ApMask } from '../../src/core/ap-mask.js';
import { HostConfigError } from '../../src/kernel/ap/ap-subsystem.js';
import { isKernelError } from '../../src/core/errno.js';
import { writeText } from '../../src/kernel/syscall-surface.js';
import { viewApqns } from '../../src/guest/guest-os.js';
import { VfioApDevice } from '../../src/vmm/vfio/vfio-ap.js';
import { CREATE, MATRIX, bootTwin, reload, type Twin } from './helpers.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../src/kernel/kvm/s390/kvm-s390.js';
import { s390Board } from '../../src/vmm/s390/board.js';

const UUIDS = ['00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000c'];
const ADAPTERS = [5, 6, 7];
const DOMAINS = [4, 0x47, 0xab];

type Op =
  | { kind: 'assign' | 'unassign'; mdev: number; axis: 'adapter' | 'domain' | 'control_domain'; id: number }
  | { kind: 'config'; op: 'add' | 'remove'; what: 'adapter' | 'domain'; id: number }
  | { kind: 'start'; mdev: number; path: number }
  | { kind: 'stop' | 'reset' | 'unplug' | 'rescan'; vm: number }
  | { kind: 'plug'; vm: number; mdev: number }
  | { kind: 'remove' | 'create'; mdev: number }
  | { kind: 'reload' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('assign' as const, 'unassign' as const),
    mdev: fc.nat(2),
    axis: fc.constantFrom('adapter' as const, 'domain' as const, 'control_domain' as const),
    id: fc.constantFrom(...ADAPTERS, ...DOMAINS),
  }),
  fc.record({ kind: fc.constant('config' as const), op: fc.constantFrom('add' as const, 'remove' as const), what: fc.constantFrom('adapter' as const, 'domain' as const), id: fc.constantFrom(...ADAPTERS, ...DOMAINS) }),
  fc.record({ kind: fc.constant('start' as const), mdev: fc.nat(2), path: fc.nat(3) }),
  fc.record({ kind: fc.constantFrom('stop' as const, 'reset' as const, 'unplug' as const, 'rescan' as const), vm: fc.nat(3) }),
  fc.record({ kind: fc.constant('plug' as const), vm: fc.nat(3), mdev: fc.nat(2) }),
  fc.record({ kind: fc.constantFrom('remove' as const, 'create' as const), mdev: fc.nat(2) }),
  fc.constant({ kind: 'reload' as const }),
);

function paths(t: Twin, uuid: string): string[] {
  const drv = t.host.profile === 'modern' ? 'vfio_ap_mdev' : 'vfio_mdev';
  return [`${MATRIX}/${uuid}`, `/sys/bus/mdev/devices/${uuid}`, `/sys/bus/mdev/drivers/${drv}/${uuid}`, `${MATRIX}/mdev_supported_types/vfio_ap-passthrough/devices/${uuid}`];
}

/** Kernel refusals (errno) and hypervisor refusals are expected outcomes of random ops. */
function tolerate(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isKernelError(e) && !(e instanceof HostConfigError)) throw e;
  }
}

function apply(t: Twin, o: Op): Twin {
  const vmAt = (i: number) => t.vms.list()[i];
  switch (o.kind) {
    case 'assign':
    case 'unassign':
      tolerate(() => writeText(t.sh, `${MATRIX}/${UUIDS[o.mdev]}/${o.kind}_${o.axis}`, `0x${o.id.toString(16)}`));
      return t;
    case 'config':
      if (o.what === 'adapter' && !ADAPTERS.includes(o.id)) return t;
      if (o.what === 'domain' && !DOMAINS.includes(o.id)) return t;
      tolerate(() => apOf(t.host).configChange(o.op, o.what, o.id, 'CEX7C'));
      return t;
    case 'start':
      t.vms.start(['-device', `vfio-ap,sysfsdev=${paths(t, UUIDS[o.mdev]!)[o.path]},id=ap`]);
      return t;
    case 'stop':
      vmAt(o.vm)?.exit();
      return t;
    case 'reset':
      vmAt(o.vm)?.systemReset();
      return t;
    case 'rescan':
      {
        const vm = vmAt(o.vm);
        if (vm) s390Board(vm).guest.rescan();
      }
      return t;
    case 'unplug':
      vmAt(o.vm)?.monitor('device_del ap');
      return t;
    case 'plug':
      vmAt(o.vm)?.monitor(`device_add vfio-ap,sysfsdev=${MATRIX}/${UUIDS[o.mdev]},id=ap`);
      return t;
    case 'remove':
      tolerate(() => writeText(t.sh, `${MATRIX}/${UUIDS[o.mdev]}/remove`, '1'));
      return t;
    case 'create':
      tolerate(() => writeText(t.sh, CREATE, UUIDS[o.mdev]!));
      return t;
    case 'reload':
      return reload(t);
  }
}

/** The pairs APM x AQM of a CRYCB, as APQN keys. */
function apqns(apm: ApMask, aqm: ApMask): Set<number> {
  const out = new Set<number>();
  for (const a of apm) for (const d of aqm) out.add((a << 8) | d);
  return out;
}

function checkInvariants(t: Twin, freshViews = false): void {
  const seen = new Map<number, string>();
  const guestSeen = new Map<string, string>();
  for (const vm of t.vms.list()) {
    const c = s390Board(vm).crycb();
    const dev = s390Board(vm).vfioApDevices()[0];
    const mdev = dev ? apOf(t.host).vfioAp.byUuid.get(dev.vdev.name) : undefined;
    if (mdev) {
      // an attached guest's CRYCB == the shadow (modern) / the matrix (4.20 pushes it unfiltered)
      const want = t.host.profile === 'modern' ? mdev.shadow : mdev.matrix;
      expect({ apm: c.apm.toHex(), aqm: c.aqm.toHex(), adm: c.adm.toHex() }).toEqual({ apm: want.apm.toHex(), aqm: want.aqm.toHex(), adm: want.adm.toHex() });
    } else {
      expect(c.apm.isEmpty() && c.aqm.isEmpty() && c.adm.isEmpty()).toBe(true);
    }
    for (const k of apqns(c.apm, c.aqm)) {
      expect(seen.get(k), `APQN ${k.toString(16)} in the CRYCBs of ${seen.get(k)} and ${vm.id}`).toBeUndefined();
      seen.set(k, vm.id);
    }
    // A guest's AP bus view lags its CRYCB until its next scan: after a device_del no
    // config-change event reaches it, so it may still list queues another guest now has.
    // Views are exclusive once every guest has rescanned.
    if (freshViews)
      for (const q of viewApqns(s390Board(vm).guest.view)) {
        const holder = seen.get(parseInt(q.slice(0, 2), 16) << 8 | parseInt(q.slice(3), 16));
        if (holder !== undefined) expect(holder).toBe(vm.id);
        expect(guestSeen.get(q) === undefined || guestSeen.get(q) === vm.id).toBe(true);
        guestSeen.set(q, vm.id);
      }
    expect(dev === undefined || dev instanceof VfioApDevice).toBe(true);
  }
}

const stats = { attachedNonEmpty: 0, multi: 0 };

describe.each(['modern', 'legacy'] as const)('random operations, %s profile', (profile) => {
  test('CRYCB == driver state, no APQN shared, stopping everything clears everything', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        let t = bootTwin(profile);
        writeText(t.sh, '/sys/bus/ap/apmask', '-5,-6,-7');
        writeText(t.sh, '/sys/bus/ap/aqmask', '-4,-0x47,-0xab');
        for (const u of UUIDS) writeText(t.sh, CREATE, u);
        // start from the documentation's kind of matrices, so guests get something to see
        for (const [i, apids, apqis] of [[0, [5], [4, 0x47]], [1, [6], [4]], [2, [7], [0xab]]] as const) {
          for (const a of apids) tolerate(() => writeText(t.sh, `${MATRIX}/${UUIDS[i]}/assign_adapter`, String(a)));
          for (const d of apqis) tolerate(() => writeText(t.sh, `${MATRIX}/${UUIDS[i]}/assign_domain`, `0x${d.toString(16)}`));
        }
        for (const o of ops) {
          t = apply(t, o);
          checkInvariants(t);
          if (t.vms.list().some((vm) => !s390Board(vm).crycb().apm.isEmpty() && !s390Board(vm).crycb().aqm.isEmpty())) stats.attachedNonEmpty++;
          if (t.vms.list().length > 1) stats.multi++;
        }
        // every guest's view catches up at its rescan and then holds exactly its CRYCB's queues
        for (const vm of t.vms.list()) {
          s390Board(vm).guest.rescan();
          const c = s390Board(vm).crycb();
          for (const q of viewApqns(s390Board(vm).guest.view)) expect(c.apm.has(parseInt(q.slice(0, 2), 16)) && c.aqm.has(parseInt(q.slice(3), 16))).toBe(true);
        }
        checkInvariants(t, true);
        // the queues linked to an attached mdev must be reset (ZAPQ) when the VMs go away
        const mustReset = new Map<object, string>();
        for (const m of apOf(t.host).vfioAp.mdevList()) if (m.kvm) for (const q of m.linkedQueues()) if (q.dev.config) mustReset.set(q.dev, q.dev.name);
        const zapped = new Set<object>();
        for (const q of mustReset.keys()) {
          const dev = q as { zapq(): number };
          const orig = dev.zapq.bind(dev);
          dev.zapq = () => (zapped.add(q), orig());
        }
        for (const vm of t.vms.list()) vm.exit();
        expect([...mustReset.entries()].filter(([q]) => !zapped.has(q)).map(([, n]) => n)).toEqual([]);
        t = reload(t);
        expect(t.vms.list()).toEqual([]);
        expect([...t.host.kvms.vms.values()].filter((k) => s390Kvm(k).crycb.bytes.some((b) => b !== 0))).toEqual([]);
        for (const m of apOf(t.host).vfioAp.mdevList()) expect(m.kvm).toBeUndefined();
      }),
      { numRuns: 80 },
    );
    // the runs did attach guests to non-empty matrices
    expect(stats.attachedNonEmpty).toBeGreaterThan(0);
  });
});
