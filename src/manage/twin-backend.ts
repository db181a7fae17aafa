// SysfsBackend over the host twin: sysfs through the twin's syscall surface (one process
// per backend, as a user-space tool would be), configuration files in TwinFiles.

import type { Host } from '../kernel/host.js';
import { readText, writeText, type Stat, type Syscalls } from '../kernel/syscall-surface.js';
import { basename, type EntryStat, type SysfsBackend } from './backend.js';
import { TwinFiles } from './twin-files.js';

const toEntry = (st: Stat): EntryStat => ({ kind: st.kind, mode: st.mode });

export class TwinBackend implements SysfsBackend {
  readonly name = 'twin';
  private proc: Syscalls | undefined;

  constructor(
    readonly host: Host,
    readonly files: TwinFiles = new TwinFiles(),
  ) {}

  /** The tool's process, created on first use (each one advances the twin's pid counter). */
  private get sys(): Syscalls {
    this.proc ??= this.host.process('vfioctl');
    return this.proc;
  }

  read(path: string): string {
    return readText(this.sys, path);
  }

  readdir(path: string): string[] {
    return this.sys.readdir(path);
  }

  readlink(path: string): string {
    return this.sys.readlink(path);
  }

  exists(path: string): boolean {
    try {
      this.sys.stat(path);
      return true;
    } catch {
      return false;
    }
  }

  write(path: string, data: string): void {
    writeText(this.sys, path, data);
  }

  realpath(path: string): string {
    return this.sys.realpath(path);
  }

  canonicalBasename(path: string, name?: string): string {
    return basename(this.sys.realpath(name === undefined ? path : `${path}/${name}`));
  }

  stat(path: string): EntryStat {
    return toEntry(this.sys.stat(path));
  }

  lstat(path: string): EntryStat {
    return toEntry(this.sys.lstat(path));
  }
}
