// QEMU's Error objects (include/qapi/error.h): a message plus optional hint lines that
// error_report_err prints after it. error_prepend puts context in front of the message.

import { strerror, type ErrnoName, isKernelError } from '../core/errno.js';

export class QemuError extends Error {
  readonly hints: string[];
  /** Raw lines QEMU printed before the error (fprintf without the program-name prefix). */
  readonly preface: string[] = [];

  constructor(message: string, hints: readonly string[] = []) {
    super(message);
    this.name = 'QemuError';
    this.hints = [...hints];
  }

  /** models error_prepend: the message gains a prefix, the hints stay. */
  prepend(prefix: string): this {
    this.message = prefix + this.message;
    return this;
  }

  withPreface(line: string): this {
    this.preface.push(line);
    return this;
  }

  /** models error_append_hint (QEMU's hint texts end in "\n"; we store lines). */
  hint(line: string): this {
    this.hints.push(line);
    return this;
  }
}

/** models error_setg_errno: "<message>: <strerror(errno)>". */
export function errorWithErrno(message: string, code: ErrnoName): QemuError {
  return new QemuError(`${message}: ${strerror(code)}`);
}

/** The errno name of a failed syscall (a KernelError); anything else is a bug and rethrown. */
export function errnoOf(e: unknown): ErrnoName {
  if (isKernelError(e)) return e.code;
  throw e;
}
