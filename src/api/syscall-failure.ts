// A refused system call as front ends report it: the errno by name and number, strerror's
// text, the call and the path, and the kernel log lines the call produced.

import { isKernelError, strerror, type ErrnoName } from '../core/errno.js';

export type SysOp = 'read' | 'write' | 'ls' | 'readlink' | 'realpath' | 'stat';

export interface SyscallFailureJson {
  errno: ErrnoName;
  code: number;
  message: string;
  op: SysOp;
  path: string;
  /** The kernel log lines (as dmesg prints them) the call produced. */
  log: string[];
}

export class SyscallFailure extends Error {
  constructor(readonly json: SyscallFailureJson) {
    super(`${json.op} ${json.path}: ${json.errno} (${json.message})`);
    this.name = 'SyscallFailure';
  }

  get errno(): ErrnoName {
    return this.json.errno;
  }
}

/** The failure of `op` on `path` if `e` is a kernel error, else undefined. */
export function syscallFailure(e: unknown, op: SysOp, path: string, log: string[]): SyscallFailure | undefined {
  if (!isKernelError(e)) return undefined;
  return new SyscallFailure({ errno: e.code, code: e.errno, message: strerror(e.code), op, path, log });
}
