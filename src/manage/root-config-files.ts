// The configuration files of a directory root (/etc/mdevctl.d, 41-ap.rules, /run/lock)
// through the root's confined walk: atomic replacement (temp file in the same directory,
// fsync, rename, fsync of the directory), temp files of dead writers cleaned up, and
// ap-check's lock file.

import { nodeCrypto } from '../core/lazy-builtins.js';
import { closeSync, constants, fchmodSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { KernelError } from '../core/errno.js';
import { APCONFIG_LOCK, basename, dirname, toKernelError, type ConfigFiles } from './backend.js';
import { withFileLock, type LockOptions } from './file-lock.js';
import type { Entry } from './root-walk.js';

/** What the files need of their root's backend. */
export interface RootAccess {
  readBytes(path: string, regular: boolean): Buffer;
  readUtf8(path: string): string;
  resolve(path: string, followLast: boolean, create?: boolean): Entry;
  list(path: string): string[];
  forget(): void;
}

const TEMP_RE = /^\..+\.vfioctl-tmp-(\d+)-[0-9a-f]+$/;

/** Does a leftover temp file belong to a dead writer? */
function staleTemp(name: string): boolean {
  const m = TEMP_RE.exec(name);
  if (!m) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** What read() gives: undefined for a file that is not there (or is a directory). */
function absentAsUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof KernelError && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR')) return undefined;
    throw e;
  }
}

/** A writer's temp file (never a config). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && TEMP_RE.test(name);
}

export class RootConfigFiles implements ConfigFiles {
  constructor(
    private readonly b: RootAccess,
    private readonly lockOptions: LockOptions,
  ) {}

  read(path: string): Uint8Array | undefined {
    return absentAsUndefined(() => this.b.readBytes(path, true));
  }

  readText(path: string): string | undefined {
    return absentAsUndefined(() => this.b.readUtf8(path));
  }

  kind(path: string): 'dir' | 'file' | undefined {
    try {
      const k = this.b.resolve(path, true).kind;
      return k === 'dir' || k === 'file' ? k : undefined;
    } catch {
      return undefined;
    }
  }

  list(path: string): string[] | undefined {
    if (this.kind(path) !== 'dir') return undefined;
    return this.b.list(path).filter((n) => !isTempName(n));
  }

  listKinds(path: string): [string, 'dir' | 'file' | undefined][] | undefined {
    if (this.kind(path) !== 'dir') return undefined;
    const dir = this.b.resolve(path, true);
    const out: [string, 'dir' | 'file' | undefined][] = [];
    for (const name of this.b.list(path)) {
      if (isTempName(name)) continue;
      // the listing's type, unless a link must be followed to tell
      const k = dir.children?.get(name)?.kind;
      out.push([name, k === 'dir' || k === 'file' ? k : k === 'link' ? this.kind(`${path}/${name}`) : undefined]);
    }
    return out;
  }

  writeAtomic(path: string, data: string | Uint8Array): void {
    this.b.forget();
    const dirPath = this.b.resolve(dirname(path), true, true).host;
    // the directory itself may be missing too
    try {
      mkdirSync(dirPath, { recursive: false, mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toKernelError(e);
    }
    const name = basename(path);
    for (const n of readdirSync(dirPath)) if (staleTemp(n)) unlinkSync(`${dirPath}/${n}`);
    const tmp = `${dirPath}/.${name}.vfioctl-tmp-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`;
    const dest = `${dirPath}/${name}`;
    try {
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      try {
        fchmodSync(fd, 0o644);
        writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, dest);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        /* not created or already renamed */
      }
      throw toKernelError(e);
    }
    const dfd = openSync(dirPath, constants.O_RDONLY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  remove(path: string): boolean {
    this.b.forget();
    try {
      unlinkSync(this.b.resolve(path, false).host);
      return true;
    } catch (e) {
      const k = toKernelError(e);
      if (k instanceof KernelError && k.code === 'ENOENT') return false;
      throw k;
    } finally {
      this.b.forget();
    }
  }

  withLock<T>(fn: () => T): T {
    const dir = this.b.resolve(dirname(APCONFIG_LOCK), true, true).host;
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toKernelError(e);
    }
    // taking and dropping the lock changes /run/lock behind the walk's back
    this.b.forget();
    try {
      return withFileLock(`${dir}/${basename(APCONFIG_LOCK)}`, () => {
        this.b.forget();
        return fn();
      }, this.lockOptions);
    } finally {
      this.b.forget();
    }
  }
}
