// `vfioctl ap list [-V] [--json]`: lszcrypt's device table for the twin, read through sysfs.

import { formatLszcrypt, LszcryptError, lszcryptTable } from '../../manage/lszcrypt.js';
import { syscallsReader } from '../../manage/sysfs-reader.js';
import { CliError, guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../state-store.js';
import type { StateOptions } from './options.js';

export interface ApListOptions extends StateOptions {
  verbose: boolean;
  json: boolean;
}

export function apList(opts: ApListOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const reader = syscallsReader((await new StateStore(opts.state).load()).process());
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
