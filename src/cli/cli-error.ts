// The CLI's error contract: every failure is one `vfioctl: …` line on stderr and an exit
// code; a failed syscall reads `vfioctl: <op> <path>: <ERRNO> (<strerror text>)`.

import { isKernelError, strerror } from '../core/errno.js';
import type { Io } from './io.js';

/** A failure the user should see as one line; the message has no `vfioctl: ` prefix. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type SysOp = 'read' | 'write' | 'ls' | 'readlink' | 'realpath' | 'tree';

/** Runs one syscall-backed step; a KernelError becomes the contract's errno line. */
export function syscall<T>(op: SysOp, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isKernelError(e)) throw new CliError(`${op} ${path}: ${e.code} (${strerror(e.code)})`);
    throw e;
  }
}

/** Runs a command body, printing a CliError as `vfioctl: <message>` and returning its exit code. */
export async function guard(io: Io, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.stderr.write(`vfioctl: ${e.message}\n`);
    return e.exitCode;
  }
}
