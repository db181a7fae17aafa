// `vfioctl sys readlink PATH`: the symlink's target as the kernel stored it.

import { guard, syscall } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { PathOptions } from './options.js';

export function sysReadlink(opts: PathOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const sys = (await new StateStore(opts.state).load()).process();
    io.stdout.write(`${syscall('readlink', opts.path, () => sys.readlink(opts.path))}\n`);
    return 0;
  });
}
