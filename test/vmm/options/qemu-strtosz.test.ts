import { describe, expect, it } from 'vitest';
import { parseOptionNumber, parseQemuBool, qemuStrtosz, strtoull } from '../../../src/vmm/options/index.js';

const KiB = 1024n;
const MiB = KiB * KiB;
const GiB = MiB * KiB;
const EiB = GiB * GiB;

describe('qemuStrtosz (QEMU 7.2)', () => {
  it('scales by binary suffixes and reads fractions', () => {
    const ok: [string, bigint][] = [
      ['0', 0n], ['512', 512n], ['1k', KiB], ['1K', KiB], ['1M', MiB], ['1g', GiB], ['1b', 1n], ['1E', EiB],
      ['1.5G', 3n * GiB / 2n], ['1.G', GiB], ['1.k', KiB], ['1.0', 1n], ['0.5k', 512n], [' 1G', GiB], ['+1G', GiB],
      ['08', 8n], ['15E', 15n * EiB], ['18446744073709551615', (1n << 64n) - 1n], ['0x10', 16n], ['0X1', 1n],
      ['0.0000000001k', 0n],
    ];
    for (const [text, value] of ok) {
      const r = qemuStrtosz(text);
      expect(r.ok && r.value, text).toBe(value);
    }
    const r = qemuStrtosz('15.99E');
    expect(r.ok).toBe(true);
  });

  it('warns about hex with a suffix, even when the rest fails', () => {
    expect(qemuStrtosz('0x10M')).toEqual({ ok: true, value: 16n * MiB, hexSuffixWarning: true });
    expect(qemuStrtosz('0x10Mx')).toEqual({ ok: false, errno: 'EINVAL', hexSuffixWarning: true });
  });

  it('refuses what qemu-system-s390x 7.2 refuses', () => {
    const invalid = ['', 'foo', '1Q', '-1', '-0', '1-', '0x', '0x-1', '0x1.5', '1.5', '.5k', '1.5x', '1.5.', '1e3', '1.5e3G', '1 G', '1GB', '1.5ee'];
    for (const text of invalid) expect(qemuStrtosz(text), text).toMatchObject({ ok: false, errno: 'EINVAL' });
    for (const text of ['16E', '18446744073709551616', '-99999999999999999999']) {
      expect(qemuStrtosz(text), text).toMatchObject({ ok: false, errno: 'ERANGE' });
    }
    // trailing text turns an overflow into EINVAL, as at QEMU's single exit
    expect(qemuStrtosz('99999999999999999999x')).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});

describe('numbers and booleans', () => {
  it('models glibc strtoull', () => {
    expect(strtoull('  -1', 0, 0)).toEqual({ value: (1n << 64n) - 1n, end: 4, overflow: false });
    expect(strtoull('0x', 0, 0)).toEqual({ value: 0n, end: 1, overflow: false });
    expect(strtoull('010', 0, 0).value).toBe(8n);
    expect(strtoull('x', 0, 10).end).toBe(0);
    expect(strtoull('99999999999999999999', 0, 10).overflow).toBe(true);
  });

  it('parses QemuOpts numbers with base 0 and wraps negatives', () => {
    expect(parseOptionNumber('slots', '0x10')).toBe(16n);
    expect(parseOptionNumber('slots', '-1')).toBe((1n << 64n) - 1n);
    expect(parseOptionNumber('slots', ' 1')).toBe(1n);
    expect(() => parseOptionNumber('slots', '')).toThrow("Parameter 'slots' expects a number");
    expect(() => parseOptionNumber('slots', '1x')).toThrow("Parameter 'slots' expects a number");
  });

  it('accepts exactly the 7.2 boolean words', () => {
    for (const w of ['on', 'yes', 'true', 'y']) expect(parseQemuBool('usb', w)).toBe(true);
    for (const w of ['off', 'no', 'false', 'n']) expect(parseQemuBool('usb', w)).toBe(false);
    for (const w of ['ON', 'Yes', '1', '0', '', 'maybe']) {
      expect(() => parseQemuBool('usb', w)).toThrow("Parameter 'usb' expects 'on' or 'off'");
    }
  });
});
