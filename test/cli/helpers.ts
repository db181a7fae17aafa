// Test helpers: run vfioctl's main() in-process against a temporary state file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as raw bytes, for byte-exact checks. */
  bytes: Buffer;
}

const dirs: string[] = [];

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vfioctl-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const io = bufferIo();
  const code = await main(argv, io, env);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text(), bytes: io.stdout.bytes() };
}

/** A CLI bound to one state file in a temp dir: cli('sys', 'read', PATH). */
export function twinCli(): { state: string; dir: string; cli: (...argv: string[]) => Promise<RunResult> } {
  const dir = tempDir();
  const state = join(dir, 'twin.json');
  return { state, dir, cli: (...argv) => runCli(['--state', state, ...argv]) };
}

export const TYPE_DIR = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';
export const UUID_A = '62177883-f1bb-47f0-914d-32a22e3a8804';
export const UUID_B = '669d9b23-fe1b-4ecb-be08-a2fabca99b71';
export const mdevPath = (uuid: string): string => `/sys/devices/vfio_ap/matrix/${uuid}`;
