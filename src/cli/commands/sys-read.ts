// `vfioctl sys read PATH`: the file's bytes exactly, as `cat` prints them.

import { readBytes } from '../../manage/syscall-io.js';
import { guard, syscall } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { PathOptions } from './options.js';

export function sysRead(opts: PathOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const host = await new StateStore(opts.state).load();
    io.stdout.write(syscall('read', opts.path, () => readBytes(host.process(), opts.path)));
    return 0;
  });
}
