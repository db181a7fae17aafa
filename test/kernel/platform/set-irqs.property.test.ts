// Random sequences of VFIO_DEVICE_SET_IRQS (valid and not), host line changes and a user
// driver's unmask on an open vfio-platform device (seattle's XGBE: level and edge lines).
// After every step: `masked` is set only on level lines, agrees with the host line being
// disabled while a trigger is set, and a refused ioctl changed nothing — except the one
// case the kernel tears down first (a new trigger fd it then refuses).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VFIO_DEVICE_SET_IRQS,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  encodeIrqSet,
  encodeS32s,
} from '../../../src/core/vfio-uapi.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { EFD_NONBLOCK } from '../../../src/kernel/syscall-surface.js';
import { errno } from '../sh.js';
import { armHost, bindVfio, openDevice } from './platform-vfio.js';

const DEV = 'e0700000.xgmac';
const ACTIONS = [VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_TRIGGER];
const DATA = [VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL];

type Op =
  | { kind: 'set'; action: number; data: number; index: number; start: number; count: number; fd: 'trigger' | 'other' | 'bad' | 'group' | 'off'; bool: number }
  | { kind: 'line'; index: number; level: boolean }
  | { kind: 'userUnmask'; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    action: fc.constantFrom(...ACTIONS),
    data: fc.constantFrom(...DATA),
    index: fc.integer({ min: 0, max: 6 }),
    start: fc.constantFrom(0, 0, 0, 1),
    count: fc.constantFrom(1, 1, 1, 0, 2),
    fd: fc.constantFrom('trigger' as const, 'other' as const, 'bad' as const, 'group' as const, 'off' as const),
    bool: fc.constantFrom(0, 1),
  }),
  fc.record({ kind: fc.constant('line' as const), index: fc.integer({ min: 0, max: 5 }), level: fc.boolean() }),
  fc.record({ kind: fc.constant('userUnmask' as const), index: fc.constantFrom(0, 5) }),
);

describe('SET_IRQS, host lines and unmasks in any order', () => {
  it('keep masked and the host line in step, and a refused ioctl changes nothing', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const sh = armHost('seattle');
        bindVfio(sh, DEV);
        const { p, deviceFd, groupFd } = openDevice(sh, DEV);
        const trigger = p.eventfd(0, EFD_NONBLOCK);
        const other = p.eventfd(0, EFD_NONBLOCK);
        const part = platformOf(sh.host);
        const irqs = part.vfioPlatform.opsOf(DEV)!.irqs;
        const state = () => irqs.map((i) => ({ masked: i.masked, trigger: i.trigger, mask: i.mask?.eventfd, unmask: i.unmask?.eventfd, line: i.line.snapshot() }));
        for (const op of ops) {
          if (op.kind === 'line') {
            if (irqs[op.index]!.line.trigger === 'edge') part.driveIrq(DEV, op.index, false);
            else part.driveIrq(DEV, op.index, !op.level);
          } else if (op.kind === 'userUnmask') {
            p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index: op.index, start: 0, count: 1 }));
          } else {
            const fd = { trigger, other, bad: 99, group: groupFd, off: -1 }[op.fd];
            const data = op.data & VFIO_IRQ_SET_DATA_EVENTFD ? encodeS32s(Array(op.count).fill(fd)) : op.data & VFIO_IRQ_SET_DATA_BOOL ? new Uint8Array(op.count).fill(op.bool) : undefined;
            const before = state();
            const hadTrigger = irqs[op.index]?.trigger !== undefined;
            const r = errno(() => p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, encodeIrqSet({ flags: op.data | op.action, index: op.index, start: op.start, count: op.count, ...(data ? { data } : {}) })));
            if (r !== 0) {
              // vfio_platform_set_irq_trigger refuses start != 0 or count != 1 before it tears
              // the old trigger down: only such a request reaches the teardown
              const wellFormed = op.start === 0 && op.count === 1;
              const teardown = op.action === VFIO_IRQ_SET_ACTION_TRIGGER && op.data === VFIO_IRQ_SET_DATA_EVENTFD && hadTrigger && wellFormed && (op.fd === 'bad' || op.fd === 'group');
              if (teardown) expect(irqs[op.index]!.trigger).toBeUndefined();
              else expect(state()).toEqual(before);
            }
          }
          for (const irq of irqs) {
            if (irq.masked) expect(irq.line.trigger).toBe('level');
            if (irq.trigger) expect(irq.line.disabled).toBe(irq.masked);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
