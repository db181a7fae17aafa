// Every captured qemu-system-aarch64 / qemu-system-arm 7.2 run (TCG, Debian's binaries;
// test/vmm/arm/fixtures) replayed on the twin: same exit status, same stdout and stderr;
// runs that start leave a VM; dumpdtb writes the virt machine's tree as QEMU does.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeFdt, formatDts } from '../../../src/core/fdt.js';
import { bootArm } from './arm-helpers.js';

interface Case {
  stage: string;
  note: string;
  args: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  dts?: string;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/qemu-arm-7.2-messages.json', import.meta.url), 'utf8')) as {
  binaries: Record<string, { cases: Case[] }>;
};

/** The capture ran a TCG-only build; the twin is a KVM build, whose -accel help lists kvm too. */
const asKvmBuild = (c: Case): Case => ({ ...c, stdout: c.stdout.replace('Accelerators supported in QEMU binary:\ntcg\n', 'Accelerators supported in QEMU binary:\nkvm\ntcg\n') });

/** /chosen's random seeds differ on every run. */
const withoutSeeds = (dts: string): string => dts.replace(/\t\t(rng|kaslr)-seed = <[^>]*>;\n/g, '');

const HOSTS = { 'qemu-system-aarch64': 'seattle', 'qemu-system-arm': 'midway' } as const;

for (const [binary, preset] of Object.entries(HOSTS)) {
  describe(`${binary} 7.2 fixtures replayed on a ${preset} twin`, () => {
    const cases = fixtures.binaries[binary]!.cases.map(asKvmBuild);
    test.each(cases.map((c) => [`${c.stage}: ${c.note} (${c.args.join(' ')})`, c] as const))('%s', (_name, c) => {
      const t = bootArm(preset);
      const r = t.vms.start(c.args);
      expect(r.stderr).toBe(c.stderr);
      if (c.stage === 'started') {
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toMatch(/^\S+\n$/);
        return;
      }
      expect(r.exitCode).toBe(c.exitCode);
      expect(r.stdout).toBe(c.stdout);
      const file = /dumpdtb=([^,\s]+)/.exec(c.args.join(' '))?.[1];
      if (c.dts && file) expect(withoutSeeds(formatDts(decodeFdt(t.files.get(file)!)))).toBe(withoutSeeds(c.dts));
    });
  });
}
