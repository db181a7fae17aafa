// The bounded event store of the kernel's and the VMM's traces: the last `limit` events in
// order, whatever the count recorded, and a rollback that drops a failed command's events.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentEvents } from '../../src/core/recent-events.js';

describe('RecentEvents', () => {
  it('keeps the last `limit` events, oldest first, however many were pushed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 100 }), (limit, n) => {
        const r = new RecentEvents<{ seq: number }>(limit);
        for (let seq = 1; seq <= n; seq++) r.push({ seq });
        const first = Math.max(1, n - limit + 1);
        expect(r.list.map((e) => e.seq)).toEqual(Array.from({ length: n - first + 1 }, (_, i) => first + i));
      }),
    );
  });

  it('drops the events from a sequence number on, and clears', () => {
    const r = new RecentEvents<{ seq: number }>(10);
    for (let seq = 1; seq <= 6; seq++) r.push({ seq });
    r.dropFrom(4);
    expect(r.list.map((e) => e.seq)).toEqual([1, 2, 3]);
    r.clear();
    expect(r.list).toEqual([]);
  });
});
