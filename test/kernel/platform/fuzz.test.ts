// Random bytes at every writable attribute of an ARM host (seattle, one port bound to
// vfio-platform and its device open): nothing but a KernelError escapes, only the errnos
// the driver core and the platform bus give occur, and a failed write changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filesWithoutRule, fuzzWrites, writableFiles, type WriteRules } from '../fuzz-driver.js';
import type { Shell } from '../sh.js';
import { armHost, bindVfio, openDevice } from './platform-vfio.js';

const RULES: WriteRules = [
  [/\/driver_override$/, ['EINVAL']],
  [/\/drivers\/[^/]+\/bind$/, ['ENODEV', 'EBUSY', 'ENOENT', 'EINVAL']],
  [/\/drivers\/[^/]+\/unbind$/, ['ENODEV', 'EBUSY']],
  [/\/drivers_probe$/, ['ENODEV', 'EINVAL']],
  [/\/drivers_autoprobe$/, []],
  [/\/uevent$/, ['EINVAL']],
];

function setup(): Shell {
  const sh = armHost('seattle');
  bindVfio(sh, 'e0700000.xgmac');
  openDevice(sh, 'e0700000.xgmac');
  return sh;
}

const names = fc.constantFrom('e0700000.xgmac', 'e0900000.xgmac', 'e0300000.sata', 'smb', 'vfio-platform', 'amd-xgbe', 'add', 'change', '0', '1', '');
const junk = fc.constantFrom('', '\n', '\0', ' ', '\n\n', 'x', '\xff');
const input: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 60 }) },
  { weight: 5, arbitrary: fc.tuple(names, junk).map(([n, j]) => new Uint8Array(Buffer.from(n + j, 'latin1'))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 4090, maxLength: 4200 }) },
);

describe('fuzz: random bytes at every writable attribute of an ARM host', () => {
  const files = writableFiles(setup());

  it('finds the platform bus, its drivers and devices', () => {
    for (const f of ['/sys/bus/platform/drivers_probe', '/sys/bus/platform/drivers/vfio-platform/bind', '/sys/devices/platform/smb/e0700000.xgmac/driver_override']) expect(files).toContain(f);
    expect(filesWithoutRule(files, RULES)).toEqual([]);
  });

  it.each(files)('%s', (path) => fuzzWrites(path, { setup, rules: RULES, input, numRuns: 25 }));
});
