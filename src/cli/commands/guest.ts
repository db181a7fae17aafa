// `vfioctl guest ID lszcrypt [-V] | rescan | crycb`: what the guest OS of a VM sees.

import { lszcrypt } from '../../guest/lszcrypt.js';
import { S390Board, s390Board } from '../../vmm/s390/board.js';
import type { Io } from '../io.js';
import type { VmCommandContext } from './vm.js';

/** The running VM whose guest has booted, or undefined after saying why not. */
export function guestOf(ctx: VmCommandContext, id: string, io: Io) {
  const vm = ctx.vms.get(id);
  if (!vm) {
    io.stderr.write(`vfioctl: no VM '${id}' is running\n`);
    return undefined;
  }
  if (!(vm.board instanceof S390Board)) {
    io.stderr.write(`vfioctl: the guest of ${id} is not an s390x guest (${vm.progname}): its AP actions do not apply\n`);
    return undefined;
  }
  if (!s390Board(vm).guest.booted) {
    io.stderr.write(`vfioctl: the guest of ${id} has not started (QEMU was started with -S; 'vm monitor ${id} cont' starts it)\n`);
    return undefined;
  }
  return vm;
}

/** lszcrypt run inside the guest. */
export function guestLszcrypt(args: { id: string; verbose?: boolean }, io: Io, ctx: VmCommandContext): number {
  const vm = guestOf(ctx, args.id, io);
  if (!vm) return 1;
  const r = lszcrypt(s390Board(vm).guest.view, args.verbose ?? false);
  io.stdout.write(r.stdout);
  io.stderr.write(r.stderr);
  return r.exitCode;
}

/** The guest's AP bus scans now (as its periodic scan would). */
export function guestRescan(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const vm = guestOf(ctx, args.id, io);
  if (!vm) return 1;
  const { guest } = s390Board(vm);
  guest.rescan();
  vm.trace('guest_ap_rescan', `forced scan: the guest sees ${guest.view.cards.flatMap((c) => c.queues.map((q) => `${c.apid.toString(16).padStart(2, '0')}.${q.toString(16).padStart(4, '0')}`)).join(' ') || 'no APQNs'}`);
  return 0;
}

/** The guest's CRYCB: `format N`, then APM, AQM and ADM as 0x + 64 hex digits. */
export function guestCrycb(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const vm = ctx.vms.get(args.id);
  if (!vm) {
    io.stderr.write(`vfioctl: no VM '${args.id}' is running\n`);
    return 1;
  }
  if (!(vm.board instanceof S390Board)) {
    io.stderr.write(`vfioctl: the guest of ${args.id} is not an s390x guest (${vm.progname}): it has no CRYCB\n`);
    return 1;
  }
  const c = s390Board(vm).crycb();
  io.stdout.write(`format ${c.format}\nAPM ${c.apm.toHex()}\nAQM ${c.aqm.toHex()}\nADM ${c.adm.toHex()}\n`);
  return 0;
}
