// The small read-only view of sysfs that management views need (lszcrypt, export checks):
// one interface, implemented over the twin's syscall surface and over a real directory.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readText, type Syscalls } from '../kernel/syscall-surface.js';

export interface SysfsReader {
  /** The file's whole text; throws when it is missing or unreadable. */
  read(path: string): string;
  /** Entry names of a directory (following links); throws when it is not one. */
  readdir(path: string): string[];
  /** A symlink's target as stored; throws when the path is not a link. */
  readlink(path: string): string;
  /** Whether the path resolves (following links). */
  exists(path: string): boolean;
}

/** A reader over any Syscalls implementation: the twin, or later a real-Linux binding. */
export function syscallsReader(sys: Syscalls): SysfsReader {
  return {
    read: (path) => readText(sys, path),
    readdir: (path) => sys.readdir(path),
    readlink: (path) => sys.readlink(path),
    exists: (path) => {
      try {
        sys.stat(path);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Reads the first line without its newline, or undefined when the file cannot be read. */
export function readLine(reader: SysfsReader, path: string): string | undefined {
  try {
    const text = reader.read(path);
    const nl = text.indexOf('\n');
    return nl < 0 ? text : text.slice(0, nl);
  } catch {
    return undefined;
  }
}

export function isDir(reader: SysfsReader, path: string): boolean {
  try {
    reader.readdir(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A reader over a real sysfs directory mounted at `dir` (`/sys/x` reads `dir/x`), as
 * s390-tools read `$SYSFS_ROOT`: plain file-system calls, links followed by the OS.
 */
export function directoryReader(dir: string): SysfsReader {
  const at = (path: string): string => (path === '/sys' ? dir : path.startsWith('/sys/') ? `${dir}${path.slice(4)}` : `${dir}${path}`);
  return {
    read: (path) => readFileSync(at(path), 'latin1'),
    readdir: (path) => readdirSync(at(path)),
    readlink: (path) => readlinkSync(at(path)),
    exists: (path) => existsSync(at(path)),
  };
}
