// Every captured qemu-system-ppc64 7.2 run (Debian's qemu-system-ppc, TCG, no host devices:
// test/vmm/ppc/fixtures) replayed on a p9 twin: same exit status, same stdout and stderr,
// and for runs that start, a running VM.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { bootP9 } from './helpers.js';

interface Case {
  stage: string;
  note: string;
  args: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/qemu-ppc64-7.2-messages.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('qemu-system-ppc64 7.2 fixtures replayed on the twin', () => {
  test.each(fixtures.cases.map((c) => [`${c.stage}: ${c.note} (${c.args.join(' ')})`, c] as const))('%s', (_name, c) => {
    const t = bootP9();
    const r = t.vms.start(c.args);
    expect(r.stderr).toBe(c.stderr);
    if (c.stage === 'started') {
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^\S+\n$/);
    } else {
      expect(r.exitCode).toBe(c.exitCode);
      expect(r.stdout).toBe(c.stdout);
    }
  });
});
