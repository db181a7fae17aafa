// ap-check's configuration lock (/run/lock/s390apconfig.lock) from Node.
//
// ap-check, chzdev and libap take it with flock(LOCK_EX) on the open file. Node has no
// flock(2), but a flock lock belongs to the *open file description*, not the process: we
// open the file, pass that descriptor to util-linux `flock -x 3` as its fd 3, and when the
// helper exits after locking, the lock stays held through our descriptor until we close
// it. That is the same lock ap-check takes (so vfioctl and mdevctl+ap-check exclude each
// other), and the kernel drops it when we exit or are killed (no stale locks).
//
// Without the flock binary we fall back to an O_EXCL lock file beside it
// (`s390apconfig.lock.vfioctl`, holding our pid): safe between vfioctl processes (a lock
// whose pid is gone is stale and broken), but invisible to ap-check's flock.

import { nodeChildProcess } from '../core/lazy-builtins.js';
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

export interface LockOptions {
  /** Give up after this long (ap-check blocks; we bound it). */
  timeoutSec?: number;
  /** Force the O_EXCL fallback (tests). */
  noFlock?: boolean;
}

let flockMissing = false;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the flock on `path` (created 0644 if missing); returns the release function. */
function flockAcquire(path: string, timeoutSec: number): (() => void) | undefined {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  const r = nodeChildProcess().spawnSync('flock', ['-x', '-w', String(timeoutSec), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    closeSync(fd);
    flockMissing = true;
    return undefined;
  }
  if (r.status !== 0) {
    closeSync(fd);
    throw new LockError(`Failed to acquire configuration lock ${r.status ?? -1}`);
  }
  return () => closeSync(fd);
}

function exclAcquire(path: string, timeoutSec: number): () => void {
  const lockFile = `${path}.vfioctl`;
  const deadline = Date.now() + timeoutSec * 1000;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fd = openSync(lockFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => unlinkSync(lockFile);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try {
      holder = parseInt(readFileSync(lockFile, 'utf8'), 10);
    } catch {
      continue;
    }
    // a lock whose holder died is stale (written pid first, so a half-written file is retried)
    if (Number.isInteger(holder) && !pidAlive(holder)) {
      try {
        unlinkSync(lockFile);
      } catch {
        /* another process broke it first */
      }
      continue;
    }
    if (Date.now() > deadline) throw new LockError(`Failed to acquire configuration lock ${holder}`);
    sleep(wait + Math.random() * wait);
  }
}

const held = new Map<string, { depth: number; release: () => void }>();

/** Runs fn holding the lock on `path`; re-entrant within one process. */
export function withFileLock<T>(path: string, fn: () => T, opts: LockOptions = {}): T {
  const current = held.get(path);
  if (current) {
    current.depth++;
    try {
      return fn();
    } finally {
      current.depth--;
    }
  }
  const timeout = opts.timeoutSec ?? 60;
  const release = (!opts.noFlock && !flockMissing && flockAcquire(path, timeout)) || exclAcquire(path, timeout);
  held.set(path, { depth: 1, release });
  try {
    return fn();
  } finally {
    held.delete(path);
    release();
  }
}
