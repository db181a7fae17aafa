// Debian's dtc (device-tree-compiler) as the reference decoder of flattened device trees:
// a comparison with it skips, saying why, only where it is not installed.

import { execFileSync } from 'node:child_process';

function installed(): boolean {
  try {
    execFileSync('dtc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasDtc = installed();
if (!hasDtc) console.log('dtc peer comparison skipped: dtc (device-tree-compiler) is not installed');

/** `dtc -I dtb -O dts FILE`: the source text dtc prints for a blob. */
export function dtcDecode(file: string): string {
  return execFileSync('dtc', ['-I', 'dtb', '-O', 'dts', file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
}
