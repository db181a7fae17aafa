// `vfioctl ap list [-V] [--json]`: lszcrypt's device table, read through sysfs: the twin's,
// the sysfs of --root DIR, or $SYSFS_ROOT (the sysfs mount point, as lszcrypt takes it).

import { join } from 'node:path';
import { formatLszcrypt, LszcryptError, lszcryptTable } from '../../manage/lszcrypt.js';
import { directoryReader, syscallsReader, type SysfsReader } from '../../manage/sysfs-reader.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import type { StateOptions } from './options.js';

export interface ApListOptions extends StateOptions {
  verbose: boolean;
  json: boolean;
  /** --root DIR: read DIR/sys. */
  root?: string;
  /** $SYSFS_ROOT: read this directory as /sys (lszcrypt's override); --root wins. */
  sysfsRoot?: string;
}

async function readerFor(opts: ApListOptions): Promise<SysfsReader> {
  if (opts.root !== undefined) return directoryReader(join(opts.root, 'sys'));
  if (opts.sysfsRoot) return directoryReader(opts.sysfsRoot);
  const { StateStore } = await import('../../api/state-store.js');
  return syscallsReader((await new StateStore(opts.state).load()).process());
}

export function apList(opts: ApListOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const reader = await readerFor(opts);
    let table;
    try {
      table = lszcryptTable(reader, { verbose: opts.verbose });
    } catch (e) {
      if (e instanceof LszcryptError) throw new CliError(`ap list: ${e.message}`);
      throw e;
    }
    io.stdout.write(opts.json ? `${JSON.stringify(table.records, null, 2)}\n` : formatLszcrypt(table));
    return 0;
  });
}
