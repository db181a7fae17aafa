// A guest runs crypto through its passthrough queues: its zcrypt's results equal
// node:crypto's, its instructions reach exactly the APQNs of its CRYCB, two guests on one
// adapter never see each other's replies, resets and unplugs drop what a guest left
// pending, host configuration changes reach its queues, and pending replies survive a
// snapshot/restore. Every VM step goes through reload() as separate CLI calls would.

import { s390Board } from '../../src/vmm/s390/board.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import { describe, expect, it } from 'vitest';
import { encodeType6Me } from '../../src/core/ap-msg-type6.js';
import { bigIntToBytes, bytesToBigInt } from '../../src/core/rsa-math.js';
import { crtPartLengths } from '../../src/core/zcrypt-uapi.js';
import type { RsaRequest } from '../../src/core/zcrypt-ops.js';
import { guestRsa } from '../../src/guest/guest-zcrypt.js';
import { lszcrypt } from '../../src/guest/lszcrypt.js';
import { writeText } from '../../src/kernel/syscall-surface.js';
import { hex, messageFor, nodePrivate, nodePublic, rsaKey, type TestKey } from '../kernel/zcrypt/rsa-keys.js';
import { AP_CPU, MATRIX, UUID_A, UUID_B, bootTwin, makeMdev, read, reload, type Twin } from '../vmm/helpers.js';

function start(t: Twin, uuid: string, name: string): void {
  const r = t.vms.start(['-cpu', AP_CPU, '-name', name, '-device', `vfio-ap,sysfsdev=${MATRIX}/${uuid},id=ap0`]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
}

const pad = (b: Uint8Array, n: number): Uint8Array => bigIntToBytes(bytesToBigInt(b), n);
const meReq = (k: TestKey, exponent: Uint8Array, input: Uint8Array): RsaRequest => ({ op: 'me', length: k.length, modulus: k.n, exponent: pad(exponent, k.length), input });
function crtReq(k: TestKey, input: Uint8Array): RsaRequest {
  const { short, long } = crtPartLengths(k.length);
  return { op: 'crt', length: k.length, npPrime: pad(k.p, long), nqPrime: pad(k.q, short), bpKey: pad(k.dp, long), bqKey: pad(k.dq, short), uMultInv: pad(k.qi, long), input };
}
const run = (t: Twin, id: string, req: RsaRequest) => {
  const vm = t.vms.get(id)!;
  return guestRsa(s390Board(vm).guest.cpu, s390Board(vm).guest.view, req);
};
const cpu = (t: Twin, id: string) => s390Board(t.vms.get(id)!).guest.cpu;
const pendingMsg = (k: TestKey, domain: number) => encodeType6Me({ length: k.length, exponent: pad(k.e, k.length), modulus: k.n, input: messageFor(k, 9) }, domain);

describe("the guest's zcrypt", () => {
  for (const [adapter, card] of [
    [5, 'CEX5C'],
    [6, 'CEX5A'],
  ] as const) {
    it(`computes node:crypto's results for 1024-4096-bit keys on ${card}, and only the guest's counters move`, () => {
      let t = bootTwin();
      makeMdev(t, UUID_A, [adapter], [4]);
      start(t, UUID_A, 'g1');
      t = reload(t);
      for (const bits of [1024, 2048, 3072, 4096]) {
        const k = rsaKey(bits);
        const m = messageFor(k, bits);
        expect(run(t, 'g1', crtReq(k, m))).toEqual({ ok: true, data: nodePrivate(k, m), apqn: `0${adapter}.0004` });
        const me = run(t, 'g1', meReq(k, k.e, m));
        expect(me.ok && hex(me.data)).toBe(hex(nodePublic(k, m)));
      }
      t = reload(t);
      expect(lszcrypt(s390Board(t.vms.get('g1')!).guest.view, false).stdout).toContain(`0${adapter}.0004  ${card}`);
      expect(lszcrypt(s390Board(t.vms.get('g1')!).guest.view, false).stdout).toMatch(new RegExp(`0${adapter}\\.0004 .* 8\\n`));
      // the host driver never saw that traffic
      expect(read(t, `/sys/devices/ap/card0${adapter}/request_count`)).toBe('0\n');
      expect(read(t, `/sys/devices/ap/card0${adapter}/0${adapter}.0004/request_count`)).toBe('-\n');
    });
  }

  it('fails ENODEV with no queue to use, ENOENT without AP instructions, EINVAL for input >= modulus', () => {
    let t = bootTwin();
    makeMdev(t, UUID_A, [5], []);
    start(t, UUID_A, 'g1');
    // a CPU model without AP instructions: no ap-bus, no zcrypt in the guest
    expect(t.vms.start(['-cpu', 'host,ap=off,apqci=off,apft=off,apqi=off', '-name', 'g2']).exitCode).toBe(0);
    t = reload(t);
    const k = rsaKey(1024);
    expect(run(t, 'g1', crtReq(k, messageFor(k, 1)))).toEqual({ ok: false, errno: 'ENODEV' });
    expect(run(t, 'g2', crtReq(k, messageFor(k, 1)))).toEqual({ ok: false, errno: 'ENOENT' });
    writeText(t.sh, `${MATRIX}/${UUID_A}/assign_domain`, '4');
    t = reload(t);
    expect(run(t, 'g1', meReq(k, k.e, k.n))).toEqual({ ok: false, errno: 'EINVAL' });
  });
});

describe("the guest's AP instructions", () => {
  it('reach the queues of its CRYCB and nothing else: 01 outside, the real queue inside', () => {
    let t = bootTwin();
    makeMdev(t, UUID_A, [5], [4]);
    start(t, UUID_A, 'g1');
    t = reload(t);
    expect(cpu(t, 'g1').tapq(5, 4, false).status).toMatchObject({ responseCode: 0, queueEmpty: true, irqEnabled: false });
    for (const [a, d] of [
      [5, 0x47],
      [6, 4],
      [7, 4],
    ])
      expect(cpu(t, 'g1').tapq(a!, d!, false).rc).toBe(0x01);
    const k = rsaKey(1024);
    expect(cpu(t, 'g1').nqap(5, 0x47, 1n, pendingMsg(k, 0x47)).responseCode).toBe(0x01);
    expect(apOf(t.host).bus.machine.pending(5, 0x47)).toBe(0);
  });

  it('two guests on different domains of one adapter never see each other`s replies', () => {
    let t = bootTwin();
    makeMdev(t, UUID_A, [5], [4]);
    makeMdev(t, UUID_B, [6], [0x47]);
    writeText(t.sh, `${MATRIX}/${UUID_B}/unassign_adapter`, '6');
    writeText(t.sh, `${MATRIX}/${UUID_B}/assign_adapter`, '5');
    start(t, UUID_A, 'g1');
    start(t, UUID_B, 'g2');
    t = reload(t);
    const k = rsaKey(1024);
    expect(cpu(t, 'g1').nqap(5, 4, 0xa1n, pendingMsg(k, 4)).responseCode).toBe(0);
    expect(cpu(t, 'g2').nqap(5, 0x47, 0xb1n, pendingMsg(k, 0x47)).responseCode).toBe(0);
    t = reload(t);
    expect(cpu(t, 'g2').dqap(5, 4).status.responseCode).toBe(0x01);
    expect(cpu(t, 'g2').dqap(5, 0x47).psmid).toBe(0xb1n);
    expect(cpu(t, 'g2').dqap(5, 0x47).status).toMatchObject({ responseCode: 0x10, queueEmpty: true });
    expect(cpu(t, 'g1').tapq(5, 4, false).status).toMatchObject({ repliesWaiting: true });
    expect(cpu(t, 'g1').dqap(5, 4).psmid).toBe(0xa1n);
  });
});

describe('resets, unplugs and host configuration changes', () => {
  function withPending(): Twin {
    let t = bootTwin();
    makeMdev(t, UUID_A, [5], [4, 0x47]);
    start(t, UUID_A, 'g1');
    t = reload(t);
    const k = rsaKey(1024);
    expect(cpu(t, 'g1').nqap(5, 4, 1n, pendingMsg(k, 4)).responseCode).toBe(0);
    expect(cpu(t, 'g1').nqap(5, 0x47, 2n, pendingMsg(k, 0x47)).responseCode).toBe(0);
    return reload(t);
  }

  it('pending replies survive a snapshot and restore, bytes and psmid', () => {
    const t = withPending();
    const again = reload(t);
    expect(JSON.stringify(again.host.snapshot())).toBe(JSON.stringify(t.host.snapshot()));
    const r = cpu(again, 'g1').dqap(5, 4);
    expect(r.psmid).toBe(1n);
    expect(r.reply).toEqual(cpu(t, 'g1').dqap(5, 4).reply);
  });

  it('system_reset drops them: the host sees the queues empty', () => {
    let t = withPending();
    t.vms.get('g1')!.systemReset();
    t = reload(t);
    expect(apOf(t.host).bus.machine.tapq(5, 4).status).toMatchObject({ responseCode: 0, queueEmpty: true });
    expect(apOf(t.host).bus.machine.pending(5, 0x47)).toBe(0);
    expect(cpu(t, 'g1').dqap(5, 4).status.responseCode).toBe(0x10);
  });

  it('unplugging the device drops them', () => {
    let t = withPending();
    expect(t.vms.get('g1')!.monitor('device_del ap0').error).toBe(false);
    t = reload(t);
    expect(apOf(t.host).bus.machine.pending(5, 4) + apOf(t.host).bus.machine.pending(5, 0x47)).toBe(0);
  });

  it('hot unplugging one domain drops only that domain`s replies', () => {
    let t = withPending();
    writeText(t.sh, `${MATRIX}/${UUID_A}/unassign_domain`, '0x47');
    t = reload(t);
    expect(apOf(t.host).bus.machine.pending(5, 0x47)).toBe(0);
    expect(apOf(t.host).bus.machine.pending(5, 4)).toBe(1);
    expect(cpu(t, 'g1').tapq(5, 0x47, false).rc).toBe(0x01);
  });

  it('an adapter leaving the LPAR answers "not available"; a deconfigured one "deconfigured"', () => {
    let t = withPending();
    writeText(t.sh, '/sys/devices/ap/card05/config', '0');
    t = reload(t);
    expect(cpu(t, 'g1').tapq(5, 4, false).rc).toBe(0x03);
    expect(cpu(t, 'g1').dqap(5, 4).status.responseCode).toBe(0x03);
    apOf(t.host).configChange('remove', 'adapter', 5);
    t = reload(t);
    expect(cpu(t, 'g1').tapq(5, 4, false).rc).toBe(0x01);
  });
});
