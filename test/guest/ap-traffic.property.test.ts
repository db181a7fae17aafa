// Random interleavings of host requests, guest requests (whole zcrypt calls and bare
// NQAP/DQAP), system resets, device unplugs and domain hot unplugs on one host with two
// guests on different domains of the same adapters. After every step: each request a
// guest enqueued has exactly one reply waiting, in order, unless a reset dropped it; no
// reply reaches another guest; the host's requests never touch a queue bound to vfio_ap.

import { s390Board } from '../../src/vmm/s390/board.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeType50Me } from '../../src/core/ap-msg-type50.js';
import { apqnName } from '../../src/core/apqn.js';
import { guestRsa } from '../../src/guest/guest-zcrypt.js';
import { writeText } from '../../src/kernel/syscall-surface.js';
import { icaRsaCrt } from '../../src/manage/ica.js';
import { messageFor, nodePrivate, rsaKey } from '../kernel/zcrypt/rsa-keys.js';
import { AP_CPU, MATRIX, UUID_A, UUID_B, bootTwin, makeMdev, reload, type Twin } from '../vmm/helpers.js';

const key = rsaKey(1024);
const inputs = [1, 2, 3].map((i) => messageFor(key, i));
const expected = inputs.map((m) => nodePrivate(key, m));
const GUESTS = { g1: { uuid: UUID_A, domain: 4 }, g2: { uuid: UUID_B, domain: 0x47 } } as const;
type G = keyof typeof GUESTS;
const ADAPTERS = [5, 6];

type Op =
  | { kind: 'host'; input: number }
  | { kind: 'guest'; g: G; input: number }
  | { kind: 'send'; g: G; adapter: number; other: boolean }
  | { kind: 'recv'; g: G; adapter: number }
  | { kind: 'reset'; g: G }
  | { kind: 'unplug'; g: G }
  | { kind: 'hotUnplug'; g: G; adapter: number }
  | { kind: 'reload' };

const g = fc.constantFrom<G>('g1', 'g2');
const adapter = fc.constantFrom(...ADAPTERS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('host' as const), input: fc.nat(2) }),
  fc.record({ kind: fc.constant('guest' as const), g, input: fc.nat(2) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('send' as const), g, adapter, other: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recv' as const), g, adapter }) },
  fc.record({ kind: fc.constant('reset' as const), g }),
  fc.record({ kind: fc.constant('unplug' as const), g }),
  fc.record({ kind: fc.constant('hotUnplug' as const), g, adapter }),
  fc.record({ kind: fc.constant('reload' as const) }),
);

/** What each guest has enqueued and not yet received, per APQN, oldest first. */
type Outstanding = Map<string, bigint[]>;

function setup(): Twin {
  const t = bootTwin();
  // the host keeps domains 0xab and 0xff of both adapters; 4 and 0x47 go to the guests
  writeText(t.sh, '/sys/bus/ap/apmask', '+5,+6');
  for (const [name, { uuid, domain }] of Object.entries(GUESTS)) {
    makeMdev(t, uuid, ADAPTERS, [domain]);
    expect(t.vms.start(['-cpu', AP_CPU, '-name', name, '-device', `vfio-ap,sysfsdev=${MATRIX}/${uuid},id=ap0`]).exitCode).toBe(0);
  }
  return t;
}

const meMsg = encodeType50Me({ length: key.length, exponent: key.e, modulus: key.n, input: inputs[0]! })!;

describe('AP traffic under random interleavings', () => {
  it('one reply per request or a reset, no reply across guests, no host request on a vfio_ap queue', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        let t = setup();
        const out: Record<G, Outstanding> = { g1: new Map(), g2: new Map() };
        let psmid = 1n;
        let hostOps = 0;
        const drop = (who: G, apqns?: string[]) => {
          for (const k of [...out[who].keys()]) if (!apqns || apqns.includes(k)) out[who].delete(k);
        };
        for (const op of ops) {
          const vm = op.kind === 'host' || op.kind === 'reload' ? undefined : t.vms.get(op.g)!;
          const mine = op.kind === 'host' || op.kind === 'reload' ? 0 : GUESTS[op.g].domain;
          switch (op.kind) {
            case 'host': {
              const p = t.host.process();
              const r = icaRsaCrt(p, key.length, { p: key.p, q: key.q, dp: key.dp, dq: key.dq, qinv: key.qi, input: inputs[op.input]! });
              p.exit();
              expect(r).toEqual(expected[op.input]);
              hostOps++;
              break;
            }
            case 'guest': {
              const r = guestRsa(s390Board(vm!).guest.cpu, s390Board(vm!).guest.view, { op: 'me', length: key.length, modulus: key.n, exponent: key.d, input: inputs[op.input]! });
              // the guest's zcrypt drops replies it does not know (bare sends of its own): only its own, never another's
              expect(r.ok).toBe(true);
              if (r.ok) {
                expect(r.data).toEqual(expected[op.input]);
                // its DQAPs took the older replies of that queue first: unassociated, dropped
                out[op.g].delete(r.apqn);
              }
              break;
            }
            case 'send': {
              // a guest may try a domain that is not its own: the SIE answers 01 and nothing is queued
              const domain = op.other ? GUESTS[op.g === 'g1' ? 'g2' : 'g1'].domain : mine;
              const id = psmid++;
              const rc = s390Board(vm!).guest.cpu.nqap(op.adapter, domain, id, meMsg).responseCode;
              if (op.other) expect(rc).toBe(0x01);
              if (rc === 0) {
                const apqn = apqnName(op.adapter, domain);
                out[op.g].set(apqn, [...(out[op.g].get(apqn) ?? []), id]);
              }
              break;
            }
            case 'recv': {
              const r = s390Board(vm!).guest.cpu.dqap(op.adapter, mine);
              const list = out[op.g].get(apqnName(op.adapter, mine)) ?? [];
              if (r.status.responseCode === 0) {
                expect(r.psmid).toBe(list[0]);
                list.shift();
              } else expect(list).toEqual([]);
              break;
            }
            case 'reset':
              vm!.systemReset();
              drop(op.g);
              break;
            case 'unplug':
              expect(vm!.monitor('device_del ap0').error).toBe(false);
              drop(op.g);
              expect(vm!.monitor(`device_add vfio-ap,sysfsdev=${MATRIX}/${GUESTS[op.g].uuid},id=ap0`).error).toBe(false);
              break;
            case 'hotUnplug': {
              const dir = `${MATRIX}/${GUESTS[op.g].uuid}`;
              writeText(t.sh, `${dir}/unassign_adapter`, `${op.adapter}`);
              drop(op.g, [apqnName(op.adapter, mine)]);
              writeText(t.sh, `${dir}/assign_adapter`, `${op.adapter}`);
              break;
            }
            case 'reload':
              t = reload(t);
              break;
          }
          // the hardware holds exactly what the guests have outstanding; the host's queues hold nothing
          for (const a of ADAPTERS)
            for (const d of [4, 0x47, 0xab, 0xff]) {
              const owner = d === 4 ? 'g1' : d === 0x47 ? 'g2' : undefined;
              const want = owner ? (out[owner].get(apqnName(a, d))?.length ?? 0) : 0;
              expect(apOf(t.host).bus.machine.pending(a, d)).toBe(want);
              const q = apOf(t.host).bus.queue(a, d)!;
              if (q.driver?.name === 'vfio_ap') expect(q.requestCount).toBe(0n);
            }
        }
        // every host request was counted on a queue zcrypt drives
        let counted = 0n;
        for (const q of apOf(t.host).bus.queues.values()) counted += q.requestCount;
        expect(counted).toBe(BigInt(hostOps));
      }),
      { numRuns: 30 },
    );
  });
});
