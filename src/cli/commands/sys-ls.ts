// `vfioctl sys ls PATH`: one name per line in byte order; a non-directory prints its own
// path, as ls does.

import { guard, syscall } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { PathOptions } from './options.js';

export function sysLs(opts: PathOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const sys = (await new StateStore(opts.state).load()).process();
    const names = syscall('ls', opts.path, () => (sys.stat(opts.path).kind === 'dir' ? sys.readdir(opts.path) : undefined));
    if (names === undefined) io.stdout.write(`${opts.path}\n`);
    else io.stdout.write([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => `${n}\n`).join(''));
    return 0;
  });
}
