// A QEMU process on the twin, once qemu_init has run: the VmContext device models use
// (the process's syscalls, reporting with QEMU's locations, event notifiers, the trace),
// the machine's board (built by the binary's target), system reset, vm_start and exit.
// One Process per VM: its fd table is the VM's.

import { EFD_CLOEXEC, EFD_NONBLOCK, type Syscalls } from '../kernel/syscall-surface.js';
import { formatDiagnostic, type QemuLocation } from './options/index.js';
import { hmp } from './monitor/hmp.js';
import { walkDevices, type BusState, type DeviceState, type TypeRegistry } from './qdev/qdev.js';
import { qdevUnplug } from './qdev/qdev-monitor.js';
import { kvmCreateVfioDevice } from './accel/kvm-all.js';
import type { Board, VmmTarget } from './target.js';
import type { Trace } from './trace.js';
import { VfioState, type RamSection } from './vfio/vfio-common.js';
import type { EventNotifier, QemuProfile, VmContext } from './vm-context.js';
import type { VmHost, VmProcess } from './vm-host.js';

export type VmStatus = 'running' | 'paused';

/** Where reports go while a command runs: stderr with a location, or the monitor. */
export type ReportSink = { kind: 'stderr' } | { kind: 'monitor'; out: string[] };

/** What a VM needs of the manager that runs it. */
export interface VmOwner {
  readonly host: VmHost;
  readonly trace: Trace;
  readonly vms: Map<string, Vm>;
}

export class Vm implements VmContext {
  status: VmStatus = 'running';
  machineReady = false;
  readonly vfio: VfioState;
  vmFd: number | undefined;
  kvmFd: number | undefined;
  kvmVfioFd: number | undefined;
  /** The machine the target built (set during machine init). */
  board!: Board;
  machineType = '';
  /** QEMU's stderr so far (lines without their newline). */
  readonly stderrLog: string[] = [];
  stderrTaken = 0;
  private loc: QemuLocation = { kind: 'none' };
  sink: ReportSink = { kind: 'stderr' };
  readonly types: TypeRegistry;
  exited = false;

  constructor(
    readonly manager: VmOwner,
    readonly target: VmmTarget,
    readonly id: string,
    readonly argv: readonly string[],
    readonly proc: VmProcess,
    readonly profile: QemuProfile,
    readonly accel: 'kvm' | 'tcg',
    ram: RamSection,
  ) {
    this.vfio = new VfioState(ram);
    this.types = target.deviceTypes(profile);
  }

  get sys(): Syscalls {
    return this.proc;
  }

  get progname(): string {
    return this.target.progname;
  }

  get sysbus(): BusState {
    return this.board.sysbus;
  }

  // ---- VmContext -------------------------------------------------------------------------

  kvmVfioDeviceFd(): number | undefined {
    if (this.vmFd === undefined) return undefined;
    this.kvmVfioFd ??= kvmCreateVfioDevice(this, this.vmFd);
    return this.kvmVfioFd;
  }

  eventNotifier(handler: () => void): EventNotifier {
    // models event_notifier_init + qemu_set_fd_handler
    const fd = this.sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    this.armNotifier(fd, handler);
    return {
      fd,
      cleanup: () => {
        this.sys.setReadHandler(fd, undefined);
        this.sys.close(fd);
      },
    };
  }

  /** qemu_set_fd_handler with event_notifier_test_and_clear in front of the handler. */
  armNotifier(fd: number, handler: () => void): void {
    this.sys.setReadHandler(fd, () => {
      try {
        this.sys.read(fd, 8);
      } catch {
        return;
      }
      handler();
    });
  }

  trace(event: string, detail = ''): void {
    this.manager.trace.record(this.id, event, detail);
  }

  traceCrycb(event: string): void {
    this.board.traceCrycb?.(event);
  }

  apConfigChanged(): void {
    this.board?.apConfigChanged?.();
  }

  warn(message: string): void {
    this.report('warning', message);
  }

  error(message: string): void {
    this.report('error', message);
  }

  /** models error_vreport: to the monitor when a command runs there, else stderr with the location. */
  report(severity: 'error' | 'warning', message: string, hints: readonly string[] = []): void {
    if (this.sink.kind === 'monitor') {
      this.sink.out.push(`${severity === 'warning' ? 'warning: ' : ''}${message}\n${hints.map((h) => `${h}\n`).join('')}`);
      return;
    }
    const text = formatDiagnostic(this.progname, { severity, location: this.loc, message, ...(hints.length ? { hint: hints.map((h) => `${h}\n`).join('') } : {}) });
    this.stderrLog.push(...text.replace(/\n$/, '').split('\n'));
  }

  /** The stderr text reported since the last call (what the running command printed). */
  takeStderr(): string {
    const lines = this.stderrLog.slice(this.stderrTaken);
    this.stderrTaken = this.stderrLog.length;
    return lines.map((l) => `${l}\n`).join('');
  }

  unplug(dev: DeviceState): void {
    qdevUnplug(dev);
  }

  machinePlug(dev: DeviceState): void {
    this.board.plugDevice?.(dev);
  }

  dynamicSysbusAllowed(typeName: string): boolean | undefined {
    return this.board.dynamicSysbusAllowed?.(typeName);
  }

  // ---- the machine -----------------------------------------------------------------------

  /** Devices of the machine, depth first (qdev tree order). */
  devices(): DeviceState[] {
    return [...walkDevices(this.sysbus)];
  }

  /** Runs fn with QEMU's location set. */
  withLocation<T>(loc: QemuLocation, fn: () => T): T {
    const prev = this.loc;
    this.loc = loc;
    try {
      return fn();
    } finally {
      this.loc = prev;
    }
  }

  /** models qemu_system_reset: every device's reset, then the guest reboots. */
  systemReset(): void {
    this.trace('qemu_system_reset', 'device resets, then the guest reboots');
    for (const dev of this.devices()) if (dev.realized) dev.reset(this);
    if (this.status === 'running') this.board.reset();
  }

  /** vm_start: the CPUs run; the guest kernel boots on its first start. */
  cont(): void {
    this.status = 'running';
    this.board.boot();
  }

  /** The QEMU process exits (quit, kill): the kernel closes its files. */
  exit(): void {
    if (this.exited) return;
    this.trace('qemu_exit', `process ${this.proc.pid} exits; the kernel closes every fd (${this.board.exitEffects})`);
    this.exited = true;
    this.proc.exit();
    this.manager.vms.delete(this.id);
  }

  /** Runs one HMP command line; returns the monitor's output and whether it reported an error. */
  monitor(cmdline: string): { output: string; error: boolean } {
    return hmp(this, cmdline);
  }
}
