// `vfioctl sys tree [PATH] [-L N]`: a tree view of the twin (default /sys).

import { CliError, guard, syscall } from '../cli-error.js';
import { ChunkedWriter, type Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import { writeTree } from '../sysfs-tree.js';
import type { StateOptions } from './options.js';

export interface SysTreeOptions extends StateOptions {
  path?: string;
  /** tree -L: how many levels to descend (unlimited when absent). */
  level?: number;
}

export function sysTree(opts: SysTreeOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const level = opts.level ?? Infinity;
    if (!(level >= 1)) throw new CliError(`tree: invalid level ${String(opts.level)}: must be 1 or more`, 2);
    const root = opts.path ?? '/sys';
    const sys = (await new StateStore(opts.state).load()).process();
    const out = new ChunkedWriter(io.stdout);
    try {
      syscall('tree', root, () => writeTree(sys, root, level, (line) => out.write(line)));
    } finally {
      out.flush();
    }
    return 0;
  });
}
