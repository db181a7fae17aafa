// The AP hardware under the doc host (card05 CEX5C, card06 CEX5A; domains 04, 47, ab, ff):
// every outcome of TAPQ, NQAP, DQAP and RAPQ/ZAPQ with the response codes of the PoP, and
// what each card mode answers to well-formed and malformed messages.

import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeType50Crt, encodeType50Me, decodeType50 } from '../../../src/core/ap-msg-type50.js';
import { convertType6IcaReply, convertType6RngReply, encodeType6Me, encodeType6Rng } from '../../../src/core/ap-msg-type6.js';
import { readCprbx, readType86Header, TYPE86_FMT2_SIZE } from '../../../src/core/cca-cprb.js';
import { bigIntToBytes, bytesToBigInt } from '../../../src/core/rsa-math.js';
import type { ApMachine } from '../../../src/kernel/ap/ap-machine.js';
import { boot, type Shell } from '../sh.js';
import { hex, messageFor, nodePrivate, nodePublic, rsaKey } from '../zcrypt/rsa-keys.js';

const key = rsaKey(1024);
const meMsg = (input = messageFor(key, 1)) => encodeType50Me({ length: key.length, exponent: key.e, modulus: key.n, input })!;

let sh: Shell;
let hw: ApMachine;
beforeEach(() => {
  sh = boot();
  hw = apOf(sh.host).bus.machine;
});

describe('TAPQ', () => {
  it('an idle queue: 00, queue empty, no replies; interrupts on while zcrypt drives it', () => {
    expect(hw.tapq(6, 4)).toEqual({
      status: { queueEmpty: true, repliesWaiting: false, queueFull: false, async: false, irqEnabled: true, responseCode: 0 },
      info: { at: 11, fac: 0xea80_0000, qd: 8 },
    });
    expect(sh.echo('-6', '/sys/bus/ap/apmask')).toBe(3);
    expect(hw.tapq(6, 4).status.irqEnabled).toBe(false);
  });

  it('01 for an APQN the LPAR does not have, with no facility bits', () => {
    expect(hw.tapq(7, 4)).toEqual({ status: expect.objectContaining({ responseCode: 0x01 }) });
    expect(hw.tapq(6, 5).status.responseCode).toBe(0x01);
  });

  it('03 for a deconfigured adapter, 04 for a checkstopped one, both still with their type', () => {
    expect(sh.echo('0', '/sys/devices/ap/card06/config')).toBe(2);
    expect(hw.tapq(6, 4)).toMatchObject({ status: { responseCode: 0x03 }, info: { at: 11 } });
    apOf(sh.host).bus.cards.get(5)!.chkstop = true;
    expect(hw.tapq(5, 4)).toMatchObject({ status: { responseCode: 0x04 }, info: { at: 11 } });
  });
});

describe('NQAP and DQAP', () => {
  it('a reply per request, oldest first, under the psmid it was sent with', () => {
    expect(hw.nqap(6, 4, 0x11n, meMsg(messageFor(key, 1))).responseCode).toBe(0);
    expect(hw.nqap(6, 4, 0x22n, meMsg(messageFor(key, 2)))).toMatchObject({ responseCode: 0, queueEmpty: false, repliesWaiting: true });
    expect(hw.pending(6, 4)).toBe(2);
    const first = hw.dqap(6, 4);
    expect(first.psmid).toBe(0x11n);
    expect(hex(first.reply!.subarray(first.reply!.length - key.length))).toBe(hex(nodePublic(key, messageFor(key, 1))));
    expect(hw.dqap(6, 4)).toMatchObject({ psmid: 0x22n, status: { responseCode: 0, queueEmpty: true } });
  });

  it('DQAP on an empty queue: 10 (no replies pending) with queue empty', () => {
    expect(hw.dqap(6, 4)).toEqual({ status: expect.objectContaining({ responseCode: 0x10, queueEmpty: true, repliesWaiting: false }) });
  });

  it('NQAP on a full queue: 10 (queue full); the depth is the card`s (8)', () => {
    for (let i = 0; i < 8; i++) expect(hw.nqap(6, 4, BigInt(i), meMsg()).responseCode).toBe(0);
    expect(hw.tapq(6, 4).status).toMatchObject({ queueFull: true, repliesWaiting: true });
    expect(hw.nqap(6, 4, 99n, meMsg()).responseCode).toBe(0x10);
    hw.dqap(6, 4);
    expect(hw.nqap(6, 4, 99n, meMsg()).responseCode).toBe(0);
  });

  it('15 for a message over the card`s max_msg_size, 42 for a CPRB naming another domain', () => {
    expect(hw.nqap(6, 4, 1n, new Uint8Array(12289)).responseCode).toBe(0x15);
    const cca = encodeType6Me({ length: key.length, exponent: key.e, modulus: key.n, input: messageFor(key, 1) }, 0x47);
    expect(hw.nqap(5, 4, 1n, cca).responseCode).toBe(0x42);
    expect(hw.nqap(5, 0x47, 1n, cca).responseCode).toBe(0);
  });

  it('01, 03 and 04 refuse NQAP and DQAP as they do TAPQ', () => {
    expect(hw.nqap(7, 4, 1n, meMsg()).responseCode).toBe(0x01);
    expect(hw.dqap(7, 4).status.responseCode).toBe(0x01);
    apOf(sh.host).bus.queue(6, 4)!.chkstop = true;
    expect(hw.nqap(6, 4, 1n, meMsg()).responseCode).toBe(0x04);
    expect(sh.echo('0', '/sys/devices/ap/card06/config')).toBe(2);
    expect(hw.dqap(6, 0x47).status.responseCode).toBe(0x03);
  });
});

describe('RAPQ and ZAPQ', () => {
  it('drop every request and reply; the reset is in progress (02) until time passes', () => {
    hw.nqap(6, 4, 1n, meMsg());
    hw.nqap(6, 4, 2n, meMsg());
    expect(hw.reset(6, 4)).toMatchObject({ responseCode: 0, queueEmpty: true });
    expect(hw.pending(6, 4)).toBe(0);
    expect(hw.tapq(6, 4).status.responseCode).toBe(0x02);
    expect(hw.nqap(6, 4, 3n, meMsg()).responseCode).toBe(0x02);
    expect(hw.dqap(6, 4).status.responseCode).toBe(0x02);
    hw.elapse(6, 4);
    expect(hw.tapq(6, 4).status).toMatchObject({ responseCode: 0, queueEmpty: true });
  });

  it('ZAPQ and the wait for it (resetAndWait) leave what reset then elapse leave, answering the same', () => {
    const other = apOf(boot().host).bus.machine;
    for (const m of [hw, other]) {
      m.nqap(6, 4, 1n, meMsg());
      m.nqap(6, 4, 2n, meMsg());
    }
    const once = hw.resetAndWait(6, 4);
    const twoSteps = other.reset(6, 4);
    other.elapse(6, 4);
    expect(once).toEqual(twoSteps);
    expect(hw.snapshot()).toEqual(other.snapshot());
    expect(hw.tapq(6, 4)).toEqual(other.tapq(6, 4));
    // refused alike: an APQN the LPAR does not have
    expect(hw.resetAndWait(7, 4)).toEqual(other.reset(7, 4));
  });

  it('a deconfigured adapter is not reset (03) and loses its queues` entries when deconfigured', () => {
    hw.nqap(6, 4, 1n, meMsg());
    expect(sh.echo('0', '/sys/devices/ap/card06/config')).toBe(2);
    expect(hw.reset(6, 4).responseCode).toBe(0x03);
    expect(sh.echo('1', '/sys/devices/ap/card06/config')).toBe(2);
    expect(hw.pending(6, 4)).toBe(0);
  });

  it('an adapter leaving the configuration takes its queues with it', () => {
    hw.nqap(6, 4, 1n, meMsg());
    apOf(sh.host).configChange('remove', 'adapter', 6);
    expect(hw.tapq(6, 4).status.responseCode).toBe(0x01);
    apOf(sh.host).configChange('add', 'adapter', 6, 'CEX5A');
    expect(hw.pending(6, 4)).toBe(0);
  });

  it('the queue `reset` attribute resets through zcrypt`s state machine', () => {
    hw.nqap(6, 4, 1n, meMsg());
    expect(sh.cat('/sys/devices/ap/card06/06.0004/reset')).toBe('No Reset Timer set.\n');
    expect(sh.echo('1', '/sys/devices/ap/card06/06.0004/reset')).toBe(2);
    expect(hw.pending(6, 4)).toBe(0);
    expect(sh.cat('/sys/devices/ap/card06/06.0004/reset')).toBe('No Reset Timer set.\n');
    // on a queue no zcrypt driver runs, the state machine stays in its reset state
    expect(sh.echo('-6', '/sys/bus/ap/apmask')).toBe(3);
    expect(sh.echo('1', '/sys/devices/ap/card06/06.0004/reset')).toBe(2);
    expect(sh.cat('/sys/devices/ap/card06/06.0004/reset')).toBe('Reset in progress.\n');
  });
});

describe('what the cards compute and how they refuse', () => {
  const reply = (apid: number, apqi: number, msg: Uint8Array): Uint8Array => {
    expect(hw.nqap(apid, apqi, 1n, msg).responseCode).toBe(0);
    return hw.dqap(apid, apqi).reply!;
  };

  it('the accelerator: type 80 with the CRT result', () => {
    const k = rsaKey(2048);
    const m = messageFor(k, 5);
    const { short, long } = { short: 128, long: 136 };
    const pad = (b: Uint8Array, n: number) => bigIntToBytes(bytesToBigInt(b), n);
    const r = reply(6, 4, encodeType50Crt({ length: 256, input: m, npPrime: pad(k.p, long), nqPrime: pad(k.q, short), bpKey: pad(k.dp, long), bqKey: pad(k.dq, short), uMultInv: pad(k.qi, long) }, 512)!);
    expect(r[1]).toBe(0x80);
    expect(hex(r.subarray(r.length - 256))).toBe(hex(nodePrivate(k, m)));
  });

  it('the accelerator refuses with type 82: 0x20 for a type 6 message, 0x85 for an even modulus, 0x82 for input >= modulus', () => {
    expect(reply(6, 4, encodeType6Rng(4)).subarray(0, 5)).toEqual(Uint8Array.from([0, 0x82, 0, 0, 0x20]));
    const even = Uint8Array.from(key.n, (b, i) => (i === key.n.length - 1 ? b & 0xfe : b));
    expect(reply(6, 4, encodeType50Me({ length: key.length, exponent: key.e, modulus: even, input: messageFor(key, 1) })!)[4]).toBe(0x85);
    expect(reply(6, 4, meMsg(key.n))[4]).toBe(0x82);
    const broken = Uint8Array.from(meMsg(), (b, i) => (i === 9 ? 9 : b));
    expect(decodeType50(broken)).toEqual({ fault: 0x29 });
    expect(reply(6, 4, broken)[4]).toBe(0x29);
  });

  it('the coprocessor: type 86 with the result, 8/770 for a key it cannot use, random bytes for RL', () => {
    const ok = reply(5, 4, encodeType6Me({ length: key.length, exponent: key.d, modulus: key.n, input: messageFor(key, 2) }, 4));
    expect(convertType6IcaReply(ok, key.length)).toEqual({ ok: true, data: nodePrivate(key, messageFor(key, 2)) });
    const bad = reply(5, 4, encodeType6Me({ length: key.length, exponent: key.e, modulus: key.n, input: key.n }, 4));
    expect(readCprbx(bad, TYPE86_FMT2_SIZE)).toMatchObject({ ccpRtcode: 8, ccpRscode: 770 });
    expect(convertType6IcaReply(bad, key.length)).toEqual({ ok: false, errno: 'EINVAL' });
    const rng = reply(5, 4, encodeType6Rng(4, 64));
    expect(readType86Header(rng)).toMatchObject({ type: 0x86, count2: 64 });
    const random = convertType6RngReply(rng);
    expect(random.ok && random.data.length).toBe(64);
    expect(reply(5, 4, meMsg()).subarray(1, 5)).toEqual(Uint8Array.from([0x82, 0, 0, 0x20]));
  });
});
