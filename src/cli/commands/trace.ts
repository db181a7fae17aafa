// `vfioctl trace [--vm ID]`: the realize-flow trace of every VM (or one).

import { formatTrace } from '../../vmm/trace.js';
import type { Io } from '../io.js';
import type { VmCommandContext } from './vm.js';

export function trace(args: { vm?: string }, io: Io, ctx: VmCommandContext): number {
  const events = args.vm === undefined ? ctx.vms.trace.events : ctx.vms.trace.forVm(args.vm);
  io.stdout.write(formatTrace(events));
  return 0;
}
