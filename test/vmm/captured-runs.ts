// Replay of runs captured from a real QEMU binary (recorded under test/vmm/**/fixtures): the
// twin answers with the same stderr, and the same exit status and stdout, except that a run
// the capture saw start leaves a running VM (its id on stdout).

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { CommandOutput } from '../../src/vmm/vm-host.js';

export interface CapturedRun {
  stage: string;
  note: string;
  args: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** The runs of a capture file `{ cases: [...] }`, or of one binary's in `{ binaries: { [binary]: { cases } } }`. */
export function readCapturedRuns<C extends CapturedRun = CapturedRun>(url: URL, binary?: string): C[] {
  const file = JSON.parse(readFileSync(url, 'utf8')) as { cases: C[] } & { binaries: Record<string, { cases: C[] }> };
  return binary === undefined ? file.cases : file.binaries[binary]!.cases;
}

/** test.each rows named for the stage, the note and the command line. */
export function namedRuns<C extends CapturedRun>(runs: readonly C[]): (readonly [string, C])[] {
  return runs.map((c) => [`${c.stage}: ${c.note} (${c.args.join(' ')})`, c] as const);
}

export function expectSameRun(r: CommandOutput, c: CapturedRun): void {
  expect(r.stderr).toBe(c.stderr);
  if (c.stage === 'started') {
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\S+\n$/);
  } else {
    expect(r.exitCode).toBe(c.exitCode);
    expect(r.stdout).toBe(c.stdout);
  }
}
