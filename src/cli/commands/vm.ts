// `vfioctl vm list|stop|reset|monitor`.

import type { Host } from '../../kernel/host.js';
import type { Vm } from '../../vmm/vm.js';
import type { VmManager } from '../../vmm/vm-manager.js';
import type { Io } from '../io.js';


/** What every VM command receives: the twin's VMs, restored with the host. */
export interface VmCommandContext {
  vms: VmManager;
  /** The twin's kernel (its trace joins the VMs' while a command drives hardware). */
  kernel?: Host;
}

function findVm(ctx: VmCommandContext, id: string, io: Io): Vm | undefined {
  const vm = ctx.vms.get(id);
  if (!vm) io.stderr.write(`vfioctl: no VM '${id}' is running\n`);
  return vm;
}

/** One row per VM; `--json` gives the full record. */
export function vmList(args: { json?: boolean }, io: Io, ctx: VmCommandContext): number {
  const vms = ctx.vms.list();
  if (args.json) {
    const rows = vms.map((vm) => ({
      id: vm.id,
      pid: vm.proc.pid,
      status: vm.status,
      profile: vm.profile,
      machine: vm.machineType,
      accel: vm.accel,
      cpu: vm.board.cpuJson(),
      argv: [...vm.argv],
      devices: vm.board.vfioDevices(),
      ...vm.board.listJson?.(),
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const table = [['ID', 'PID', 'STATUS', 'MACHINE', 'ACCEL', 'CPU', 'DEVICES']];
  for (const vm of vms) {
    const devices = vm.board.vfioDevices().map((d) => `${d.type}${d.id ? `(${d.id})` : ''}:${d.name}`);
    table.push([vm.id, String(vm.proc.pid), vm.status, vm.machineType, vm.accel, vm.board.cpuName, devices.join(',') || '-']);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) io.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  return 0;
}

/** The QEMU process exits: the kernel closes its files (the CRYCB is cleared, the queues reset). */
export function vmStop(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const vm = findVm(ctx, args.id, io);
  if (!vm) return 1;
  vm.exit();
  return 0;
}

/** A system reset (QEMU's system_reset): every device is reset, the guest reboots. */
export function vmReset(args: { id: string }, io: Io, ctx: VmCommandContext): number {
  const vm = findVm(ctx, args.id, io);
  if (!vm) return 1;
  vm.systemReset();
  io.stderr.write(vm.takeStderr());
  return 0;
}

/** One HMP command; prints the monitor's output. Exit 1 when the command reported an error. */
export function vmMonitor(args: { id: string; command: string }, io: Io, ctx: VmCommandContext): number {
  const vm = findVm(ctx, args.id, io);
  if (!vm) return 1;
  const r = vm.monitor(args.command);
  io.stdout.write(r.output);
  io.stderr.write(vm.takeStderr());
  return r.error ? 1 : 0;
}

