// Bundles the subprocess fixtures once per run (esbuild, which vitest already brings) into
// node_modules/.cache so their package imports resolve; a child starts in ~100 ms.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { join } from 'node:path';

const OUT = join(process.cwd(), 'node_modules/.cache/vfioctl-manage-tests');

const built: string[] = [];
afterAll(() => {
  for (const f of built.splice(0)) rmSync(f, { force: true });
});

export async function bundle(name: 'cli-entry' | 'define-loop'): Promise<string> {
  const { build } = await import('esbuild');
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(process.cwd(), 'test/manage/fixtures', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  built.push(outfile);
  return outfile;
}

export interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node SCRIPT ARGS; resolves when it exits (bounded by timeoutMs). */
export function runNode(script: string, args: string[], stdin?: string, timeoutMs = 60_000): Promise<Child> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    p.stdin.end(stdin ?? '');
  });
}
