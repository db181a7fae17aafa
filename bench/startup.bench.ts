// Start-up of the CLI as a whole process, against `node -e 0` measured in the same run:
// the commands are run in turn (interleaved), so a busy machine slows all of them alike,
// and each figure is the median of its runs. Targets (issue 12): --help and `sys read` on
// the doc twin <= 1.5x node's floor, `sys read` on the max twin <= 2x.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { report } from './harness.js';

const RUNS = 25;

interface Case {
  label: string;
  argv: string[];
  target?: number;
}

function wallMs(argv: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, argv, { env, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function benchStartup(): void {
  const entry = resolve('bin/vfioctl');
  const dir = mkdtempSync(join(tmpdir(), 'vfioctl-startup-'));
  try {
    const env = { ...process.env, VFIOCTL_STATE: join(dir, 'doc.json') };
    const max = join(dir, 'max.json');
    wallMs([entry, 'host', 'init'], env);
    wallMs([entry, '--state', max, 'host', 'init', '--preset', 'max'], env);
    const floor: Case = { label: 'node -e 0', argv: ['-e', '0'] };
    const cases: Case[] = [
      { label: 'vfioctl --help', argv: [entry, '--help'], target: 1.5 },
      { label: 'vfioctl sys read (doc)', argv: [entry, 'sys', 'read', '/sys/bus/ap/apmask'], target: 1.5 },
      { label: 'vfioctl sys read (max)', argv: [entry, '--state', max, 'sys', 'read', '/sys/bus/ap/apmask'], target: 2 },
    ];
    const all = [floor, ...cases];
    const times = all.map(() => [] as number[]);
    // one warm-up round fills the page cache for every file involved
    for (const c of all) wallMs(c.argv, env);
    for (let r = 0; r < RUNS; r++) all.forEach((c, i) => times[i]!.push(wallMs(c.argv, env)));
    const base = median(times[0]!);
    cases.forEach((c, i) => {
      const ms = median(times[i + 1]!);
      report(c.label, `${ms.toFixed(1)} ms`, `${base.toFixed(1)} ms`, ms / base, `<= ${c.target}x node -e 0`, ms / base <= c.target!);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
