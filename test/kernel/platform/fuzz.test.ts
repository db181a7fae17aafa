// Random bytes at every writable attribute of an ARM host (seattle, one port bound to
// vfio-platform and its device open): nothing but a KernelError escapes, only the errnos
// the driver core and the platform bus give occur, and a failed write changes nothing.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError, type ErrnoName } from '../../../src/core/errno.js';
import { O_WRONLY } from '../../../src/kernel/syscall-surface.js';
import { state } from '../sh.js';
import { armHost, bindVfio, openDevice } from './platform-vfio.js';

const RULES: [RegExp, ErrnoName[]][] = [
  [/\/driver_override$/, ['EINVAL']],
  [/\/drivers\/[^/]+\/bind$/, ['ENODEV', 'EBUSY', 'ENOENT', 'EINVAL']],
  [/\/drivers\/[^/]+\/unbind$/, ['ENODEV', 'EBUSY']],
  [/\/drivers_probe$/, ['ENODEV', 'EINVAL']],
  [/\/drivers_autoprobe$/, []],
  [/\/uevent$/, ['EINVAL']],
];

function setup() {
  const sh = armHost('seattle');
  bindVfio(sh, 'e0700000.xgmac');
  openDevice(sh, 'e0700000.xgmac');
  return sh;
}

function writableFiles(sh: ReturnType<typeof setup>): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    const st = sh.sys.lstat(path);
    if (st.kind === 'dir') for (const n of sh.sys.readdir(path)) visit(`${path}/${n}`);
    else if (st.kind === 'file' && st.mode & 0o200) out.push(path);
  };
  visit('/sys');
  return out;
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
