// The twin's running QEMUs: `qemu-system-* ARGV…` runs softmmu/vl.c qemu_init in QEMU's
// order — options, help, machine, accelerator, the target's machine init (CPU model,
// buses, guest), -device in command-line order, machine done, system reset, CPUs start —
// and a failed start leaves the twin as it was. The binary is the host arch's target.

import {
  formatDiagnostic,
  formatDiagnostics,
  keyvalGetString,
  optionLocation,
  parseCommandLine,
  parseQemuBool,
  qemuOptGet,
  qemuProcessHelpOptions,
  renderDeviceHelp,
  QemuOptsError,
  type QemuLocation,
} from './options/index.js';
import { kvmInit, type KvmHandles } from './accel/kvm-all.js';
import { qdevDeviceAdd } from './qdev/qdev-monitor.js';
import { ACCEL_PROPERTIES, deviceOptions, deviceTypeInfos, jsonDeviceOptions, memoryOptions, renderEarlyHelp } from './qemu-init.js';
import { QemuError } from './qemu-error.js';
import { QemuExit, StartAbort, type MachineInit, type VmmTarget } from './target.js';
import { targetFor } from './targets.js';
import { Trace } from './trace.js';
import { Vm } from './vm.js';
import type { CommandOutput, VmHost } from './vm-host.js';
import { restoreVm, snapshotVm, type VmsSnapshot } from './vm-snapshot.js';

/** Where the twin pretends QEMU mmapped guest RAM (a page-aligned host address; no memory exists). */
const RAM_VADDR = 0x3ff_8000_0000n;

export class VmManager {
  readonly vms = new Map<string, Vm>();
  readonly target: VmmTarget;

  constructor(
    readonly host: VmHost,
    readonly trace: Trace = new Trace(),
  ) {
    this.target = targetFor(host.arch);
  }

  get(id: string): Vm | undefined {
    return this.vms.get(id);
  }

  list(): Vm[] {
    return [...this.vms.values()];
  }

  /** The first free vmN. */
  private nextId(): string {
    for (let n = 0; ; n++) if (!this.vms.has(`vm${n}`)) return `vm${n}`;
  }

  /**
   * `qemu-system-* ARGV…`: on success the VM keeps running and stdout is its id;
   * otherwise stdout/stderr are what QEMU prints and the twin is left as it was.
   */
  start(argv: readonly string[]): CommandOutput & { vm?: Vm } {
    const { target } = this;
    const progname = target.progname;
    const profile = this.host.profile;
    const parsed = parseCommandLine(argv, target.options);
    let stderr = formatDiagnostics(progname, parsed.diagnostics);
    if (parsed.kind === 'exit') return { exitCode: parsed.exitCode, stdout: renderEarlyHelp(target, parsed.help, profile), stderr };
    const cl = parsed.commandLine;
    const help = qemuProcessHelpOptions(cl);
    if (help) {
      if (help.kind === 'cpu-list') return { exitCode: 0, stdout: target.cpuList(), stderr };
      if (help.kind === 'data-dirs') return { exitCode: 0, stdout: '', stderr };
      const r = renderDeviceHelp(help, deviceTypeInfos(target.deviceTypes(profile)), progname);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: stderr + r.stderr };
    }
    const fatal = (message: string, hint?: string, location: QemuLocation = { kind: 'none' }): CommandOutput => ({
      exitCode: 1,
      stdout: '',
      stderr: stderr + formatDiagnostic(progname, { severity: 'error', location, message, ...(hint ? { hint } : {}) }),
    });
    // models select_machine, then the machine's properties (qemu_apply_machine_options)
    const machines = target.machineTypes(profile);
    const type = keyvalGetString(cl.machine, 'type') ?? machines.find((m) => m.isDefault)?.name;
    if (type === undefined) return fatal('No machine specified, and there is no default', 'Use -machine help to list supported machines\n');
    const machine = machines.find((m) => m.name === type || m.alias === type);
    if (!machine) return fatal('unsupported machine type', 'Use -machine help to list supported machines\n');
    const unmodelled = target.unmodelledMachine(machine);
    if (unmodelled) return fatal(unmodelled);
    const machineProps = target.machineProperties(machine);
    for (const [key, value] of cl.machine) {
      if (key === 'type' || key === 'accel') continue;
      const kind = machineProps.get(key);
      // the property name QEMU reports has every '_' turned into '-' (as seen with __RFQDN_ names)
      if (!kind) return fatal(`Property '${machine.name}-machine.${key.replaceAll('_', '-')}' not found`);
      if (kind === 'bool') {
        try {
          parseQemuBool(key, typeof value === 'string' ? value : '');
        } catch (e) {
          if (e instanceof QemuOptsError) return fatal(e.qemuMessage, e.hint);
          throw e;
        }
      }
    }
    const memory = memoryOptions(cl, 128n << 20n);
    if (memory.error) return fatal(memory.error);
    // models the drives of disk-image words (the twin has no block layer)
    if (cl.images.length > 0) {
      const img = cl.images[0]!;
      return fatal(`Could not open '${img.file}': No such file or directory`, undefined, { kind: 'cmdline', words: [img.file] });
    }

    // models configure_accelerators (the twin defaults to KVM, then TCG: a qemu-kvm build's choice)
    const machineAccel = keyvalGetString(cl.machine, 'accel');
    if (machineAccel !== undefined && cl.accels.length > 0) return fatal('The -accel and "-machine accel=" options are incompatible');
    const candidates: { name: string; loc: QemuLocation }[] =
      cl.accels.length > 0
        ? cl.accels.map((a) => ({ name: a.accel, loc: optionLocation(a.option) }))
        : (machineAccel ?? 'kvm:tcg').split(':').map((name) => ({ name, loc: { kind: 'none' } as QemuLocation }));
    for (const a of cl.accels) {
      const props = ACCEL_PROPERTIES[a.accel];
      if (!props) continue;
      for (const o of a.opts.opts) {
        if (o.name === 'accel') continue;
        if (!props.includes(o.name)) return fatal(`Property '${a.accel}-accel.${o.name}' not found`, undefined, optionLocation(a.option));
      }
    }

    const named = cl.name ? qemuOptGet(cl.name, 'guest') : undefined;
    const id = named === '' ? undefined : named;
    if (id !== undefined && this.vms.has(id)) return fatal(`a VM named '${id}' is already running on the twin`);
    const vmId = id ?? this.nextId();

    const proc = this.host.spawn(progname);
    const traceMark = this.trace.mark();
    const abort = (out: CommandOutput): CommandOutput => {
      proc.exit();
      this.vms.delete(vmId);
      this.trace.rollback(traceMark);
      return out;
    };
    try {
      let accel: 'kvm' | 'tcg' | undefined;
      let kvm: KvmHandles | undefined;
      let initFailed = false;
      for (const { name, loc } of candidates) {
        if (name === 'kvm') {
          try {
            kvm = kvmInit(proc, target.kvmVmType(machine));
            accel = 'kvm';
            break;
          } catch (e) {
            if (!(e instanceof QemuError)) throw e;
            initFailed = true;
            stderr += e.preface.map((l) => `${l}\n`).join('') + formatDiagnostic(progname, { severity: 'error', location: { kind: 'none' }, message: e.message });
          }
        } else if (name === 'tcg') {
          accel = 'tcg';
          break;
        } else {
          initFailed = true;
          stderr += formatDiagnostic(progname, { severity: 'error', location: loc, message: `invalid accelerator ${name}` });
        }
      }
      if (!accel) return abort({ exitCode: 1, stdout: '', stderr });
      if (initFailed) stderr += formatDiagnostic(progname, { severity: 'error', location: { kind: 'none' }, message: `falling back to ${accel}` });
      const vm = new Vm(this, target, vmId, argv, proc, profile, accel, { iova: 0n, size: memory.size, vaddr: RAM_VADDR });
      vm.machineType = machine.name;
      vm.kvmFd = kvm?.kvmFd;
      vm.vmFd = kvm?.vmFd;
      this.vms.set(vmId, vm);
      this.trace.record(vmId, 'qemu_init', `${progname} ${argv.join(' ')} (pid ${proc.pid}, accel ${accel}${kvm ? `, vm fd ${kvm.vmFd}` : ''})`);

      const init: MachineInit = {
        vm,
        cl,
        machine,
        kvm,
        warn: (message) => {
          stderr += formatDiagnostic(progname, { severity: 'warning', location: { kind: 'none' }, message });
        },
        fail: (message, hint) => {
          stderr = fatal(message, hint).stderr;
          throw new StartAbort();
        },
      };
      vm.board = target.initMachine(init);

      // models qemu_create_cli_devices: -device in command-line order
      for (const d of cl.devices) {
        const loc = optionLocation(d.option);
        try {
          const opts = d.form === 'opts' ? deviceOptions(d.opts) : jsonDeviceOptions(d.json);
          vm.withLocation(loc, () => qdevDeviceAdd({ vm, types: vm.types }, opts));
        } catch (e) {
          if (e instanceof QemuExit) return abort({ exitCode: e.exitCode, stdout: '', stderr: stderr + vm.takeStderr() + e.output });
          if (!(e instanceof QemuError)) throw e;
          stderr += vm.takeStderr();
          return abort({
            exitCode: 1,
            stdout: '',
            stderr: stderr + formatDiagnostic(progname, { severity: 'error', location: loc, message: e.message, ...(e.hints.length ? { hint: e.hints.map((h) => `${h}\n`).join('') } : {}) }),
          });
        }
      }
      // models qdev_machine_creation_done (the machine's done notifiers) + qemu_system_reset + vm_start
      try {
        vm.board.machineDone?.();
      } catch (e) {
        if (e instanceof QemuExit) return abort({ exitCode: e.exitCode, stdout: '', stderr: stderr + vm.takeStderr() + e.output });
        if (!(e instanceof QemuError)) throw e;
        stderr += vm.takeStderr();
        return abort({ exitCode: 1, stdout: '', stderr: stderr + formatDiagnostic(progname, { severity: 'error', location: { kind: 'none' }, message: e.message }) });
      }
      vm.machineReady = true;
      for (const dev of vm.devices()) if (dev.realized) dev.reset(vm);
      if (cl.startStopped) vm.status = 'paused';
      else vm.cont();
      stderr += vm.takeStderr();
      return { exitCode: 0, stdout: `${vmId}\n`, stderr, vm };
    } catch (e) {
      if (e instanceof StartAbort) return abort({ exitCode: 1, stdout: '', stderr });
      abort({ exitCode: 1, stdout: '', stderr: '' });
      throw e;
    }
  }

  snapshot(): VmsSnapshot {
    return { version: 2, vms: this.list().map((vm) => snapshotVm(vm)), trace: this.trace.toJSON() };
  }

  /** Rebuilds the VMs of a snapshot over a restored twin (see vm-snapshot.ts). */
  static restore(host: VmHost, snap: VmsSnapshot | undefined): VmManager {
    const manager = new VmManager(host, new Trace(snap?.trace ?? []));
    for (const s of snap?.vms ?? []) {
      const proc = host.restoredProcess(s.pid);
      if (!proc) continue;
      manager.vms.set(s.id, restoreVm(manager, s, proc));
    }
    return manager;
  }
}
