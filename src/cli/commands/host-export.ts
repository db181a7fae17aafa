// `vfioctl host export DIR`: the twin's /sys as a real tree under DIR/sys, and its
// configuration files under DIR/etc and DIR/run: a whole fake root for lszcrypt's
// $SYSFS_ROOT, vfioctl --root, mdevctl's MDEVCTL_ENV_ROOT or a chroot. /dev is not exported.

import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportSysfs } from '../../manage/export.js';
import { exportTwinFiles } from '../../manage/files-export.js';
import { TwinFiles, type TwinFilesSnapshot } from '../../manage/twin-files.js';
import { FILES_SECTION } from '../../api/manage-session.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { StateOptions } from './options.js';

export interface HostExportOptions extends StateOptions {
  dir: string;
  /** Replace an existing DIR/sys. */
  force: boolean;
}

export function hostExport(opts: HostExportOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const twin = await new StateStore(opts.state).loadTwin();
    const root = resolve(opts.dir);
    const sysDir = join(root, 'sys');
    if (existsSync(sysDir)) {
      if (!opts.force) throw new CliError(`host export: ${sysDir} already exists; use --force to replace it`);
      rmSync(sysDir, { recursive: true, force: true });
    }
    const report = exportSysfs(twin.host.process(), root);
    io.stdout.write(`exported ${report.directories} directories, ${report.files} files and ${report.links} symlinks to ${sysDir}\n`);
    const files = exportTwinFiles(TwinFiles.restore(twin.sections[FILES_SECTION] as TwinFilesSnapshot | undefined), root);
    io.stdout.write(`exported ${files.files} configuration files to ${join(root, 'etc')} and ${join(root, 'run')}\n`);
    for (const u of report.unreadable) io.stderr.write(`vfioctl: host export: ${u.path}: read failed with ${u.code}; exported empty\n`);
    return 0;
  });
}
