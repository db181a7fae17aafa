// `vfioctl qemu ARGS…`: qemu-system-s390x on the twin. Success prints the VM id alone and
// leaves the VM running; anything else prints exactly what QEMU prints.

import type { Io } from '../io.js';
import type { VmCommandContext } from './vm.js';

export function qemu(args: { argv: readonly string[] }, io: Io, ctx: VmCommandContext): number {
  const r = ctx.vms.start(args.argv);
  io.stdout.write(r.stdout);
  io.stderr.write(r.stderr);
  return r.exitCode;
}
