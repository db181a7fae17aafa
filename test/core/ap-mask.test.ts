// 256-bit AP masks: MSB-first text form (ID 0 is the leftmost bit), set algebra.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApMask } from '../../src/core/ap-mask.js';

const ids = fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 40 });
const hex64 = (prefix: string) => `0x${prefix.padEnd(64, '0')}`;

describe('ApMask', () => {
  it('prints MSB-first as the kernel documentation shows it', () => {
    expect(ApMask.of(1, 2, 3, 4, 5, 7).toHex()).toBe(hex64('7d'));
    expect(ApMask.of(1, 7).toHex()).toBe(hex64('41'));
    expect(ApMask.of(0).toHex()).toBe(hex64('8'));
    expect(ApMask.of(255).toHex()).toBe(`0x${'0'.repeat(63)}1`);
    expect(ApMask.of(5, 6).toHex()).toBe(hex64('06'));
    expect(ApMask.of(4, 0x47, 0xab, 0xff).toHex()).toBe('0x0800000000000000010000000000000000000000001000000000000000000001');
    expect(ApMask.empty().toHex()).toBe(hex64(''));
    expect(ApMask.full().toHex()).toBe(`0x${'f'.repeat(64)}`);
    expect(ApMask.range(0, 255).equals(ApMask.full())).toBe(true);
  });

  it('toHex/fromHex round-trip and toJSON is the hex form', () => {
    fc.assert(
      fc.property(ids, (list) => {
        const m = ApMask.fromIds(list);
        expect(ApMask.fromHex(m.toHex()).equals(m)).toBe(true);
        expect(JSON.stringify(m)).toBe(JSON.stringify(m.toHex()));
        expect(m.toHex()).toMatch(/^0x[0-9a-f]{64}$/);
      }),
    );
  });

  it('fromHex refuses anything but the canonical form', () => {
    expect(() => ApMask.fromHex('0x1')).toThrow();
    expect(() => ApMask.fromHex(`0X${'0'.repeat(64)}`)).toThrow();
    expect(() => ApMask.fromHex(`0x${'F'.repeat(64)}`)).toThrow();
  });

  it('behaves as a set of ids 0..255 (model check)', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const ma = ApMask.fromIds(a);
        const mb = ApMask.fromIds(b);
        const sa = new Set(a);
        const sb = new Set(b);
        const sorted = (s: Iterable<number>) => [...s].sort((x, y) => x - y);
        expect(ma.ids()).toEqual(sorted(sa));
        expect(ma.count()).toBe(sa.size);
        expect(ma.isEmpty()).toBe(sa.size === 0);
        expect(ma.last()).toBe(sa.size ? Math.max(...sa) : -1);
        expect(ma.and(mb).ids()).toEqual(sorted([...sa].filter((x) => sb.has(x))));
        expect(ma.or(mb).ids()).toEqual(sorted(new Set([...sa, ...sb])));
        expect(ma.andNot(mb).ids()).toEqual(sorted([...sa].filter((x) => !sb.has(x))));
        expect(ma.intersects(mb)).toBe([...sa].some((x) => sb.has(x)));
        expect(ma.equals(mb)).toBe(sorted(sa).join() === sorted(sb).join());
        for (let id = 0; id < 256; id += 17) expect(ma.has(id)).toBe(sa.has(id));
      }),
    );
  });

  it('truncate keeps ids 0..max', () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: -1, max: 255 }), (list, max) => {
        expect(ApMask.fromIds(list).truncate(max).ids()).toEqual(list.filter((x) => x <= max).sort((x, y) => x - y));
      }),
    );
  });

  it('set/clear work in place and refuse ids outside 0..255', () => {
    const m = ApMask.empty();
    expect(m.set(3).set(200).ids()).toEqual([3, 200]);
    expect(m.clear(3).ids()).toEqual([200]);
    expect(() => m.set(256)).toThrow(RangeError);
    expect(() => m.set(-1)).toThrow(RangeError);
    expect(() => m.clear(1.5)).toThrow(RangeError);
    expect(m.has(256)).toBe(false);
    expect(m.has(-1)).toBe(false);
  });

  it('and/or/andNot/clone never alias their operands', () => {
    const a = ApMask.of(1);
    const b = ApMask.of(2);
    for (const r of [a.and(b), a.or(b), a.andNot(b), a.clone(), a.truncate(255)]) {
      r.set(9);
      expect(a.ids()).toEqual([1]);
      expect(b.ids()).toEqual([2]);
    }
  });
});
