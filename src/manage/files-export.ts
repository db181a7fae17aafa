// Writes the twin's configuration files beside an exported sysfs (DIR/etc, DIR/run), so the
// exported tree is a whole fake root: vfioctl --root DIR, mdevctl in a chroot of DIR.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TwinFiles } from './twin-files.js';

export interface FilesExportOptions {
  /** Also create etc/mdevctl.d/scripts.d/{callouts,notifiers}, which mdevctl 1.2.0's self-check requires. */
  mdevctlDirs?: boolean;
}

export function exportTwinFiles(files: TwinFiles, root: string, opts: FilesExportOptions = {}): { files: number; directories: number } {
  let directories = 0;
  const dirs = [...files.allDirs(), '/etc/mdevctl.d', '/run/lock'];
  if (opts.mdevctlDirs) dirs.push('/etc/mdevctl.d/scripts.d/callouts', '/etc/mdevctl.d/scripts.d/notifiers');
  for (const d of dirs) {
    if (d === '/') continue;
    mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
    directories++;
  }
  const all = files.allFiles();
  for (const [path, data] of all) {
    const dest = join(root, path);
    writeFileSync(dest, data, { mode: 0o644 });
    chmodSync(dest, 0o644);
  }
  return { files: all.length, directories };
}
