// Property tests over random sequences of sysfs writes, host configuration changes and
// guest attach/detach: the invariants of spec vfio-ap §1.5 after every step, failed writes
// change nothing, and snapshots round-trip through JSON into an identical twin.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Host, type HostSnapshot } from '../../src/kernel/host.js';
import { checkInvariants, prepare, readTree, Runner, scenarioArb, type Op } from './ops.js';
import { boot, bootSpec, fixedClock, Shell, state } from './sh.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';

const HOSTS = {
  'doc, modern': () => boot('doc'),
  'doc, legacy': () => boot('doc', 'legacy'),
  'no APXA, three adapters': () =>
    bootSpec({
      apxa: false,
      adapters: [
        { id: 5, type: 'CEX5C' },
        { id: 6, type: 'CEX6P' },
        { id: 7, type: 'CEX4A' },
      ],
      usageDomains: [4, 9, 15],
      controlDomains: [4, 9],
    }),
};

/** Both twins answer every further write the same way and end up equal. */
function expectSameFuture(a: Runner, b: Runner, ops: readonly Op[]): void {
  for (const op of ops) expect(b.run(op), JSON.stringify(op)).toEqual(a.run(op));
  expect(state(b.host)).toEqual(state(a.host));
  expect(b.sh.dmesg()).toEqual(a.sh.dmesg());
  expect(readTree(b.sh)).toEqual(readTree(a.sh));
  checkInvariants(b.host);
}

describe.each(Object.entries(HOSTS))('%s', (_name, make) => {
  it('keeps the §1.5 invariants after every step; failed writes change nothing', () => {
    fc.assert(
      fc.property(scenarioArb({ kvm: true, maxOps: 40 }), (s) => {
        const runner = new Runner(prepare(make(), s));
        checkInvariants(runner.host);
        for (const op of s.ops) runner.step(op);
      }),
      { numRuns: 150 },
    );
  });

  it('snapshot → JSON → restore gives the same snapshot, the same reads and the same future', () => {
    fc.assert(
      fc.property(scenarioArb({ kvm: false, maxOps: 30 }), scenarioArb({ kvm: false, maxOps: 15 }), (s, next) => {
          const a = new Runner(prepare(make(), s));
          for (const op of s.ops) a.run(op);
          const json = JSON.stringify(a.host.snapshot());
          const restored = Host.restore(JSON.parse(json) as HostSnapshot, { now: fixedClock() });
          expect(JSON.stringify(restored.snapshot())).toBe(json);
          const b = new Runner(new Shell(restored));
          expect(readTree(b.sh)).toEqual(readTree(a.sh));
          expectSameFuture(a, b, next.ops);
        }),
      { numRuns: 40 },
    );
  });

  it('a restored twin whose queues are made on first use answers every write as the original does', () => {
    fc.assert(
      fc.property(scenarioArb({ kvm: false, maxOps: 20 }), scenarioArb({ kvm: false, maxOps: 20 }), (s, next) => {
        const a = new Runner(prepare(make(), s));
        for (const op of s.ops) a.run(op);
        // no read of the whole tree first: the restored bus still implies its probe-state queues
        const b = new Runner(new Shell(Host.restore(JSON.parse(JSON.stringify(a.host.snapshot())) as HostSnapshot, { now: fixedClock() })));
        expectSameFuture(a, b, next.ops);
      }),
      { numRuns: 40 },
    );
  });
});

describe('targeted sequences', () => {
  const seq = (sh: Shell, ops: Op[]) => {
    const r = new Runner(sh);
    for (const op of ops) r.step(op);
    return r;
  };

  it('a guest attached across hot plug, unplug and host changes always holds the shadow', () => {
    const r = seq(prepare(boot(), { free: true, mdevs: 0 }), [
      { kind: 'create', u: 0, upper: true },
      { kind: 'kvm', u: 0, attach: true },
      { kind: 'id', u: 0, file: 'assign_adapter', value: '5' },
      { kind: 'id', u: 0, file: 'assign_domain', value: '4' },
      { kind: 'id', u: 0, file: 'assign_control_domain', value: '4' },
      { kind: 'bind', drv: 'vfio_ap', unbind: true, apqn: '05.0004' },
      { kind: 'bind', drv: 'vfio_ap', unbind: false, apqn: '05.0004' },
      { kind: 'config', op: 'remove', what: 'domain', id: 4, type: 'CEX7C' },
      { kind: 'config', op: 'add', what: 'domain', id: 4, type: 'CEX7C' },
      { kind: 'config', op: 'remove', what: 'control-domain', id: 4, type: 'CEX7C' },
      { kind: 'apConfig', u: 0, value: '0x06,0x08,0x08\n' },
      { kind: 'remove', u: 0, value: '1' },
    ]);
    expect(apOf(r.host).vfioAp.byUuid.size).toBe(0);
  });

  it('restore keeps unbound cards and queues unbound', () => {
    const sh = boot();
    expect(sh.echo('card05', '/sys/bus/ap/drivers/cex4card/unbind')).toBe(7);
    expect(sh.echo('06.0047', '/sys/bus/ap/drivers/cex4queue/unbind')).toBe(8);
    const restored = new Shell(Host.restore(JSON.parse(JSON.stringify(sh.host.snapshot())) as HostSnapshot));
    expect(restored.ls('/sys/bus/ap/drivers/cex4card')).toEqual(sh.ls('/sys/bus/ap/drivers/cex4card'));
    expect(restored.cat('/sys/devices/ap/card05/type')).toBe('ENOENT');
    expect(readTree(restored)).toEqual(readTree(sh));
  });
});
