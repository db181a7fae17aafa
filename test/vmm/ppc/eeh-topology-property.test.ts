// vfio_eeh_as_ok over random topologies: the three functions of the p9 preset placed at
// random on up to three PHBs. A group never spans two address spaces (QEMU refuses the
// start); otherwise each PHB's space holds one container, and EEH is available to the guest
// exactly when that container holds exactly one group.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spaprBoard } from '../../../src/vmm/ppc/board.js';
import { vfioEehAsOk } from '../../../src/vmm/vfio/vfio-eeh.js';
import type { VfioContainer } from '../../../src/vmm/vfio/vfio-common.js';
import { BASE, ETH0, ETH1, NVME, bootP9 } from './helpers.js';

const FUNCTIONS = [
  { bdf: ETH0, group: 0 },
  { bdf: ETH1, group: 0 },
  { bdf: NVME, group: 1 },
];

describe('vfio_eeh_as_ok', () => {
  it('is true exactly for one container with one group (any list of containers)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 3 }), { maxLength: 4 }), (groupCounts) => {
        const containers = groupCounts.map((n) => ({ groups: new Array(n).fill({}) }) as unknown as VfioContainer);
        expect(vfioEehAsOk({ list: () => containers })).toBe(groupCounts.length === 1 && groupCounts[0] === 1);
      }),
    );
  });

  it('over random placements of the p9 functions on PHBs 0..2', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 3, maxLength: 3 }), (place) => {
        const t = bootP9();
        const args = [...BASE, '-device', 'spapr-pci-host-bridge,index=1', '-device', 'spapr-pci-host-bridge,index=2'];
        FUNCTIONS.forEach((f, i) => {
          if (place[i]! >= 0) args.push('-device', `vfio-pci,host=${f.bdf},bus=pci.${place[i]}`);
        });
        const r = t.vms.start(args);
        const eth = [place[0]!, place[1]!].filter((p) => p >= 0);
        if (eth.length === 2 && eth[0] !== eth[1]) {
          expect(r.exitCode).toBe(1);
          expect(r.stderr).toContain('group 0 used in multiple address spaces');
          return;
        }
        expect(r.stderr).toBe('');
        const board = spaprBoard(r.vm!);
        for (const phb of board.phbs()) {
          const groups = new Set(FUNCTIONS.filter((_, i) => place[i] === phb.index).map((f) => f.group));
          expect(phb.as.list().length).toBe(groups.size > 0 ? 1 : 0);
          expect(phb.eehAvailable()).toBe(groups.size === 1);
        }
        for (const [dev, e] of Object.entries(board.guest.state.eeh)) {
          const phb = Number(dev.slice(0, 4));
          const groups = new Set(FUNCTIONS.filter((_, i) => place[i] === phb).map((f) => f.group));
          expect(e.status).toBe(groups.size === 1 ? 0 : -3);
        }
      }),
      { numRuns: 60 },
    );
  });
});
