// Every captured qemu-system-aarch64 / qemu-system-arm 7.2 run (TCG, Debian's binaries;
// test/vmm/arm/fixtures) replayed on the twin: same exit status, same stdout and stderr;
// runs that start leave a VM; dumpdtb writes the virt machine's tree as QEMU does.

import { describe, expect, test } from 'vitest';
import { decodeFdt, formatDts } from '../../../src/core/fdt.js';
import { expectSameRun, namedRuns, readCapturedRuns, type CapturedRun } from '../captured-runs.js';
import { bootArm } from './arm-helpers.js';

interface DtbRun extends CapturedRun {
  dts?: string;
}

const FIXTURES = new URL('./fixtures/qemu-arm-7.2-messages.json', import.meta.url);

/** The capture ran a TCG-only build; the twin is a KVM build, whose -accel help lists kvm too. */
const asKvmBuild = (c: DtbRun): DtbRun => ({ ...c, stdout: c.stdout.replace('Accelerators supported in QEMU binary:\ntcg\n', 'Accelerators supported in QEMU binary:\nkvm\ntcg\n') });

/** /chosen's random seeds differ on every run. */
const withoutSeeds = (dts: string): string => dts.replace(/\t\t(rng|kaslr)-seed = <[^>]*>;\n/g, '');

const HOSTS = { 'qemu-system-aarch64': 'seattle', 'qemu-system-arm': 'midway' } as const;

for (const [binary, preset] of Object.entries(HOSTS)) {
  describe(`${binary} 7.2 fixtures replayed on a ${preset} twin`, () => {
    test.each(namedRuns(readCapturedRuns<DtbRun>(FIXTURES, binary).map(asKvmBuild)))('%s', (_name, c) => {
      const t = bootArm(preset);
      expectSameRun(t.vms.start(c.args), c);
      const file = /dumpdtb=([^,\s]+)/.exec(c.args.join(' '))?.[1];
      if (c.stage !== 'started' && c.dts && file) expect(withoutSeeds(formatDts(decodeFdt(t.files.get(file)!)))).toBe(withoutSeeds(c.dts));
    });
  });
}
