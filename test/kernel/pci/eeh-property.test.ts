// Random sequences of host injections and VFIO EEH ops against a small model of a PowerNV
// PE (MMIO and DMA freeze bits, config blocked during reset): every op's result, the state
// GET_STATE reports, and what a config read through the device fd returns must agree, and
// a checkpoint taken anywhere restores to a twin with the same future.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VFIO_EEH_PE_OP, encodeEehPeOp, vfioPciRegionOffset } from '../../../src/core/vfio-spapr-uapi.js';
import { VFIO_GROUP_GET_DEVICE_FD, VFIO_SPAPR_TCE_v2_IOMMU } from '../../../src/core/vfio-uapi.js';
import { Host } from '../../../src/kernel/host.js';
import { pciOf } from '../../../src/kernel/pci/pci-subsystem.js';
import { errno } from '../sh.js';
import { ETH0, ioctl, openGroup, p9Vfio } from './spapr-user.js';

type Op = { kind: 'inject' } | { kind: 'eeh'; op: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(fc.constant<Op>({ kind: 'inject' }), fc.integer({ min: 0, max: 10 }).map((op): Op => ({ kind: 'eeh', op })));

interface Model {
  mmio: boolean;
  dma: boolean;
  blocked: boolean;
}

/** The model's answer to one op: the ioctl result and the next state. */
function step(m: Model, op: Op): number | string {
  if (op.kind === 'inject') {
    m.mmio = m.dma = true;
    return 0;
  }
  switch (op.op) {
    case 1:
      m.mmio = m.dma = false;
      return 0;
    case 2:
      m.mmio = false;
      return 0;
    case 3:
      m.dma = false;
      return 0;
    case 4:
      return m.mmio && m.dma ? 2 : m.dma ? 4 : m.mmio ? 5 : 0;
    case 5:
      m.mmio = m.dma = m.blocked = false;
      return 0;
    case 6:
    case 7:
      m.mmio = m.dma = m.blocked = true;
      return 0;
    case 0:
    case 8:
    case 9:
      if (op.op === 9) m.mmio = m.dma = true;
      return 0;
    default:
      return 'EINVAL';
  }
}

describe('EEH: the twin agrees with a PE model over random op sequences', () => {
  it('results, GET_STATE and device-fd config reads', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const sh = p9Vfio();
        const { group, container } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
        const dev = sh.sys.ioctl(group, VFIO_GROUP_GET_DEVICE_FD, ETH0);
        const pe = pciOf(sh.host).pes[0]!;
        const m: Model = { mmio: false, dma: false, blocked: false };
        for (const op of ops) {
          const want = step(m, op);
          const got = op.kind === 'inject' ? pe.injectError(0, 0) : ioctl(sh, container, VFIO_EEH_PE_OP, encodeEehPeOp(op.op));
          expect(got).toBe(want);
          const cls = sh.sys.pread(dev, 4, vfioPciRegionOffset(7) + 8n);
          expect(cls[3]).toBe(m.mmio || m.blocked ? 0xff : 0x02);
          expect([...sh.sys.pread(dev, 2, vfioPciRegionOffset(7))]).toEqual([0x86, 0x80]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a checkpoint at any point restores a twin with the same future', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.array(opArb, { maxLength: 12 }), (before, after) => {
        const sh = p9Vfio();
        const { container } = openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
        const run = (h: Host, ops: Op[]) =>
          ops.map((op) => (op.kind === 'inject' ? pciOf(h).pes[0]!.injectError(0, 0) : errno(() => h.processes.get(sh.sys.pid)!.ioctl(container, VFIO_EEH_PE_OP, encodeEehPeOp(op.op)))));
        run(sh.host, before);
        const copy = Host.restore(JSON.parse(JSON.stringify(sh.host.snapshot())));
        expect(run(copy, after)).toEqual(run(sh.host, after));
        expect(copy.snapshot().parts).toEqual(sh.host.snapshot().parts);
      }),
      { numRuns: 40 },
    );
  });
});
