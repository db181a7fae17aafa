// Every captured qemu-system-s390x 7.2 run (TCG, test/vmm/options/fixtures) replayed on the
// twin: same exit status, same stderr, and for runs that start, a running VM.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bootTwin } from './helpers.js';

interface Case {
  stage: string;
  note: string;
  args: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const fixtures = JSON.parse(readFileSync(new URL('./options/fixtures/qemu-7.2-messages.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** Runs that depend on the capture host having no KVM: the twin has KVM. */
const needsNoKvm = (c: Case): boolean => c.args.includes('-enable-kvm') || c.args.some((a, i) => c.args[i - 1] === '-accel' && /^kvm\b/.test(a));

/**
 * The capture ran a build without KVM; the twin is a KVM build, which lists `host` among the
 * CPU models and `kvm` among the accelerators, and knows `host` (refused at realize under TCG).
 */
function asKvmBuild(c: Case): Case {
  const hostLine = 's390 host            KVM only: All recognized features\n';
  const stdout = c.stdout
    .replace(/^(s390 qemu .*\n)/m, `$1${hostLine}`)
    .replace('Accelerators supported in QEMU binary:\ntcg\n', 'Accelerators supported in QEMU binary:\nkvm\ntcg\n');
  const stderr = c.stderr.replace("unable to find CPU model 'host'", 'CPU definition requires KVM');
  return { ...c, stdout, stderr };
}

describe('qemu-system-s390x 7.2 fixtures replayed on the twin', () => {
  const cases = fixtures.cases.filter((c) => !needsNoKvm(c)).map(asKvmBuild);
  test.each(cases.map((c) => [`${c.stage}: ${c.note} (${c.args.join(' ')})`, c] as const))('%s', (_name, c) => {
    const t = bootTwin('modern');
    const r = t.vms.start(c.args);
    expect(r.stderr).toBe(c.stderr);
    if (c.exitCode === null) {
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^\S+\n$/);
    } else {
      expect(r.exitCode).toBe(c.exitCode);
      expect(r.stdout).toBe(c.stdout);
    }
  });
});
