// The peer check: when Debian's qemu-system-ppc64 7.2 (qemu-system-ppc) is installed, the
// recorded runs that end before a guest would start are run again on it, and its answer
// must still be the twin's, byte for byte. Without the binary the test says why it skips.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootP9 } from './helpers.js';

const QEMU = 'qemu-system-ppc64';
const found = spawnSync(QEMU, ['-version'], { encoding: 'utf8' });
const version = found.status === 0 ? found.stdout.split('\n')[0]! : undefined;
const is72 = version?.includes('version 7.2.') ?? false;
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/qemu-ppc64-7.2-messages.json', import.meta.url), 'utf8')) as {
  cases: { stage: string; note: string; args: string[] }[];
};

describe(`${QEMU} 7.2 peer`, () => {
  if (!is72) {
    it.skip(`skipped: ${version ? `${version} is not 7.2` : `${QEMU} is not installed (Debian package qemu-system-ppc)`}`, () => undefined);
    return;
  }
  const cases = fixtures.cases.filter((c) => c.stage !== 'started');
  it.each(cases.map((c) => [c.note, c] as const))('%s', (_note, c) => {
    const real = spawnSync(QEMU, c.args, { encoding: 'utf8', timeout: 10_000 });
    const twin = bootP9().vms.start(c.args);
    expect(twin.stderr).toBe(real.stderr);
    expect(twin.stdout).toBe(real.stdout);
    expect(twin.exitCode).toBe(real.status);
  });
});
