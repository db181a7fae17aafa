// ap_bus.c's mask syntax: relative `+N,-M-K` terms and absolute MSB-first hex.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApMask } from '../../src/core/ap-mask.js';
import { applyRelativeMask, parseHexMask, parseMaskWrite } from '../../src/core/ap-mask-parse.js';
import { isKernelError } from '../../src/core/errno.js';

function outcome(fn: () => ApMask): number[] | string {
  try {
    return fn().ids();
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

const ALL = ApMask.full();
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('absolute hex (hex2bitmap)', () => {
  it.each([
    ['5', [1, 3]], // a bare number is hex: 0101 → ids 1 and 3, not id 5
    ['0x5', [1, 3]],
    ['x5', [1, 3]],
    ['0x', []],
    ['0x\n', []],
    ['', []],
    ['\n', []],
    ['0x7d', [1, 2, 3, 4, 5, 7]],
    ['0x41\n', [1, 7]],
    ['0xffff', range(0, 15)],
    ['0x40', [1]],
    ['8', [0]],
    ['0xF0', [0, 1, 2, 3]], // upper-case digits are hex digits
    [`0x${'f'.repeat(64)}`, range(0, 255)],
    [`${'0'.repeat(63)}1\n`, [255]],
  ])('%j → %j', (input, expected) => {
    expect(outcome(() => parseHexMask(input))).toEqual(expected);
  });

  it.each([
    `0x${'0'.repeat(65)}`, // a 65th digit
    `${'f'.repeat(65)}`,
    '0X5', // only a lower-case x prefix is skipped
    '0x5 ',
    ' 0x5',
    '0x5\n\n',
    '0xg',
    'xx5',
    '0x5,0x6',
    '5\r\n',
  ])('%j → EINVAL', (input) => {
    expect(outcome(() => parseHexMask(input))).toBe('EINVAL');
  });

  it('reads the same ids it prints', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 255 })), (list) => {
        const m = ApMask.fromIds(list);
        expect(parseHexMask(m.toHex()).equals(m)).toBe(true);
        expect(parseHexMask(`${m.toHex().slice(2)}\n`).equals(m)).toBe(true);
      }),
    );
  });

  it('pads a short string with zeros on the right', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{1,64}$/), (digits) => {
        expect(parseHexMask(`0x${digits}`).toHex()).toBe(`0x${digits.padEnd(64, '0')}`);
      }),
    );
  });
});

describe('relative terms (modify_bitmap)', () => {
  it.each([
    ['+0-255,-128', ApMask.empty(), range(0, 255).filter((x) => x !== 128)], // later terms win
    ['-128,+0-255', ApMask.empty(), range(0, 255)],
    ['+5', ApMask.empty(), [5]],
    ['+0x5', ApMask.empty(), [5]],
    ['+010', ApMask.empty(), [8]], // octal
    ['+0', ApMask.empty(), [0]],
    ['+1,+2,+3,+4,-5,-7-10', ApMask.of(5, 8, 9, 11), [1, 2, 3, 4, 11]],
    ['-5,-6', ALL, range(0, 255).filter((x) => x !== 5 && x !== 6)],
    ['-0x5,-0x6', ALL, range(0, 255).filter((x) => x !== 5 && x !== 6)],
    ['+5\n', ApMask.empty(), [5]],
    ['+5,', ApMask.empty(), [5]],
    ['+5,,\n,+6', ApMask.empty(), [5, 6]],
    ['+5\n+6\n', ApMask.empty(), [5, 6]],
    ['+255', ApMask.empty(), [255]],
    ['+0xff-0xff', ApMask.empty(), [255]],
    ['+18446744073709551617', ApMask.empty(), [1]], // simple_strtoul wraps
  ])('%j applied → %j', (input, current, expected) => {
    expect(outcome(() => applyRelativeMask(input, current))).toEqual(expected);
  });

  it.each([
    '+256',
    '+0x100',
    '+0-256',
    '+6-5',
    '+5-',
    '+',
    '-',
    '+x',
    '+5 ',
    '+5;+6',
    '+5,6', // every term needs its sign
    '+5 ,+6',
    '+08',
    '+0x',
    '+5--6',
  ])('%j → EINVAL', (input) => {
    expect(outcome(() => applyRelativeMask(input, ApMask.empty()))).toBe('EINVAL');
  });

  it('does not touch the current mask, also on failure', () => {
    const current = ApMask.of(1, 2);
    applyRelativeMask('+3,-1', current);
    expect(outcome(() => applyRelativeMask('+3,-1,+999', current))).toBe('EINVAL');
    expect(current.ids()).toEqual([1, 2]);
  });

  it('matches a set model for random well-formed term lists', () => {
    const term = fc.record({
      sign: fc.constantFrom('+', '-'),
      a: fc.integer({ min: 0, max: 255 }),
      len: fc.integer({ min: 0, max: 20 }),
      fmt: fc.constantFrom('dec', 'hex', 'oct'),
    });
    const render = (n: number, fmt: string) => (fmt === 'hex' ? `0x${n.toString(16)}` : fmt === 'oct' && n > 0 ? `0${n.toString(8)}` : `${n}`);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 255 })), fc.array(term, { minLength: 1, maxLength: 8 }), (start, terms) => {
        const model = new Set(start);
        const parts = terms.map(({ sign, a, len, fmt }) => {
          const z = Math.min(255, a + len);
          for (let id = a; id <= z; id++) if (sign === '+') model.add(id);
          else model.delete(id);
          return z === a ? `${sign}${render(a, fmt)}` : `${sign}${render(a, fmt)}-${render(z, fmt)}`;
        });
        const result = applyRelativeMask(`${parts.join(',')}\n`, ApMask.fromIds(start));
        expect(result.ids()).toEqual([...model].sort((x, y) => x - y));
      }),
    );
  });
});

describe('ap_parse_bitmap_str: the first character picks the form', () => {
  it('relative for +/-, absolute otherwise', () => {
    const current = ApMask.of(9);
    expect(parseMaskWrite('+5', current).ids()).toEqual([5, 9]);
    expect(parseMaskWrite('-9', current).ids()).toEqual([]);
    expect(parseMaskWrite('0x04', current).ids()).toEqual([5]);
    expect(parseMaskWrite('04', current).ids()).toEqual([5]);
  });

  it('stops at a NUL like the C string the store gets', () => {
    expect(parseMaskWrite('+5\0+6', ApMask.empty()).ids()).toEqual([5]);
    expect(parseMaskWrite('0x8\0zz', ApMask.empty()).ids()).toEqual([0]);
  });

  it('answers only EINVAL to arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), (s) => {
        const r = outcome(() => parseMaskWrite(s, ApMask.of(3)));
        expect(Array.isArray(r) || r === 'EINVAL').toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
