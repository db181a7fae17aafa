// The guest's AP bus scan and lszcrypt inside the guest, over a scripted machine.

import { describe, expect, test } from 'vitest';
import { ApMask } from '../../src/core/ap-mask.js';
import { statusOf } from '../../src/core/ap-queue-status.js';
import { guestCpu, type CrycbView, type GuestMachine } from '../../src/guest/guest-machine.js';
import { Guest } from '../../src/guest/guest.js';
import { cardTypeName, emptyView, scanApBus, viewApqns } from '../../src/guest/guest-os.js';
import { lszcrypt } from '../../src/guest/lszcrypt.js';

const CEX8C = { at: 14, fac: 0x9280_0000, qd: 8 };
const CEX7P = { at: 13, fac: 0x8680_0000, qd: 8 };
const CEX6A = { at: 12, fac: 0xea80_0000, qd: 8 };

/** A machine with the given hardware and a CRYCB the test changes at will. */
function machine(cards: Record<number, { at: number; fac: number; qd: number }>, domains: number[], crycb: CrycbView): GuestMachine & { crycb(): CrycbView; set(c: CrycbView): void } {
  let current = crycb;
  return {
    crycb: () => current,
    set: (c) => (current = c),
    tapq: (apid, apqi) => {
      const card = cards[apid];
      if (!card || !domains.includes(apqi)) return { rc: 0x01, status: statusOf(0x01), at: 0, fac: 0, qd: 0 };
      return { rc: 0, status: statusOf(0, { queueEmpty: true }), ...card };
    },
    // a scan needs TAPQ only; the data path has its own tests (test/guest/guest-zcrypt.test.ts)
    nqap: () => statusOf(0x01),
    dqap: () => ({ status: statusOf(0x01) }),
    reset: () => statusOf(0x01),
    elapse: () => undefined,
    qciLimits: () => ({ apxa: true, na: 255, nd: 255 }),
  };
}

const all = { ap: true, apqci: true, apft: true, apqi: true };
const crycb = (format: 0 | 1 | 2, apm: number[], aqm: number[], adm: number[] = []): CrycbView => ({
  format,
  apm: ApMask.fromIds(apm),
  aqm: ApMask.fromIds(aqm),
  adm: ApMask.fromIds(adm),
});

describe('guest AP bus scan', () => {
  test('QCI gives the CRYCB masks; TAPQ finds the queues that exist', () => {
    const m = machine({ 1: CEX8C, 0x40: CEX7P }, [2, 0x47], crycb(2, [1, 3, 0x40], [2, 0x47, 0x80], [2]));
    const view = scanApBus(guestCpu(m, all), emptyView(true));
    expect(viewApqns(view)).toEqual(['01.0002', '01.0047', '40.0002', '40.0047']);
    expect(view.qci).toEqual({ apm: ApMask.fromIds([1, 3, 0x40]).toHex(), aqm: ApMask.fromIds([2, 0x47, 0x80]).toHex(), adm: ApMask.fromIds([2]).toHex() });
    expect(view.cards.map((c) => c.type)).toEqual(['CEX8C', 'CEX7P']);
  });

  test('without APQCI the guest probes APIDs 0-63 and APQIs 0-15 only', () => {
    const m = machine({ 1: CEX8C, 0x40: CEX7P }, [2, 0x47], crycb(2, [1, 0x40], [2, 0x47]));
    const view = scanApBus(guestCpu(m, { ...all, apqci: false }), emptyView(true));
    expect(viewApqns(view)).toEqual(['01.0002']);
  });

  test('without APFT no card type, so no devices', () => {
    const m = machine({ 1: CEX8C }, [2], crycb(2, [1], [2]));
    expect(scanApBus(guestCpu(m, { ...all, apft: false }), emptyView(true)).cards).toEqual([]);
  });

  test('a format-1 CRYCB holds APIDs 0-63 and APQIs 0-15 only', () => {
    const m = machine({ 1: CEX6A }, [2], crycb(1, [1], [2]));
    const view = scanApBus(guestCpu(m, all), emptyView(true));
    expect(view.maxAdapterId).toBe(63);
    expect(view.maxDomainId).toBe(15);
    expect(viewApqns(view)).toEqual(['01.0002']);
  });

  test('the view changes only at the next scan', () => {
    const m = machine({ 1: CEX8C, 2: CEX8C }, [2], crycb(2, [1], [2]));
    const g = new Guest(guestCpu(m, all), m);
    g.boot();
    expect(viewApqns(g.view)).toEqual(['01.0002']);
    m.set(crycb(2, [1, 2], [2]));
    expect(viewApqns(g.view)).toEqual(['01.0002']);
    g.rescan();
    expect(viewApqns(g.view)).toEqual(['01.0002', '02.0002']);
    m.set(crycb(2, [], []));
    g.configChanged();
    expect(viewApqns(g.view)).toEqual([]);
    expect(g.view.scans).toBe(3);
  });

  test('zcrypt card type names', () => {
    expect(cardTypeName(10, 0x0800_0000)).toBe('CEX4A');
    expect(cardTypeName(13, 0x1000_0000)).toBe('CEX7C');
    expect(cardTypeName(14, 0x0400_0000)).toBe('CEX8P');
  });
});

describe('lszcrypt in the guest', () => {
  const m = machine({ 5: CEX8C, 6: CEX7P }, [4, 0x47], crycb(2, [5, 6], [4, 0x47]));
  const view = scanApBus(guestCpu(m, all), emptyView(true));

  test('default columns', () => {
    expect(lszcrypt(view, false)).toEqual({
      exitCode: 0,
      stderr: '',
      stdout: [
        'CARD.DOM TYPE  MODE        STATUS     REQUESTS',
        '----------------------------------------------',
        '05       CEX8C CCA-Coproc  online            0',
        '05.0004  CEX8C CCA-Coproc  online            0',
        '05.0047  CEX8C CCA-Coproc  online            0',
        '06       CEX7P EP11-Coproc online            0',
        '06.0004  CEX7P EP11-Coproc online            0',
        '06.0047  CEX7P EP11-Coproc online            0',
        '',
      ].join('\n'),
    });
  });

  test('-V adds PENDING, HWTYPE, QDEPTH, FUNCTIONS and DRIVER (every column padded)', () => {
    const out = lszcrypt(view, true).stdout.split('\n');
    expect(out[0]).toBe('CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER     ');
    expect(out[1]).toBe('-'.repeat(92));
    expect(out[2]).toBe('05       CEX8C CCA-Coproc  online            0        0     14     08 S--D--N-F- cex4card   ');
    expect(out[3]).toBe('05.0004  CEX8C CCA-Coproc  online            0        0     14     08 S--D--N-F- cex4queue  ');
    expect(out[5]).toBe('06       CEX7P EP11-Coproc online            0        0     13     08 S----XN-F- cex4card   ');
  });
});
