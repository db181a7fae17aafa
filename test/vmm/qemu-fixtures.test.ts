// Every captured qemu-system-s390x 7.2 run (TCG, test/vmm/options/fixtures) replayed on the
// twin: same exit status, same stderr, and for runs that start, a running VM.

import { describe, test } from 'vitest';
import { expectSameRun, namedRuns, readCapturedRuns, type CapturedRun } from './captured-runs.js';
import { bootTwin } from './helpers.js';

const cases = readCapturedRuns(new URL('./options/fixtures/qemu-7.2-messages.json', import.meta.url));

/** Runs that depend on the capture host having no KVM: the twin has KVM. */
const needsNoKvm = (c: CapturedRun): boolean => c.args.includes('-enable-kvm') || c.args.some((a, i) => c.args[i - 1] === '-accel' && /^kvm\b/.test(a));

/**
 * The capture ran a build without KVM; the twin is a KVM build, which lists `host` among the
 * CPU models and `kvm` among the accelerators, and knows `host` (refused at realize under TCG).
 */
function asKvmBuild(c: CapturedRun): CapturedRun {
  const hostLine = 's390 host            KVM only: All recognized features\n';
  const stdout = c.stdout
    .replace(/^(s390 qemu .*\n)/m, `$1${hostLine}`)
    .replace('Accelerators supported in QEMU binary:\ntcg\n', 'Accelerators supported in QEMU binary:\nkvm\ntcg\n');
  const stderr = c.stderr.replace("unable to find CPU model 'host'", 'CPU definition requires KVM');
  return { ...c, stdout, stderr };
}

describe('qemu-system-s390x 7.2 fixtures replayed on the twin', () => {
  test.each(namedRuns(cases.filter((c) => !needsNoKvm(c)).map(asKvmBuild)))('%s', (_name, c) => {
    expectSameRun(bootTwin('modern').vms.start(c.args), c);
  });
});
