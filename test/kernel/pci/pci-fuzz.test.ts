// Random bytes at every writable attribute of a p9 host (the adapter on vfio-pci with its
// group held by a container, the drive on nvme): nothing but a KernelError escapes, only
// the errnos the PCI core, the drivers and EEH document for that file occur, and a failed
// write changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError, type ErrnoName } from '../../../src/core/errno.js';
import { VFIO_SPAPR_TCE_v2_IOMMU } from '../../../src/core/vfio-uapi.js';
import { O_WRONLY } from '../../../src/kernel/syscall-surface.js';
import { boot, state, type Shell } from '../sh.js';
import { ETH0, ETH1, openGroup, toVfio } from './spapr-user.js';

const RULES: [RegExp, ErrnoName[]][] = [
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

function writableFiles(sh: Shell): string[] {
  const out: string[] = [];
  const visit = (path: string) => {
    const st = sh.sys.lstat(path);
    if (st.kind === 'dir') for (const n of sh.sys.readdir(path)) visit(`${path}/${n}`);
    else if (st.kind === 'file' && st.mode & 0o200) out.push(path);
  };
  visit('/sys');
  return out;
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
    for (const f of files) expect(RULES.some(([re]) => re.test(f)), `no rule for ${f}`).toBe(true);
  });

  it.each(files)('%s', (path) => {
    const allowed = RULES.find(([re]) => re.test(path))![1];
    fc.assert(
      fc.property(input, (bytes) => {
        const sh = setup();
        const before = state(sh.host);
        const fd = sh.sys.open(path, O_WRONLY);
        let result: number | ErrnoName;
        try {
          result = sh.sys.write(fd, bytes);
        } catch (e) {
          if (!isKernelError(e)) throw e;
          result = e.code;
        }
        if (typeof result === 'number') expect(result).toBe(Math.min(bytes.length, 4096));
        else {
          expect(allowed, `${path} ← ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}`).toContain(result);
          expect(state(sh.host)).toEqual(before);
        }
      }),
      { numRuns: 25 },
    );
  });
});
