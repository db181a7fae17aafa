// The CLI's error contract: every failure is one `vfioctl: …` line on stderr and an exit
// code; a failed syscall reads `vfioctl: <op> <path>: <ERRNO> (<strerror text>)`.

import { isKernelError, strerror } from '../core/errno.js';
import { ApiError } from '../api/errors.js';
import type { Io } from './io.js';

/** A failure the user should see as one line; the message has no `vfioctl: ` prefix. */
export class CliError extends ApiError {
  override readonly name = 'CliError';
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
    if (!(e instanceof ApiError)) throw e;
    io.stderr.write(`vfioctl: ${e.message}\n`);
    return e.exitCode;
  }
}

/**
 * A command that works on the twin only refuses --root (a real root has no kernel log,
 * no VMs and no writable model); undefined when no --root was given.
 */
export function rejectRoot(ctx: { root(): string | undefined }, command: string): ((io: Io) => number) | undefined {
  if (ctx.root() === undefined) return undefined;
  return (io) => {
    io.stderr.write(`vfioctl: ${command}: --root works with the management commands (mdev, ap, export); ${command} works on the twin\n`);
    io.stderr.write(usageHint(command));
    return 2;
  };
}

/** The line after a usage error: where to read the command's usage. */
export function usageHint(command: string): string {
  return `(run 'vfioctl ${command ? `${command} ` : ''}--help' for usage)\n`;
}
