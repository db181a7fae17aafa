// `vfioctl vm list|stop|reset|monitor` and the glue between the twin host and the VMM:
// the VmHost adapter (processes, and the machine under a guest), snapshotVms/restoreVms
// for the state file.

import { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL, AP_RESPONSE_Q_NOT_AVAIL } from '../../core/ap-architecture.js';
import { apqnKey } from '../../core/apqn.js';
import type { Host } from '../../kernel/host.js';
import { cardModel } from '../../kernel/ap/card-type.js';
import { apOf } from '../../kernel/ap/ap-subsystem.js';
import { KvmVmFile } from '../../kernel/kvm/kvm-registry.js';
import { s390Kvm } from '../../kernel/kvm/s390/kvm-s390.js';
import type { Process } from '../../kernel/vfs/process.js';
import type { CrycbView, GuestMachine, HardwareTapq } from '../../guest/guest-machine.js';
import type { Vm } from '../../vmm/vm.js';
import type { VmHost, VmProcess } from '../../vmm/vm-host.js';
import { VmManager } from '../../vmm/vm-manager.js';
import type { VmsSnapshot } from '../../vmm/vm-snapshot.js';
import type { Io } from '../io.js';


/** What every VM command receives: the twin's VMs, restored with the host. */
export interface VmCommandContext {
  vms: VmManager;
}

/** The twin host's processes, including those a restore brought back (by pid). */
interface HostWithProcesses {
  process(comm?: string): Process;
  /** A process the kernel checkpoint restored, if the host keeps them. */
  restoredProcess?(pid: number): Process | undefined;
  processes?: ReadonlyMap<number, Process>;
}

/**
 * The machine under a guest: the SIE reads the VM's CRYCB (the KVM object behind the QEMU
 * process's VM fd) and the AP hardware answers TAPQ from the LPAR configuration and the
 * adapters' state. This is hardware, not a syscall: the guest model gets it injected.
 */
export function hostMachine(host: Host, proc: VmProcess, vmFd: number | undefined): GuestMachine {
  const kvmOf = (): KvmVmFile['kvm'] | undefined => {
    if (vmFd === undefined) return undefined;
    try {
      const file = (proc as unknown as Process).fileAt(vmFd);
      return file instanceof KvmVmFile ? file.kvm : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    crycb(): CrycbView | undefined {
      const kvm = kvmOf();
      if (!kvm || kvm.destroyed) return undefined;
      const { crycb } = s390Kvm(kvm);
      const m = crycb.masks();
      return { format: crycb.format, apm: m.apm, aqm: m.aqm, adm: m.adm };
    },
    tapq(apid: number, apqi: number): HardwareTapq {
      const { lpar, bus } = apOf(host);
      const type = lpar.adapters.get(apid);
      if (type === undefined || !lpar.usage.has(apqi)) return { rc: AP_RESPONSE_Q_NOT_AVAIL, at: 0, fac: 0, qd: 0 };
      const card = bus.cards.get(apid);
      const q = bus.queues.get(apqnKey(apid, apqi));
      const model = card?.model ?? cardModel(type);
      let rc = AP_RESPONSE_NORMAL;
      if (card && !card.config) rc = AP_RESPONSE_DECONFIGURED;
      else if (card?.chkstop || q?.chkstop) rc = AP_RESPONSE_CHECKSTOPPED;
      return { rc, at: model.hwtype, fac: model.functions, qd: model.depth };
    },
    qciLimits() {
      const { lpar } = apOf(host);
      return { apxa: lpar.qci && lpar.apxa, na: lpar.na, nd: lpar.nd };
    },
  };
}

/** The VmHost of a twin host: the profile decides the QEMU release. */
export function hostVmAdapter(host: Host): VmHost {
  const h = host as unknown as HostWithProcesses;
  return {
    profile: host.profile,
    arch: host.spec.arch,
    spawn: (comm) => h.process(comm),
    restoredProcess: (pid) => h.restoredProcess?.(pid) ?? h.processes?.get(pid),
    machine: (proc, vmFd) => hostMachine(host, proc, vmFd),
  };
}

/** The VMs' part of the state file. */
export function snapshotVms(vms: VmManager): VmsSnapshot {
  return vms.snapshot();
}

/**
 * Rebuilds the VMs over a host restored from the same state file. Call it right after
 * Host.restore, before any command touches the kernel: the request and config-change
 * handlers must be armed when a host operation signals them.
 */
export function restoreVms(host: Host, snap: VmsSnapshot | undefined): VmManager {
  return VmManager.restore(hostVmAdapter(host), snap);
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

