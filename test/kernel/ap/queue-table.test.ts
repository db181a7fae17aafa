// The AP bus's queue table against a plain Map holding every queue: whatever is asked of
// it, in whatever order, a table whose queues are implied answers as the full map does.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apqnKey } from '../../../src/core/apqn.js';
import type { ApQueue } from '../../../src/kernel/ap/ap-device.js';
import { QueueTable } from '../../../src/kernel/ap/queue-table.js';

const ADAPTERS = [0, 5, 6, 255];
const DOMAINS = [0, 4, 0xab, 0xff];
const fake = (apid: number, apqi: number, tag = 'implied'): ApQueue => ({ apid, apqi, key: apqnKey(apid, apqi), tag }) as unknown as ApQueue;

const keyArb = fc.record({ apid: fc.constantFrom(...ADAPTERS, 7), apqi: fc.constantFrom(...DOMAINS, 9) }).map(({ apid, apqi }) => apqnKey(apid, apqi));
const opArb = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: keyArb }),
  fc.record({ op: fc.constant('has' as const), key: keyArb }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('set' as const), key: keyArb }),
  fc.record({ op: fc.constant('size' as const) }),
  fc.record({ op: fc.constant('values' as const) }),
);

describe('QueueTable', () => {
  it('answers get, has, delete, set, size and values as a map built in full', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const model = new Map<number, ApQueue>();
        for (const apid of ADAPTERS) for (const apqi of DOMAINS) model.set(apqnKey(apid, apqi), fake(apid, apqi));
        const table = new QueueTable();
        let made = 0;
        table.imply(ADAPTERS, DOMAINS, (apid, apqi) => (made++, fake(apid, apqi)));
        for (const o of ops) {
          switch (o.op) {
            case 'get':
              expect(table.get(o.key)).toEqual(model.get(o.key));
              break;
            case 'has':
              expect(table.has(o.key)).toBe(model.has(o.key));
              break;
            case 'delete':
              expect(table.delete(o.key)).toBe(model.delete(o.key));
              break;
            case 'set': {
              const q = fake(o.key >>> 8, o.key & 0xff, 'set');
              table.set(o.key, q);
              model.set(o.key, q);
              break;
            }
            case 'size':
              expect(table.size).toBe(model.size);
              break;
            case 'values':
              expect([...table.values()].sort((a, b) => a.key - b.key)).toEqual([...model.values()].sort((a, b) => a.key - b.key));
          }
        }
        expect(made).toBeLessThanOrEqual(ADAPTERS.length * DOMAINS.length);
      }),
      { numRuns: 500 },
    );
  });

  it('makes nothing until a queue is asked for, and only that queue', () => {
    const table = new QueueTable();
    const made: number[] = [];
    table.imply(ADAPTERS, DOMAINS, (apid, apqi) => (made.push(apqnKey(apid, apqi)), fake(apid, apqi)));
    expect(table.size).toBe(16);
    expect(table.has(apqnKey(5, 4))).toBe(true);
    expect(made).toEqual([]);
    table.get(apqnKey(5, 4));
    table.get(apqnKey(5, 4));
    expect(made).toEqual([apqnKey(5, 4)]);
    expect([...table.madeValues()].map((q) => q.key)).toEqual([apqnKey(5, 4)]);
    // a full iteration makes the rest, in APQN order
    expect([...table.values()].map((q) => q.key)).toEqual(ADAPTERS.flatMap((a) => DOMAINS.map((d) => apqnKey(a, d))));
  });
});
