// `vfioctl guest ID dt | interrupts | mmio read|write DEVICE OFFSET [VALUE] [--region N]`:
// what the guest of an ARM VM sees of its passed-through platform devices — its device
// tree as `dtc -O dts` prints it, its /proc/interrupts lines, and 32-bit accesses to the
// device's registers (DEVICE is the host device's name; hex offsets and values).

import { withKernelTrace } from '../../api/vm-host.js';
import { ArmBoard } from '../../vmm/arm/board.js';
import type { Vm } from '../../vmm/vm.js';
import type { Io } from '../io.js';
import type { VmCommandContext } from './vm.js';

function armVm(ctx: VmCommandContext, id: string, io: Io, action: string): { vm: Vm; board: ArmBoard } | undefined {
  const vm = ctx.vms.get(id);
  if (!vm) {
    io.stderr.write(`vfioctl: no VM '${id}' is running\n`);
    return undefined;
  }
  if (!(vm.board instanceof ArmBoard)) {
    io.stderr.write(`vfioctl: guest ${action}: ${id} is not an ARM VM (${vm.progname})\n`);
    return undefined;
  }
  return { vm, board: vm.board };
}

export function guestDt(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const found = armVm(ctx, args.id, io, 'dt');
  if (!found) return 1;
  io.stdout.write(found.board.dts());
  return 0;
}

export function guestInterrupts(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const found = armVm(ctx, args.id, io, 'interrupts');
  if (!found) return 1;
  if (!found.board.guest.booted) {
    io.stderr.write(`vfioctl: the guest of ${args.id} has not started (QEMU was started with -S; 'vm monitor ${args.id} cont' starts it)\n`);
    return 1;
  }
  io.stdout.write(found.board.guest.procInterrupts());
  return 0;
}

const HEX = /^(0x)?[0-9a-f]+$/i;

export interface GuestMmioArgs {
  id: string;
  op: string | undefined;
  device: string | undefined;
  offset: string | undefined;
  value: string | undefined;
  region: string | undefined;
}

/** One 32-bit guest load or store; a read prints the value as 0x%08x. */
export function guestMmio(args: GuestMmioArgs, io: Io, ctx: VmCommandContext): number {
  const fail = (msg: string, code = 1): number => {
    io.stderr.write(`vfioctl: guest mmio: ${msg}\n`);
    return code;
  };
  if (args.op !== 'read' && args.op !== 'write') return fail(`expected read or write, got '${args.op ?? ''}'`, 2);
  if (!args.device || args.offset === undefined) return fail(`usage: guest ID mmio ${args.op} DEVICE OFFSET${args.op === 'write' ? ' VALUE' : ''} [--region N]`, 2);
  if (args.op === 'write' && args.value === undefined) return fail('a write needs a VALUE (hex)', 2);
  if (args.op === 'read' && args.value !== undefined) return fail('a read takes no VALUE', 2);
  const found = armVm(ctx, args.id, io, 'mmio');
  if (!found) return 1;
  const { board, vm } = found;
  const pt = board.device(args.device);
  if (!pt) return fail(`${args.device} is not passed through to ${args.id} (${board.vfioDevices().map((d) => d.name).join(', ') || 'no platform devices'})`);
  const region = args.region === undefined ? 0 : /^\d+$/.test(args.region) ? Number(args.region) : NaN;
  const r = pt.dev.regions[region];
  if (!r) return fail(`${args.device} has no region ${args.region} (0..${pt.dev.regions.length - 1})`);
  if (!HEX.test(args.offset)) return fail(`bad offset '${args.offset}' (hex)`);
  const offset = parseInt(args.offset, 16);
  if (offset % 4 !== 0 || offset + 4 > r.size) return fail(`offset 0x${offset.toString(16)} is not a 32-bit register of region ${region} (size 0x${r.size.toString(16)})`);
  let value: number | undefined;
  if (args.value !== undefined) {
    if (!HEX.test(args.value) || parseInt(args.value, 16) > 0xffff_ffff) return fail(`bad value '${args.value}' (32-bit hex)`);
    value = parseInt(args.value, 16);
  }
  if (!board.guest.booted) return fail(`the guest of ${args.id} has not started ('vm monitor ${args.id} cont' starts it)`);
  const out = ctx.kernel ? withKernelTrace(ctx.kernel, ctx.vms, () => board.mmio(args.device!, region, offset, value)) : board.mmio(args.device, region, offset, value);
  if (value === undefined) io.stdout.write(`0x${out.value.toString(16).padStart(8, '0')}\n`);
  io.stderr.write(vm.takeStderr());
  return 0;
}
