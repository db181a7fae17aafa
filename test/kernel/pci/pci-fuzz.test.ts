// Random bytes at every writable attribute of a p9 host (the adapter on vfio-pci with its
// group held by a container, the drive on nvme): nothing but a KernelError escapes, only
// the errnos the PCI core, the drivers and EEH document for that file occur, and a failed
// write changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VFIO_SPAPR_TCE_v2_IOMMU } from '../../../src/core/vfio-uapi.js';
import { filesWithoutRule, fuzzWrites, writableFiles, type WriteRules } from '../fuzz-driver.js';
import { boot, type Shell } from '../sh.js';
import { ETH0, ETH1, openGroup, toVfio } from './spapr-user.js';

const RULES: WriteRules = [
  [/\/driver_override$/, ['EINVAL']],
  [/\/drivers\/[^/]+\/bind$/, ['ENODEV', 'EBUSY', 'EINVAL']],
  [/\/drivers\/[^/]+\/unbind$/, ['ENODEV']],
  [/\/new_id$/, ['EINVAL', 'EEXIST']],
  [/\/remove_id$/, ['EINVAL', 'ENODEV']],
  [/\/drivers_probe$/, ['ENODEV', 'EINVAL']],
  [/\/(drivers_autoprobe|eeh_pe_state|config)$/, []],
  [/\/uevent$/, ['EINVAL']],
];

function setup(): Shell {
  const sh = boot('p9');
  for (const bdf of [ETH0, ETH1]) toVfio(sh, bdf);
  openGroup(sh, 0, VFIO_SPAPR_TCE_v2_IOMMU);
  return sh;
}

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const token = fc.oneof(
  fc.constantFrom(ETH0, ETH1, '0001:01:00.0', '0000:00:00.0', '0000:09:00.0', 'vfio-pci', 'ixgbe', 'nvme', 'pcieport', '8086 10fb', '144d a822', '8086 10fb ffffffff ffffffff 0 0 1', 'add', '1', '0'),
  fc.stringMatching(/^[0-9a-f]{1,8}( [0-9a-f]{1,8}){0,7}$/),
);
const input: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 80 }) },
  { weight: 4, arbitrary: fc.tuple(token, fc.constantFrom('', '\n', '\0', ' ', '\n\n')).map((p) => latin1(p.join(''))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4090, maxLength: 4200 }) },
);

describe('fuzz: random bytes at every writable PCI attribute of a p9 host', () => {
  const files = writableFiles(setup()).filter((f) => f.startsWith('/sys/bus/pci') || f.startsWith('/sys/devices/pci'));

  it('finds them all and has a rule for each', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(filesWithoutRule(files, RULES)).toEqual([]);
  });

  it.each(files)('%s', (path) => fuzzWrites(path, { setup, rules: RULES, input, numRuns: 25 }));
});
