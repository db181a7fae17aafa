// SysfsBackend over a real directory root: `--root /` on a real host, or `--root DIR` for an
// exported tree (DIR/sys, DIR/etc, DIR/run). Nothing outside the root is ever read or
// written: every path goes through the in-root walk (root-walk.ts) and the final open uses
// O_NOFOLLOW, so a link swapped in after the walk is not followed.

import { closeSync, constants, lstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { toKernelError, type ConfigFiles, type EntryStat, type SysfsBackend } from './backend.js';
import type { LockOptions } from './file-lock.js';
import { RootConfigFiles } from './root-config-files.js';
import { kindOf, RootWalk, type Entry } from './root-walk.js';

export { MAXSYMLINKS, RootEscapeError } from './root-walk.js';

const NOFOLLOW_READ = constants.O_RDONLY | constants.O_NOFOLLOW;

/** One buffer for every read: a command reads one file at a time. */
let buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads an open file to its end. With `shortIsEnd`, a short read ends it (a regular file's
 * read returns less than asked only at its end); sysfs attributes are read until read gives 0.
 */
function readAll(fd: number, shortIsEnd: boolean): Buffer {
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const asked = buffer.length - length;
    const n = readSync(fd, buffer, length, asked, null);
    length += n;
    if (n === 0 || (shortIsEnd && n < asked)) break;
  }
  return Buffer.from(buffer.subarray(0, length));
}

export class RootBackend implements SysfsBackend {
  readonly name: string;
  /** The root's physical path (symlinks in the root itself resolved once). */
  readonly root: string;
  readonly files: ConfigFiles;
  readonly walk: RootWalk;

  constructor(root: string, lockOptions: LockOptions = {}) {
    this.walk = new RootWalk(root);
    this.root = this.walk.root;
    this.name = `root:${this.root}`;
    this.files = new RootConfigFiles(this, lockOptions);
  }

  /** Drops what the walk learnt (after any change this backend makes). */
  forget(): void {
    this.walk.forget();
  }

  resolve(path: string, followLast: boolean, create = false): Entry {
    return this.walk.resolve(path, followLast, create);
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toKernelError(e);
    }
  }

  /** Reads the whole file through an O_NOFOLLOW open. */
  readBytes(path: string, regular = false): Buffer {
    let fd: number;
    try {
      fd = openSync(this.resolve(path, true).host, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      throw toKernelError(e);
    }
    try {
      return readAll(fd, regular);
    } catch (e) {
      throw toKernelError(e);
    } finally {
      closeSync(fd);
    }
  }

  read(path: string): string {
    return this.readBytes(path).toString('latin1');
  }

  /** A regular file as UTF-8 text through an O_NOFOLLOW open: Node opens, reads and closes it in one call. */
  readUtf8(path: string): string {
    const host = this.resolve(path, true).host;
    try {
      // Node takes numeric flags here as everywhere (stringToFlags); @types/node says string
      return readFileSync(host, { encoding: 'utf8', flag: NOFOLLOW_READ as unknown as string });
    } catch (e) {
      throw toKernelError(e);
    }
  }

  /** Entry names as the directory lists them. */
  list(path: string): string[] {
    return this.guard(() => this.walk.list(this.resolve(path, true)));
  }

  readdir(path: string): string[] {
    return this.list(path).sort();
  }

  readlink(path: string): string {
    return this.guard(() => {
      const r = this.resolve(path, false);
      if (r.kind !== 'link') throw toKernelError({ code: 'EINVAL' });
      return this.walk.linkOf(r);
    });
  }

  exists(path: string): boolean {
    try {
      this.resolve(path, true);
      return true;
    } catch {
      return false;
    }
  }

  write(path: string, data: string): void {
    this.forget();
    // a store can create or remove entries (create, remove): forget them afterwards too
    this.guard(() => {
      // no O_CREAT: an attribute that is not there is ENOENT, as in sysfs
      const fd = openSync(this.resolve(path, true).host, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeSync(fd, Buffer.from(data, 'latin1'));
      } finally {
        closeSync(fd);
        this.forget();
      }
    });
  }

  realpath(path: string): string {
    return this.resolve(path, true).path();
  }

  /** The resolved entry's own name: no path is built or scanned for it. */
  canonicalBasename(path: string, name?: string): string {
    return (name === undefined ? this.resolve(path, true) : this.walk.resolveIn(path, name)).name;
  }

  stat(path: string): EntryStat {
    return this.guard(() => {
      const st = lstatSync(this.resolve(path, true).host);
      return { kind: kindOf(st), mode: st.mode & 0o7777 };
    });
  }

  lstat(path: string): EntryStat {
    return this.guard(() => {
      const st = lstatSync(this.resolve(path, false).host);
      return { kind: kindOf(st), mode: st.mode & 0o7777 };
    });
  }
}
