// What every mdev verb works with: the host (a SysfsBackend with its config files), where
// its output goes, how a --jsonfile is read, and whether ap-check's rules apply.

import type { SysfsBackend } from './backend.js';
import type { MdevOutput } from './mdev-output.js';

/** Reads a --jsonfile path on the user's filesystem (not under the root); throws Node errors. */
export type ReadFile = (path: string) => Uint8Array;

export interface MdevContext {
  b: SysfsBackend;
  out: MdevOutput;
  readFile: ReadFile;
  /** ap-check's rules on define, modify and start (default true). */
  validate?: boolean;
}

export function validating(ctx: MdevContext): boolean {
  return ctx.validate !== false;
}
