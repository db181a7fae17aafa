// lib/kstrtox.c and lib/vsprintf.c number parsing, as every sysfs store of the twin uses it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError } from '../../src/core/errno.js';
import { cString, kstrtobool, kstrtoint, kstrtoul, kstrtoullDecimal, simpleStrtoul, sscanfInt } from '../../src/core/kstrtoul.js';

const ULONG_MAX = (1n << 64n) - 1n;

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

describe('kstrtoul(buf, 0)', () => {
  it.each([
    ['0', 0n],
    ['5', 5n],
    ['5\n', 5n],
    ['+5', 5n],
    ['+5\n', 5n],
    ['0x1f', 31n],
    ['0X1F', 31n],
    ['0xff\n', 255n],
    ['020', 16n], // QEMU's doc: echo 020 means 16
    ['0', 0n],
    ['00', 0n],
    ['18446744073709551615', ULONG_MAX],
    ['0xffffffffffffffff', ULONG_MAX],
    ['01777777777777777777777', ULONG_MAX],
  ])('%j → %s', (input, value) => {
    expect(kstrtoul(input)).toBe(value);
  });

  it.each([
    '',
    '\n',
    '+',
    '-1',
    '++1',
    ' 1',
    '1 ',
    '1\n\n',
    '1\n2',
    '0x',
    '0x\n',
    '0xg',
    '08',
    '09',
    'abc',
    '5a',
    '1.0',
    '１', // a full-width digit is not a digit
  ])('%j → EINVAL', (input) => {
    expect(outcome(() => kstrtoul(input))).toBe('EINVAL');
  });

  it.each(['18446744073709551616', '0x10000000000000000', '99999999999999999999999999', '99999999999999999999x', '02000000000000000000000'])(
    '%j → ERANGE (overflow wins over trailing garbage)',
    (input) => {
      expect(outcome(() => kstrtoul(input))).toBe('ERANGE');
    },
  );

  it('stops at a NUL as the C string the store gets would', () => {
    expect(kstrtoul('7\0garbage')).toBe(7n);
    expect(cString('ab\0cd')).toBe('ab');
    expect(cString('abcd')).toBe('abcd');
  });

  it('agrees with decimal, hex and octal renderings of any 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: ULONG_MAX }), fc.boolean(), (v, nl) => {
        const end = nl ? '\n' : '';
        expect(kstrtoul(`${v}${end}`)).toBe(v);
        expect(kstrtoul(`0x${v.toString(16)}${end}`)).toBe(v);
        expect(kstrtoul(`0${v.toString(8)}${end}`)).toBe(v);
        expect(kstrtoul(`+${v}${end}`)).toBe(v);
      }),
      { numRuns: 200 },
    );
  });

  it('answers ERANGE for every decimal value above ULONG_MAX', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: ULONG_MAX + 1n, max: ULONG_MAX * 1000n }), (v) => {
        expect(outcome(() => kstrtoul(String(v)))).toBe('ERANGE');
      }),
      { numRuns: 100 },
    );
  });

  it('never throws anything but EINVAL/ERANGE on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (s) => {
        const r = outcome(() => kstrtoul(s));
        expect(typeof r === 'bigint' || r === 'EINVAL' || r === 'ERANGE').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('simple_strtoul(str, &end, 0)', () => {
  it.each([
    ['12,', 0, 12n, 2],
    ['0x1f-', 0, 31n, 4],
    ['0x', 0, 0n, 1], // "0x" without a hex digit: octal 0, end before the x
    ['017', 0, 15n, 3],
    ['08', 0, 0n, 1],
    ['x', 0, 0n, 0],
    ['+5', 1, 5n, 2],
  ])('%j from %i → %s ending at %i', (s, at, value, end) => {
    expect(simpleStrtoul(s, at)).toEqual([value, end]);
  });

  it('wraps modulo 2^64 instead of failing', () => {
    expect(simpleStrtoul('18446744073709551617', 0)).toEqual([1n, 20]);
  });
});

describe('kstrtobool', () => {
  it.each([
    ['1', true],
    ['y', true],
    ['Yes', true],
    ['on', true],
    ['ON', true],
    ['0', false],
    ['n', false],
    ['No', false],
    ['off', false],
    ['oF', false],
    // modern lib/kstrtox.c: 'EeYyTt1' true, 'DdNnFf0' false
    ['true', true],
    ['T', true],
    ['enable', true],
    ['E', true],
    ['false', false],
    ['F', false],
    ['disable', false],
    ['D', false],
  ])('%j → %s', (s, v) => {
    expect(kstrtobool(s)).toBe(v);
  });

  it.each(['', 'o', 'ox', '2', ' 1', 'x'])('%j → EINVAL', (s) => {
    expect(outcome(() => kstrtobool(s))).toBe('EINVAL');
  });

});

describe('kstrtoint', () => {
  it.each([
    ['-5', -5],
    ['0x10', 16],
    ['2147483647', 2147483647],
    ['-2147483648', -2147483648],
  ])('%j → %i', (s, v) => {
    expect(kstrtoint(s)).toBe(v);
  });

  it.each([
    ['2147483648', 'ERANGE'],
    ['-2147483649', 'ERANGE'],
    ['-+5', 'EINVAL'],
    ['--5', 'EINVAL'],
    ['-', 'EINVAL'],
  ])('%j → %s', (s, code) => {
    expect(outcome(() => kstrtoint(s))).toBe(code);
  });
});

describe('sscanf "%d" / "%i"', () => {
  it.each([
    ['30\n', false, 30],
    ['  7junk', false, 7],
    ['-3', false, -3],
    ['0x10', true, 16],
    ['0x10', false, 0],
    ['010', true, 8],
    ['010', false, 10],
  ])('%j (auto base %s) → %i', (s, auto, v) => {
    expect(sscanfInt(s, auto)).toBe(v);
  });

  it.each(['', 'x', '-', '\n'])('%j → no conversion', (s) => {
    expect(sscanfInt(s, false)).toBeUndefined();
  });
});

describe('kstrtoull(buf, 10)', () => {
  it('takes decimal only', () => {
    expect(kstrtoullDecimal('250000\n')).toBe(250000n);
    expect(outcome(() => kstrtoullDecimal('0x10'))).toBe('EINVAL');
    expect(outcome(() => kstrtoullDecimal('18446744073709551616'))).toBe('ERANGE');
  });
});
