// `vfioctl sys realpath PATH`: the physical path with every link resolved.

import { guard, syscall } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { PathOptions } from './options.js';

export function sysRealpath(opts: PathOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const sys = (await new StateStore(opts.state).load()).process();
    io.stdout.write(`${syscall('realpath', opts.path, () => sys.realpath(opts.path))}\n`);
    return 0;
  });
}
