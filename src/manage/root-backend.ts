// SysfsBackend over a real directory root: `--root /` on a real host, or `--root DIR` for an
// exported tree (DIR/sys, DIR/etc, DIR/run). Nothing outside the root is ever read or
// written: every path is resolved here one component at a time with lstat/readlink, as
// the kernel's path walk would inside a chroot — relative link targets walk from the
// link's directory, absolute ones from the root — and a `..` that would climb above the
// root, from the user's path or from a link target, is refused (EACCES), as are link
// loops (ELOOP, 40 links). Only the fully resolved path reaches the OS, and the final
// open uses O_NOFOLLOW so a link swapped in afterwards is not followed.
// (Known limit: Node has no openat2(RESOLVE_BENEATH), so a directory component replaced
// by a symlink between our walk and the open is a race an attacker who can write inside
// the root could use.)

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
  fchmodSync,
  readFileSync,
  type Stats,
} from 'node:fs';
import { KernelError } from '../core/errno.js';
import { APCONFIG_LOCK, basename, dirname, toKernelError, type ConfigFiles, type EntryKind, type EntryStat, type SysfsBackend } from './backend.js';
import { withFileLock, type LockOptions } from './file-lock.js';

export const MAXSYMLINKS = 40;

/** A path that would leave the root. */
export class RootEscapeError extends KernelError {
  constructor(
    readonly root: string,
    readonly path: string,
  ) {
    super('EACCES', `${path} escapes the root ${root}`);
    this.name = 'RootEscapeError';
  }
}

function kindOf(st: Stats): EntryKind {
  if (st.isSymbolicLink()) return 'link';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isCharacterDevice()) return 'chr';
  return 'other';
}

interface EntryInfo {
  dir: boolean;
  /** The link's target, for a symlink. */
  link?: string;
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

export function isTempName(name: string): boolean {
  return TEMP_RE.test(name);
}

export class RootBackend implements SysfsBackend {
  readonly name: string;
  /** The root's physical path (symlinks in the root itself resolved once). */
  readonly root: string;
  readonly files: ConfigFiles;

  constructor(root: string, lockOptions: LockOptions = {}) {
    this.root = realpathSync(root);
    this.name = `root:${this.root}`;
    this.files = new RootConfigFiles(this, lockOptions);
  }

  /**
   * lstat (and readlink) answers for this command: a walk re-visits /sys, /sys/bus, … for
   * every device, so they are remembered until this backend changes anything.
   */
  private readonly entries = new Map<string, EntryInfo>();
  private readonly resolved = new Map<string, string[]>();

  private lookup(hostPath: string): EntryInfo {
    let info = this.entries.get(hostPath);
    if (!info) {
      const st = lstatSync(hostPath);
      info = { dir: st.isDirectory(), link: st.isSymbolicLink() ? readlinkSync(hostPath) : undefined };
      this.entries.set(hostPath, info);
    }
    return info;
  }

  /** Drops the remembered entries (after any change this backend makes). */
  forget(): void {
    this.entries.clear();
    this.resolved.clear();
  }

  /** The host path of an in-root path; `/` maps to the root itself. */
  hostPath(inner: readonly string[]): string {
    const base = this.root === '/' ? '' : this.root;
    return inner.length === 0 ? this.root : `${base}/${inner.join('/')}`;
  }

  /**
   * Resolves `path` (absolute inside the root; a relative one starts at the root) to its
   * components inside the root. The last component's link is followed only with
   * `followLast`. With `create`, missing directories are made (for config writes).
   */
  resolve(path: string, followLast: boolean, create = false): string[] {
    const memoKey = `${followLast ? 'F' : 'L'}${path}`;
    const memo = create ? undefined : this.resolved.get(memoKey);
    if (memo) return memo;
    const stack: string[] = [];
    // host paths of the stack's prefixes: hosts[i] is the host path of stack[0..i)
    const hosts: string[] = [this.root === '/' ? '' : this.root];
    const todo = path.split('/');
    let links = 0;
    for (let i = 0; i < todo.length; i++) {
      const name = todo[i]!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (stack.length === 0) throw new RootEscapeError(this.root, path);
        stack.pop();
        hosts.pop();
        continue;
      }
      let rest = false;
      for (let k = i + 1; k < todo.length; k++) if (todo[k] !== '') rest = true;
      const candidate = `${hosts[hosts.length - 1]}/${name}`;
      let st: EntryInfo;
      try {
        st = this.lookup(candidate);
      } catch (e) {
        if (create && (e as NodeJS.ErrnoException).code === 'ENOENT') {
          mkdirSync(candidate, { mode: 0o755 });
          this.forget();
          stack.push(name);
          hosts.push(candidate);
          continue;
        }
        throw toKernelError(e);
      }
      const more = i + 1 < todo.length;
      if (st.link !== undefined && (followLast || more)) {
        if (++links > MAXSYMLINKS) throw new KernelError('ELOOP');
        if (st.link.startsWith('/')) {
          stack.length = 0;
          hosts.length = 1;
        }
        todo.splice(i + 1, 0, ...st.link.split('/'));
        continue;
      }
      if ((rest || more) && !st.dir) throw new KernelError('ENOTDIR');
      stack.push(name);
      hosts.push(candidate);
    }
    if (!create) this.resolved.set(memoKey, stack);
    return stack;
  }

  private at(path: string, followLast = true): string {
    return this.hostPath(this.resolve(path, followLast));
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toKernelError(e);
    }
  }

  /** Reads the whole file through an O_NOFOLLOW open. */
  readBytes(path: string): Buffer {
    return this.guard(() => {
      const fd = openSync(this.at(path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  read(path: string): string {
    return this.readBytes(path).toString('latin1');
  }

  readdir(path: string): string[] {
    return this.guard(() => readdirSync(this.at(path)).sort());
  }

  readlink(path: string): string {
    return this.guard(() => readlinkSync(this.at(path, false)));
  }

  exists(path: string): boolean {
    try {
      // the walk lstat()s every component, the last one through any link
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
      const fd = openSync(this.at(path), constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeSync(fd, Buffer.from(data, 'latin1'));
      } finally {
        closeSync(fd);
        this.forget();
      }
    });
  }

  realpath(path: string): string {
    return `/${this.resolve(path, true).join('/')}`;
  }

  stat(path: string): EntryStat {
    return this.guard(() => {
      const st = lstatSync(this.at(path));
      return { kind: kindOf(st), mode: st.mode & 0o7777 };
    });
  }

  lstat(path: string): EntryStat {
    return this.guard(() => {
      const st = lstatSync(this.at(path, false));
      return { kind: kindOf(st), mode: st.mode & 0o7777 };
    });
  }
}

class RootConfigFiles implements ConfigFiles {
  constructor(
    private readonly b: RootBackend,
    private readonly lockOptions: LockOptions,
  ) {}

  read(path: string): Uint8Array | undefined {
    try {
      return this.b.readBytes(path);
    } catch (e) {
      if (e instanceof KernelError && (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EISDIR')) return undefined;
      throw e;
    }
  }

  kind(path: string): 'dir' | 'file' | undefined {
    try {
      const k = this.b.stat(path).kind;
      return k === 'dir' || k === 'file' ? k : undefined;
    } catch {
      return undefined;
    }
  }

  list(path: string): string[] | undefined {
    if (this.kind(path) !== 'dir') return undefined;
    return this.b.readdir(path).filter((n) => !isTempName(n));
  }

  writeAtomic(path: string, data: string | Uint8Array): void {
    this.b.forget();
    const dirParts = this.b.resolve(dirname(path), true, true);
    // the directory itself may be missing too
    const dirPath = this.b.hostPath(dirParts);
    try {
      mkdirSync(dirPath, { recursive: false, mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toKernelError(e);
    }
    const name = basename(path);
    for (const n of readdirSync(dirPath)) if (staleTemp(n)) unlinkSync(`${dirPath}/${n}`);
    const tmp = `${dirPath}/.${name}.vfioctl-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
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
      unlinkSync(this.b.hostPath(this.b.resolve(path, false)));
      return true;
    } catch (e) {
      const k = toKernelError(e);
      if (k instanceof KernelError && k.code === 'ENOENT') return false;
      throw k;
    }
  }

  withLock<T>(fn: () => T): T {
    const parts = this.b.resolve(dirname(APCONFIG_LOCK), true, true);
    const dir = this.b.hostPath(parts);
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toKernelError(e);
    }
    return withFileLock(`${dir}/${basename(APCONFIG_LOCK)}`, fn, this.lockOptions);
  }
}
