// `vfioctl dmesg`: the twin's kernel log, one message per line as dmesg prints it.

import { guard } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { StateOptions } from './options.js';

export function dmesg(opts: StateOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    io.stdout.write((await new StateStore(opts.state).load()).log.format());
    return 0;
  });
}
