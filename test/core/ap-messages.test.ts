// The AP message codecs and the arithmetic under them: type 50 and type 6 requests carry
// the key parts at the offsets zcrypt puts them, the replies convert to the errno zcrypt
// gives, the status word packs as asm/ap.h lays it out, and modPow/rsaCrt agree with
// BigInt arithmetic on any input (OpenSSL fast path or not).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeType50, encodeType50Crt, encodeType50Me, encodeType80, convertType50Reply, MSGTYPE50_CRB3_MAX_MSG_SIZE } from '../../src/core/ap-msg-type50.js';
import { convertType6IcaReply, convertType6RngReply, decodeType6, encodeType6Crt, encodeType6Me, encodeType6Rng, encodeType86Ica, encodeType86Rng } from '../../src/core/ap-msg-type6.js';
import { decodeQueueStatus, encodeQueueStatus, responseCodeName, statusOf } from '../../src/core/ap-queue-status.js';
import { readCprbx } from '../../src/core/cca-cprb.js';
import { bigIntToBytes, bytesToBigInt, modPow, modPowBigInt, rsaCrt } from '../../src/core/rsa-math.js';
import { encodeErrorReply } from '../../src/core/zcrypt-error.js';
import { pickQueue, type DispatchCard } from '../../src/core/zcrypt-dispatch.js';
import { ICARSACRT, ICARSAMODEXPO, decodeModexpo, decodeModexpoCrt, encodeModexpo, encodeModexpoCrt } from '../../src/core/zcrypt-uapi.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed + i * 7) & 0xff);

describe('zcrypt uapi', () => {
  it('has the ioctl numbers of asm/zcrypt.h', () => {
    expect(ICARSAMODEXPO).toBe(0xc0007a05);
    expect(ICARSACRT).toBe(0xc0007a06);
  });

  it('lays the structs out for s390x: big-endian, 8-byte pointers', () => {
    const mex = { inputdata: 0x1122n, inputdatalength: 256, outputdata: 0x3344n, outputdatalength: 512, bKey: 0x5566n, nModulus: 0x7788n };
    const b = encodeModexpo(mex);
    expect(b.length).toBe(48);
    expect(Buffer.from(b.subarray(8, 12)).toString('hex')).toBe('00000100');
    expect(decodeModexpo(b)).toEqual(mex);
    const crt = { inputdata: 1n, inputdatalength: 128, outputdata: 2n, outputdatalength: 128, bpKey: 3n, bqKey: 4n, npPrime: 5n, nqPrime: 6n, uMultInv: 7n };
    const c = encodeModexpoCrt(crt);
    expect(c.length).toBe(72);
    expect(c[55]).toBe(5);
    expect(decodeModexpoCrt(c)).toEqual(crt);
  });
});

describe('AP queue status word', () => {
  it('packs queue empty, replies waiting, full, async, IRQ and the response code MSB first', () => {
    const s = statusOf(0x10, { queueEmpty: true, irqEnabled: true });
    expect(encodeQueueStatus(s).toString(16)).toBe('81100000');
    expect(decodeQueueStatus(0x40000000 | (0x02 << 16))).toEqual(statusOf(0x02, { repliesWaiting: true }));
  });

  it('names response codes as the PoP does; 0x10 by instruction', () => {
    expect(responseCodeName(0)).toBe('normal');
    expect(responseCodeName(1)).toBe('APQN not available');
    expect(responseCodeName(0x10, 'NQAP')).toBe('queue full');
    expect(responseCodeName(0x10, 'DQAP')).toBe('no replies pending');
  });
});

describe('type 50', () => {
  it('MEB2 carries exponent, modulus and message right-justified in 256-byte fields', () => {
    const p = { length: 200, exponent: bytes(200, 1), modulus: bytes(200, 2), input: bytes(200, 3) };
    const msg = encodeType50Me(p)!;
    expect(msg.length).toBe(16 + 3 * 256);
    expect(msg[1]).toBe(0x50);
    const r = decodeType50(msg);
    if ('fault' in r || r.kind !== 'me') throw new Error('not decoded');
    expect(r.format).toBe(2);
    expect(r.modulus.subarray(56)).toEqual(p.modulus);
    expect(r.modulus.subarray(0, 56).every((b) => b === 0)).toBe(true);
  });

  it('CRB takes p, dp and u past their 8 extra bytes (MSGTYPE_ADJUSTMENT), q and dq as they are', () => {
    const long = bytes(72, 9);
    const p = { length: 128, input: bytes(128, 1), npPrime: long, nqPrime: bytes(64, 2), bpKey: long, bqKey: bytes(64, 3), uMultInv: long };
    const r = decodeType50(encodeType50Crt(p, 512)!);
    if ('fault' in r || r.kind !== 'crt') throw new Error('not decoded');
    expect(r.p).toEqual(long.subarray(8));
    expect(r.q).toEqual(p.nqPrime);
    expect(MSGTYPE50_CRB3_MAX_MSG_SIZE).toBe(16 + 5 * 256 + 512);
    // CRB3 only for 4K-capable accelerators
    expect(encodeType50Crt({ ...p, length: 512 }, 256)).toBeUndefined();
    expect(encodeType50Me({ length: 513, exponent: bytes(1, 0), modulus: bytes(1, 0), input: bytes(1, 0) })).toBeUndefined();
  });

  it('faults: wrong type 0x20, length 0x23, reserved field 0x24, unknown format 0x29', () => {
    const msg = encodeType50Me({ length: 16, exponent: bytes(16, 1), modulus: bytes(16, 2), input: bytes(16, 3) })!;
    expect(decodeType50(Uint8Array.from(msg, (b, i) => (i === 1 ? 0x51 : b)))).toEqual({ fault: 0x20 });
    expect(decodeType50(msg.subarray(0, msg.length - 1))).toEqual({ fault: 0x23 });
    expect(decodeType50(Uint8Array.from(msg, (b, i) => (i === 12 ? 1 : b)))).toEqual({ fault: 0x24 });
    expect(decodeType50(Uint8Array.from(msg, (b, i) => (i === 9 ? 0x07 : b)))).toEqual({ fault: 0x29 });
  });

  it('replies: the last bytes of a type 80, EINVAL/EAGAIN by reply code, offline for a short reply', () => {
    const out = bytes(128, 4);
    expect(convertType50Reply(encodeType80(out, 128), 128)).toEqual({ ok: true, data: out });
    expect(convertType50Reply(encodeErrorReply(0x82), 128)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(convertType50Reply(encodeErrorReply(0x10), 128)).toEqual({ ok: false, errno: 'EAGAIN' });
    expect(convertType50Reply(encodeType80(out, 64), 128)).toEqual({ ok: false, errno: 'EAGAIN', offline: true });
  });
});

describe('type 6 / type 86', () => {
  it('PK: header, CPRBX (T2, domain), PK/MRP, the text and a public-key token', () => {
    const p = { length: 32, exponent: bytes(32, 1), modulus: bytes(32, 2), input: bytes(32, 3) };
    const msg = encodeType6Me(p, 0x47);
    const r = decodeType6(msg);
    if ('fault' in r || r.kind !== 'ica') throw new Error('not decoded');
    expect([r.function, r.rule, r.cprbx.domain, r.cprbx.funcId]).toEqual(['PK', 'MRP     ', 0x47, 'T2']);
    expect(r.text).toEqual(p.input);
    expect(r.key).toEqual({ kind: 'public', exponent: p.exponent, modulus: p.modulus });
  });

  it('PD: a private CRT token with p, dp, u at half the width + 8 and a modulus of 0xFF', () => {
    const p = { length: 64, input: bytes(64, 1), npPrime: bytes(40, 2), nqPrime: bytes(32, 3), bpKey: bytes(40, 4), bqKey: bytes(32, 5), uMultInv: bytes(40, 6) };
    const msg = encodeType6Crt(p, 4);
    const r = decodeType6(msg);
    if ('fault' in r || r.kind !== 'ica' || r.key?.kind !== 'crt') throw new Error('not decoded');
    expect([r.function, r.rule]).toEqual(['PD', 'ZERO-PAD']);
    expect(r.key.p).toEqual(p.npPrime);
    expect(r.key.dq).toEqual(p.bqKey);
    expect(r.key.modLen).toBe(64);
    expect(Buffer.from(msg).includes(Buffer.alloc(64, 0xff))).toBe(true);
  });

  it('replies: data of a type 86, EINVAL for the malformed-request return codes, offline for others', () => {
    const req = readCprbx(encodeType6Rng(4), 88);
    const data = bytes(64, 8);
    expect(convertType6IcaReply(encodeType86Ica(req, 0, 0, data), 64)).toEqual({ ok: true, data });
    expect(convertType6IcaReply(encodeType86Ica(req, 8, 770), 64)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(convertType6IcaReply(encodeType86Ica(req, 12, 1), 64)).toEqual({ ok: false, errno: 'EAGAIN', offline: true });
    expect(convertType6IcaReply(encodeType86Ica(req, 0, 0, data), 32)).toEqual({ ok: false, errno: 'EMSGSIZE' });
    expect(convertType6RngReply(encodeType86Rng(req, data))).toEqual({ ok: true, data });
    const rng = decodeType6(encodeType6Rng(4, 128));
    expect(rng).toMatchObject({ kind: 'rng', rule: 'RANDOM  ', count: 128 });
  });
});

describe('modPow and rsaCrt', () => {
  it('modPow equals the BigInt reference for any base, exponent and modulus (odd, even, e >= n)', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, (1n << 600n) - 1n), fc.bigInt(0n, (1n << 600n) - 1n), fc.bigInt(1n, (1n << 600n) - 1n), (b, e, n) => {
        expect(modPow(b, e, n)).toBe(modPowBigInt(b, e, n));
      }),
      { numRuns: 300 },
    );
  });

  it('the sliding window agrees with repeated multiplication', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 1n << 64n), fc.integer({ min: 0, max: 300 }), fc.bigInt(1n, 1n << 64n), (b, e, n) => {
        let r = 1n % n;
        for (let i = 0; i < e; i++) r = (r * b) % n;
        expect(modPowBigInt(b, BigInt(e), n)).toBe(r);
      }),
    );
  });

  it('bytes and BigInts convert both ways at a fixed width', () => {
    expect(bigIntToBytes(0x1234n, 4)).toEqual(Uint8Array.from([0, 0, 0x12, 0x34]));
    expect(bytesToBigInt(Uint8Array.from([0, 0, 0x12, 0x34]))).toBe(0x1234n);
    // 3233 = 61 * 53, d = 2753, e = 17: the textbook key
    expect(rsaCrt(65n, 61n, 53n, 2753n % 60n, 2753n % 52n, 38n)).toBe(modPowBigInt(65n, 2753n, 3233n));
  });
});

describe('dispatch weighting', () => {
  const card = (apid: number, mode: 'accel' | 'cca', hwtype: number, requests: number[]): DispatchCard => ({
    apid,
    mode,
    hwtype,
    functions: mode === 'accel' ? 0x6800_0000 : 0x1000_0000,
    usable: true,
    load: 0,
    requests: BigInt(requests.reduce((a, b) => a + b, 0)),
    queues: requests.map((r, i) => ({ apqi: i, online: true, usable: true, load: 0, requests: BigInt(r) })),
  });

  it('prefers the faster card, then the queue with fewer requests', () => {
    const cards = [card(5, 'cca', 11, [0, 0]), card(6, 'accel', 11, [3, 1])];
    expect(pickQueue(cards, 3, 128, { againCounter: 0, lastQid: 0 })).toMatchObject({ card: { apid: 6 }, queue: { apqi: 1 }, weight: 18 });
  });

  it('penalises the queue and card a retried request failed on', () => {
    const cards = [card(6, 'accel', 11, [0, 5])];
    expect(pickQueue(cards, 3, 128, { againCounter: 1, lastQid: 0x0600 })).toMatchObject({ queue: { apqi: 1 } });
  });

  it('skips cards whose modulus limits do not fit and EP11 cards', () => {
    const ep11 = { ...card(7, 'cca', 13, [0]), mode: 'ep11' as const };
    expect(pickQueue([card(5, 'cca', 11, [0]), ep11], 0, 8, { againCounter: 0, lastQid: 0 })).toBeUndefined();
  });
});
