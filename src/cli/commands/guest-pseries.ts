// `vfioctl guest ID rtas NAME [ARG…]`, `guest ID lspci` and `guest ID eeh recover DEVICE`:
// what a pseries Linux guest does with the PCI functions QEMU gave it.

import { RTAS_NRET } from '../../guest/pseries/pseries-guest.js';
import { spaprBoard, type SpaprBoard } from '../../vmm/ppc/board.js';
import { parseId } from '../parse-id.js';
import type { Io } from '../io.js';
import type { VmCommandContext } from './vm.js';

/** The running pseries VM whose guest has booted, or undefined after saying why not. */
function pseriesGuest(ctx: VmCommandContext, id: string, io: Io): SpaprBoard | undefined {
  const vm = ctx.vms.get(id);
  if (!vm) {
    io.stderr.write(`vfioctl: no VM '${id}' is running\n`);
    return undefined;
  }
  let board: SpaprBoard;
  try {
    board = spaprBoard(vm);
  } catch {
    io.stderr.write(`vfioctl: ${id} is not a pseries VM (qemu-system-ppc64)\n`);
    return undefined;
  }
  if (!board.guest.state.booted) {
    io.stderr.write(`vfioctl: the guest of ${id} has not started (QEMU was started with -S; 'vm monitor ${id} cont' starts it)\n`);
    return undefined;
  }
  return board;
}

/** One RTAS call: `status=N` and the outputs, in decimal (arguments decimal or 0x hex). */
export function guestRtas(args: { id: string; name: string; args: string[] }, io: Io, ctx: VmCommandContext): number {
  const board = pseriesGuest(ctx, args.id, io);
  if (!board) return 1;
  const cells: number[] = [];
  for (const a of args.args) {
    const n = parseId(a);
    if (n === undefined || n > 0xffff_ffff) {
      io.stderr.write(`vfioctl: guest rtas: invalid argument '${a}' (expected a 32-bit decimal or 0x-hex number)\n`);
      return 2;
    }
    cells.push(n);
  }
  const rets = board.guest.rtas(args.name, cells, RTAS_NRET[args.name] ?? 1);
  io.stdout.write(`status=${rets[0]! | 0}${rets.slice(1).map((r) => ` ${r >>> 0}`).join('')}\n`);
  return 0;
}

/** `lspci -nn -D` in the guest. */
export function guestLspci(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const board = pseriesGuest(ctx, args.id, io);
  if (!board) return 1;
  io.stdout.write(board.guest.lspci());
  return 0;
}

/** The guest's EEH recovery of one device, step by step. */
export function guestEehRecover(args: { id: string; op: string | undefined; device: string | undefined }, io: Io, ctx: VmCommandContext): number {
  if (args.op !== 'recover' || args.device === undefined) {
    io.stderr.write(`vfioctl: guest eeh: expected 'recover DEVICE' (DEVICE as lspci prints it, e.g. 0000:00:00.0)\n`);
    return 2;
  }
  const board = pseriesGuest(ctx, args.id, io);
  if (!board) return 1;
  const r = board.guest.recover(args.device);
  io.stdout.write(r.lines.map((l) => `${l}\n`).join(''));
  return r.ok ? 0 : 1;
}
