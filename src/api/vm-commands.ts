// The VMs of a live twin as a program drives them: QEMU's monitor, stop and system reset,
// what each guest sees (lszcrypt, its CRYCB), the trace and the list of VMs. Each answers
// as the CLI prints (exit code, stdout, stderr); undefined means no such VM is running.

import { lszcrypt } from '../guest/lszcrypt.js';
import { s390Board } from '../vmm/s390/board.js';
import type { TraceEvent } from '../vmm/trace.js';
import type { CommandOutput } from '../vmm/vm-host.js';
import type { Vm } from '../vmm/vm.js';
import type { LiveTwin } from './live-twin.js';

export interface VmRow {
  id: string;
  pid: number;
  status: string;
  profile: string;
  machine: string;
  accel: string;
  argv: string[];
  devices: unknown[];
}

async function withVm<T>(live: LiveTwin, id: string, fn: (vm: Vm) => T | Promise<T>): Promise<T | undefined> {
  const vm = (await live.vms()).get(id);
  return vm ? await fn(vm) : undefined;
}

/** One HMP command; exit code 1 when the monitor reported an error. */
export function vmMonitor(live: LiveTwin, id: string, command: string): Promise<CommandOutput | undefined> {
  return withVm(live, id, (vm) =>
    live.change(`vm ${id} monitor ${command}`, () => {
      const r = vm.monitor(command);
      return { exitCode: r.error ? 1 : 0, stdout: r.output, stderr: vm.takeStderr() };
    }),
  );
}

/** The QEMU process exits: the kernel closes its files (the CRYCB is cleared, the queues reset). */
export function vmStop(live: LiveTwin, id: string): Promise<CommandOutput | undefined> {
  return withVm(live, id, (vm) => live.change(`vm ${id} stop`, () => (vm.exit(), { exitCode: 0, stdout: '', stderr: '' })));
}

/** QEMU's system_reset: every device resets, the guest reboots. */
export function vmReset(live: LiveTwin, id: string): Promise<CommandOutput | undefined> {
  return withVm(live, id, (vm) => live.change(`vm ${id} reset`, () => (vm.systemReset(), { exitCode: 0, stdout: '', stderr: vm.takeStderr() })));
}

export async function vmList(live: LiveTwin): Promise<VmRow[]> {
  return (await live.vms())
    .list()
    .map((vm) => ({ id: vm.id, pid: vm.proc.pid, status: vm.status, profile: vm.profile, machine: vm.machineType, accel: vm.accel, argv: [...vm.argv], devices: vm.board.vfioDevices() }));
}

/** lszcrypt (-V by default) run inside the guest; exit 1 when the guest has not started (-S). */
export function guestLszcrypt(live: LiveTwin, id: string, verbose = true): Promise<CommandOutput | undefined> {
  return withVm(live, id, (vm) => {
    const board = s390Board(vm);
    if (!board.guest.booted) return { exitCode: 1, stdout: '', stderr: `vfioctl: the guest of ${id} has not started (QEMU was started with -S; 'vm monitor ${id} cont' starts it)\n` };
    return lszcrypt(board.guest.view, verbose);
  });
}

/** The guest's CRYCB: `format N`, then APM, AQM and ADM as 0x + 64 hex digits. */
export function guestCrycb(live: LiveTwin, id: string): Promise<CommandOutput | undefined> {
  return withVm(live, id, (vm) => {
    const c = s390Board(vm).crycb();
    return { exitCode: 0, stdout: `format ${c.format}\nAPM ${c.apm.toHex()}\nAQM ${c.aqm.toHex()}\nADM ${c.adm.toHex()}\n`, stderr: '' };
  });
}

/** The realize-flow trace of every VM, or of one. */
export async function vmTrace(live: LiveTwin, vm?: string): Promise<TraceEvent[]> {
  const vms = await live.vms();
  return vm === undefined ? [...vms.trace.events] : vms.trace.forVm(vm);
}

/** The message of a VM that is not running, as the CLI prints it. */
export const notRunning = (id: string): CommandOutput => ({ exitCode: 1, stdout: '', stderr: `vfioctl: no VM '${id}' is running\n` });
