// Writes a twin's sysfs as a real directory tree (DIR/sys/...): files hold what a read
// returns, write-only attributes are empty 0200 files, symlinks keep their relative
// targets. The result is a fake root for tools that honour $SYSFS_ROOT or a chroot.

import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKernelError } from '../core/errno.js';
import type { Syscalls } from '../kernel/syscall-surface.js';
import { readBytes } from './syscall-io.js';

export interface ExportReport {
  directories: number;
  files: number;
  links: number;
  /** Readable attributes whose read failed (exported empty), with the errno. */
  unreadable: { path: string; code: string }[];
  /** Character devices met under the exported path (not exported). */
  skipped: string[];
}

const child = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

class Exporter {
  readonly report: ExportReport = { directories: 0, files: 0, links: 0, unreadable: [], skipped: [] };

  constructor(
    private readonly sys: Syscalls,
    private readonly root: string,
  ) {}

  dir(path: string): void {
    mkdirSync(join(this.root, path), { recursive: true });
    this.report.directories++;
    for (const name of this.sys.readdir(path)) this.entry(child(path, name));
  }

  private entry(path: string): void {
    const st = this.sys.lstat(path);
    const dest = join(this.root, path);
    switch (st.kind) {
      case 'dir':
        this.dir(path);
        return;
      case 'link':
        symlinkSync(this.sys.readlink(path), dest);
        this.report.links++;
        return;
      case 'file':
        writeFileSync(dest, st.mode & 0o444 ? this.content(path) : new Uint8Array());
        // the exact sysfs mode, whatever the umask is
        chmodSync(dest, st.mode);
        this.report.files++;
        return;
      case 'chr':
        this.report.skipped.push(path);
        return;
    }
  }

  private content(path: string): Uint8Array {
    try {
      return readBytes(this.sys, path);
    } catch (e) {
      if (!isKernelError(e)) throw e;
      this.report.unreadable.push({ path, code: e.code });
      return new Uint8Array();
    }
  }
}

/** Exports the subtree at `from` (default /sys) to the same path under `destRoot`. */
export function exportSysfs(sys: Syscalls, destRoot: string, from = '/sys'): ExportReport {
  const exporter = new Exporter(sys, destRoot);
  exporter.dir(from);
  return exporter.report;
}
