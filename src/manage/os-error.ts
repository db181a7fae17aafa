// How mdevctl (Rust) prints an OS error under an anyhow context: io::Error's Display,
// `Address already in use (os error 98)`.

import { ERRNO, errnoNumber, isKernelError, strerror, type ErrnoName } from '../core/errno.js';

function knownErrno(code: string): ErrnoName | undefined {
  return code in ERRNO ? (code as ErrnoName) : undefined;
}

/** Rust's io::Error Display for a kernel or Node error; other errors by their message. */
export function osError(e: unknown): string {
  if (isKernelError(e)) return `${strerror(e.code)} (os error ${errnoNumber(e.code)})`;
  const ne = e as NodeJS.ErrnoException;
  if (ne && typeof ne.errno === 'number' && ne.code) {
    const known = knownErrno(ne.code);
    return known ? `${strerror(known)} (os error ${errnoNumber(known)})` : `${ne.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
