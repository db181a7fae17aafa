// Every captured qemu-system-ppc64 7.2 run (Debian's qemu-system-ppc, TCG, no host devices:
// test/vmm/ppc/fixtures) replayed on a p9 twin: same exit status, same stdout and stderr,
// and for runs that start, a running VM.

import { describe, test } from 'vitest';
import { expectSameRun, namedRuns, readCapturedRuns } from '../captured-runs.js';
import { bootP9 } from './helpers.js';

const cases = readCapturedRuns(new URL('./fixtures/qemu-ppc64-7.2-messages.json', import.meta.url));

describe('qemu-system-ppc64 7.2 fixtures replayed on the twin', () => {
  test.each(namedRuns(cases))('%s', (_name, c) => {
    expectSameRun(bootP9().vms.start(c.args), c);
  });
});
