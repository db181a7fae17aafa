// The SysfsBackend seam (DESIGN.md): everything management code does to a host — sysfs
// reads, writes and lookups, plus the configuration files under /etc and /run — behind one
// interface with two implementations: the twin (twin-backend.ts) and a real directory
// root (root-backend.ts: `/` on a real host, or an exported tree in tests).

import { isKernelError, KernelError, type ErrnoName, ERRNO } from '../core/errno.js';
import type { SysfsReader } from './sysfs-reader.js';

export type EntryKind = 'dir' | 'file' | 'link' | 'chr' | 'other';

export interface EntryStat {
  kind: EntryKind;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/**
 * sysfs access on absolute paths (`/sys/...`). Failures throw KernelError with the errno
 * the operation got (ENOENT, EACCES, EINVAL, EADDRINUSE from an attribute store, …).
 */
export interface SysfsBackend extends SysfsReader {
  /** `twin` or `root:<dir>`, for messages. */
  readonly name: string;
  /** One write(2) of the whole text on a freshly opened file (what `echo -n X > F` does). */
  write(path: string, data: string): void;
  realpath(path: string): string;
  /**
   * The last name of realpath(path), or of realpath(`${path}/${name}`) given a name
   * (mdevctl's canonical_basename of path.join(name)).
   */
  canonicalBasename(path: string, name?: string): string;
  /** Follows a final symlink. */
  stat(path: string): EntryStat;
  lstat(path: string): EntryStat;
  /** The configuration files of the same host. */
  readonly files: ConfigFiles;
}

/**
 * The host's configuration files (`/etc/mdevctl.d/...`, `/etc/udev/rules.d/41-ap.rules`,
 * `/run/lock/s390apconfig.lock`), by absolute path inside the host's root.
 */
export interface ConfigFiles {
  /** The file's bytes, or undefined when it does not exist. Other failures throw. */
  read(path: string): Uint8Array | undefined;
  /**
   * The file decoded as UTF-8, a sequence that is not UTF-8 becoming U+FFFD (one call into
   * Node on a real root), or undefined when it does not exist. Other failures throw.
   */
  readText(path: string): string | undefined;
  /** 'dir', 'file' or undefined (missing or anything else). */
  kind(path: string): 'dir' | 'file' | undefined;
  /** Entry names (unsorted, as the directory gives them); undefined when not a directory. */
  list(path: string): string[] | undefined;
  /** The entries with what kind() would say of each (one listing, not a lookup per name). */
  listKinds(path: string): [name: string, kind: 'dir' | 'file' | undefined][] | undefined;
  /**
   * Replaces the file atomically (temp file in the same directory, fsync, rename, fsync of
   * the directory), creating missing parent directories (mode 0755); files get mode 0644.
   */
  writeAtomic(path: string, data: string | Uint8Array): void;
  /** Removes a file; false when it did not exist. */
  remove(path: string): boolean;
  /**
   * Runs fn holding ap-check's configuration lock (/run/lock/s390apconfig.lock), the one
   * lock mdevctl's callout, chzdev and vfioctl all take before changing AP configuration.
   */
  withLock<T>(fn: () => T): T;
}

export const APCONFIG_LOCK = '/run/lock/s390apconfig.lock';
export const MDEVCTL_CONFIG_BASE = '/etc/mdevctl.d';
export const AP_RULES_PATH = '/etc/udev/rules.d/41-ap.rules';

/** Maps a Node fs error to the KernelError the same syscall would give; others pass through. */
export function toKernelError(e: unknown): unknown {
  if (isKernelError(e)) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && code in ERRNO) return new KernelError(code as ErrnoName);
  return e;
}

/** The errno name of a failure, if it is one. */
export function errnoOf(e: unknown): ErrnoName | undefined {
  return isKernelError(e) ? e.code : undefined;
}

export function exists(b: SysfsReader, path: string): boolean {
  return b.exists(path);
}

/** The first line of a file without its newline, or undefined when unreadable. */
export function readTrimmed(b: SysfsReader, path: string): string | undefined {
  try {
    return b.read(path).replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

const trimEnd = (path: string): string => (path.endsWith('/') ? path.replace(/\/+$/, '') : path);

export function basename(path: string): string {
  const trimmed = trimEnd(path);
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const trimmed = trimEnd(path);
  const at = trimmed.lastIndexOf('/');
  return at <= 0 ? '/' : trimmed.slice(0, at);
}

export function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}
