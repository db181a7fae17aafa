// `vfioctl sys write [--no-newline] PATH VALUE`: `echo VALUE > PATH` — VALUE plus a newline
// in one write(2). The twin is saved even when the write fails, since the kernel log may
// have grown (e.g. the EADDRINUSE conflict lines).

import { writeBytes } from '../../manage/syscall-io.js';
import { guard, syscall } from '../cli-error.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { PathOptions } from './options.js';

export interface SysWriteOptions extends PathOptions {
  value: string;
  /** false with --no-newline (echo -n). */
  newline: boolean;
}

export function sysWrite(opts: SysWriteOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const data = Buffer.from(opts.newline ? `${opts.value}\n` : opts.value, 'utf8');
    await new StateStore(opts.state).update((host) => syscall('write', opts.path, () => writeBytes(host.process(), opts.path, data)));
    return 0;
  });
}
