import { describe, expect, it } from 'vitest';
import { OnDemand } from '../../src/core/on-demand.js';

describe('OnDemand', () => {
  it('serves preloaded values at once and loads the others once, on first use', async () => {
    let loads = 0;
    const t = new OnDemand<'a' | 'b' | 'c', number>('thing', { a: 1 }, { b: async () => (loads++, 2) });
    expect(t.get('a')).toBe(1);
    expect(() => t.get('b')).toThrow('the thing for b is not loaded');
    expect(await t.load('b')).toBe(2);
    expect(await t.load('b')).toBe(2);
    expect(t.get('b')).toBe(2);
    expect(loads).toBe(1);
    await expect(t.load('c')).rejects.toThrow('no thing for c');
  });
});
