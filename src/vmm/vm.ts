// A QEMU process (qemu-system-s390x) on the twin: softmmu/vl.c qemu_init in the order QEMU
// runs it — options, help, accelerator, machine and CPU model, -device in command-line
// order, machine ready, system reset, CPUs start — and the running VM afterwards: monitor
// commands, system reset, exit. One Process per VM: its fd table is the VM's.
//
// Persistence (snapshotVms/restoreVms): the kernel checkpoint keeps every open file of the
// QEMU process (VM fd, KVM-VFIO device, group, container, device fd, eventfds) and the VMs'
// CRYCBs, so the guest's CRYCB stays exactly what the driver last pushed (== its mdev's
// shadow). A VmSnapshot records which fd is which and the VMM-side state (qdev tree,
// guest view, trace, stderr); restore rebuilds the objects over the restored fd table
// with no syscall that changes anything (only the eventfd read handlers are re-armed).

import { ApMask } from '../core/ap-mask.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, type Syscalls } from '../kernel/syscall-surface.js';
import { Guest } from '../guest/guest.js';
import { guestCpu, type CrycbView, type GuestMachine } from '../guest/guest-machine.js';
import type { GuestApView } from '../guest/guest-os.js';
import {
  DEVICE_OPTS,
  QemuOptsError,
  formatAccelHelp,
  formatDiagnostic,
  formatDiagnostics,
  formatGlobalPropertyError,
  formatMachineHelp,
  formatOptsListHelp,
  formatVersion,
  keyvalGetString,
  optionLocation,
  parseCommandLine,
  parseCpuOption,
  parseQemuBool,
  qemuOptGet,
  qemuOptHasHelpOpt,
  qemuOptsParse,
  qemuProcessHelpOptions,
  renderDeviceHelp,
  deviceHelp,
  formatDeviceList,
  isHelpOption,
  type DeviceTypeInfo,
  type ParsedCommandLine,
  type QemuLocation,
  type QemuOpts,
} from './options/index.js';
import { BusState, DeviceState, TypeRegistry, walkDevices, type DeviceCategory, type DeviceClass } from './qdev/qdev.js';
import { S390X_DEVICE_PROPERTIES, S390X_DEVICE_TABLE } from './qdev/s390x-device-table.js';
import { findDeviceState, qdevDeviceAdd, qdevUnplug, type DeviceOptions } from './qdev/qdev-monitor.js';
import { QemuError } from './qemu-error.js';
import { TYPE_AP_BUS, registerApTypes, s390InitAp } from './s390/ap-bridge.js';
import { CPU_DEFINITIONS, CPU_FEATURE_NAMES, S390CpuModel, findCpuDefinition, formatCpuHelp, isApFeature, realizeCpuModel, type ApFeature } from './s390/cpu-model.js';
import { kvmApplyCpuModel, kvmCreateVfioDevice, kvmHostCpuModel, kvmInit } from './s390/kvm-accel.js';
import { MACHINE_FAMILY, MACHINE_PROPERTIES, ccwInit, machineTypes, registerMachineTypes } from './s390/machine.js';
import { Trace, type TraceEvent } from './trace.js';
import { VfioApDevice, vfioApClass } from './vfio/vfio-ap.js';
import { VfioContainer, VfioGroup, VfioState, type RamSection } from './vfio/vfio-common.js';
import type { EventNotifier, QemuProfile, VmContext } from './vm-context.js';

export const PROGNAME = 'qemu-system-s390x';
/** QEMU_FULL_VERSION of each profile's release. */
export const QEMU_VERSION: Record<QemuProfile, string> = { modern: '7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)', legacy: '3.1.0' };
const MiB = 1n << 20n;
/** The default guest RAM of s390-ccw-virtio (MachineClass.default_ram_size). */
const DEFAULT_RAM = 128n * MiB;
/** Where the twin pretends QEMU mmapped guest RAM (a page-aligned host address; no memory exists). */
const RAM_VADDR = 0x3ff_8000_0000n;

/** A user-space process of the twin: the syscalls, its pid, and exit (which closes every fd). */
export interface VmProcess extends Syscalls {
  readonly pid: number;
  exit(): void;
}

/** What the VMM needs of the twin host beyond the syscall surface. */
export interface VmHost {
  /** The QEMU release modelled: follows the kernel profile (modern: 7.2, legacy: 3.1). */
  readonly profile: QemuProfile;
  /** fork + exec of qemu-system-s390x: a fresh process. */
  spawn(comm: string): VmProcess;
  /** The process a restored twin kept (its fd table restored with it), by pid. */
  restoredProcess(pid: number): VmProcess | undefined;
  /** The machine under the VM's guest (SIE interpretation of AP instructions). */
  machine(proc: VmProcess, vmFd: number | undefined): GuestMachine;
}

export type VmStatus = 'running' | 'paused';

export interface VmDeviceSnapshot {
  typeName: string;
  id?: string;
  opts: [string, string][];
  hotplugged: boolean;
  sysfsdev?: string;
  name: string;
  fd: number;
  groupId?: number;
  flags: number;
  numRegions: number;
  numIrqs: number;
  reqFd?: number;
  cfgFd?: number;
}

export interface VmSnapshot {
  id: string;
  argv: string[];
  profile: QemuProfile;
  pid: number;
  status: VmStatus;
  accel: 'kvm' | 'tcg';
  kvmFd?: number;
  vmFd?: number;
  kvmVfioFd?: number;
  machine: string;
  cpu: { model: string; features: ApFeature[] };
  ram: { iova: string; size: string; vaddr: string };
  apBus: boolean;
  containers: { fd: number; iommuType: number }[];
  groups: { groupId: number; fd: number; container: number }[];
  devices: VmDeviceSnapshot[];
  guest: { view: GuestApView; booted: boolean };
  stderr: string[];
}

export interface VmsSnapshot {
  version: 1;
  vms: VmSnapshot[];
  trace: TraceEvent[];
}

/** What a command printed: stdout and stderr text and the exit status. */
export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const typeRegistries = new Map<QemuProfile, TypeRegistry>();

/** The device types of qemu-system-s390x: the 7.2 table, of which the twin instantiates vfio-ap. */
export function deviceTypes(profile: QemuProfile): TypeRegistry {
  let types = typeRegistries.get(profile);
  if (!types) typeRegistries.set(profile, (types = buildDeviceTypes(profile)));
  return types;
}

function buildDeviceTypes(profile: QemuProfile): TypeRegistry {
  const types = new TypeRegistry();
  for (const e of S390X_DEVICE_TABLE) {
    types.register({
      typeName: e.name,
      abstract: false,
      userCreatable: true,
      hotpluggable: true,
      ...(e.bus ? { busType: e.bus } : {}),
      ...(e.alias ? { alias: e.alias } : {}),
      ...(e.desc ? { desc: e.desc } : {}),
      categories: e.categories as DeviceCategory[],
      props: [],
      helpProps: S390X_DEVICE_PROPERTIES[e.name] ?? [],
    });
  }
  registerMachineTypes(types);
  registerApTypes(types);
  // hotpluggable since QEMU 5.2 ("vfio-ap: hot plug/unplug support")
  types.register(vfioApClass(profile === 'modern'));
  return types;
}

/** The table `-device help` and `-device T,help` print from. */
export function deviceTypeInfos(types: TypeRegistry): DeviceTypeInfo[] {
  return types.all().map((c: DeviceClass) => ({
    name: c.typeName,
    properties: c.helpProps ?? c.props.map((p) => ({ name: p.name, type: p.type })),
    ...(c.busType ? { bus: c.busType } : {}),
    ...(c.alias ? { alias: c.alias } : {}),
    ...(c.desc ? { desc: c.desc } : {}),
    categories: [...c.categories],
    userCreatable: c.userCreatable,
    abstract: c.abstract,
  }));
}

/** models s390_cpu_list (`-cpu help`). */
export function formatCpuList(): string {
  return formatCpuHelp();
}

/** Uses of a QEMU location by a report while a command runs. */
type Sink = { kind: 'stderr' } | { kind: 'monitor'; out: string[] };

/** A running qemu-system-s390x. */
export class Vm implements VmContext {
  status: VmStatus = 'running';
  machineReady = false;
  sysbus!: BusState;
  readonly vfio: VfioState;
  vmFd: number | undefined;
  kvmFd: number | undefined;
  private kvmVfioFd: number | undefined;
  cpu!: S390CpuModel;
  guest!: Guest;
  machineType = `${MACHINE_FAMILY}`;
  /** QEMU's stderr so far (lines without their newline). */
  readonly stderrLog: string[] = [];
  private loc: QemuLocation = { kind: 'none' };
  private sink: Sink = { kind: 'stderr' };
  readonly types: TypeRegistry;
  exited = false;

  constructor(
    readonly manager: VmManager,
    readonly id: string,
    readonly argv: readonly string[],
    readonly proc: VmProcess,
    readonly profile: QemuProfile,
    readonly accel: 'kvm' | 'tcg',
    ram: RamSection,
  ) {
    this.vfio = new VfioState(ram);
    this.types = deviceTypes(profile);
  }

  get sys(): Syscalls {
    return this.proc;
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

  /** The CRYCB as the machine holds it, into the trace. */
  traceCrycb(event: string): void {
    const c = this.guestMachine().crycb();
    if (!c) return;
    this.trace(event, `format ${c.format} apm ${c.apm.toHex()} aqm ${c.aqm.toHex()} adm ${c.adm.toHex()}`);
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
    const text = formatDiagnostic(PROGNAME, { severity, location: this.loc, message, ...(hints.length ? { hint: hints.map((h) => `${h}\n`).join('') } : {}) });
    this.stderrLog.push(...text.replace(/\n$/, '').split('\n'));
  }

  private stderrTaken = 0;

  /** The stderr text reported since the last call (what the running command printed). */
  takeStderr(): string {
    const lines = this.stderrLog.slice(this.stderrTaken);
    this.stderrTaken = this.stderrLog.length;
    return lines.map((l) => `${l}\n`).join('');
  }

  unplug(dev: DeviceState): void {
    qdevUnplug(dev);
  }

  apConfigChanged(): void {
    if (this.guest?.booted) {
      this.guest.configChanged();
      this.trace('guest_ap_rescan', `config-change event: the guest sees ${this.guestApqnsText()}`);
    }
  }

  // ---- the machine -----------------------------------------------------------------------

  guestMachine(): GuestMachine {
    return this.manager.host.machine(this.proc, this.vmFd);
  }

  /** The guest's CRYCB; an all-zero format-0 block under TCG. */
  crycb(): CrycbView {
    return this.guestMachine().crycb() ?? { format: 0, apm: ApMask.empty(), aqm: ApMask.empty(), adm: ApMask.empty() };
  }

  private guestApqnsText(): string {
    const q = this.guest.view.cards.flatMap((c) => c.queues.map((d) => `${c.apid.toString(16).padStart(2, '0')}.${d.toString(16).padStart(4, '0')}`));
    return q.length ? q.join(' ') : 'no APQNs';
  }

  /** Devices of the machine, depth first (qdev tree order). */
  devices(): DeviceState[] {
    return [...walkDevices(this.sysbus)];
  }

  vfioApDevices(): VfioApDevice[] {
    return this.devices().filter((d): d is VfioApDevice => d instanceof VfioApDevice);
  }

  /** Runs fn with QEMU's location / monitor set, returning what it reported. */
  withLocation<T>(loc: QemuLocation, fn: () => T): T {
    const prev = this.loc;
    this.loc = loc;
    try {
      return fn();
    } finally {
      this.loc = prev;
    }
  }

  /** models qemu_system_reset: every device's reset, then the guest boots again. */
  systemReset(): void {
    this.trace('qemu_system_reset', 'device resets, then the guest reboots');
    for (const dev of this.devices()) if (dev.realized) dev.reset(this);
    if (this.status === 'running') {
      this.guest.boot();
      this.trace('guest_boot', `the guest's AP bus sees ${this.guestApqnsText()}`);
    }
  }

  /** vm_start: the CPUs run; the guest kernel boots on its first start. */
  cont(): void {
    this.status = 'running';
    if (!this.guest.booted) {
      this.guest.boot();
      this.trace('guest_boot', `the guest's AP bus sees ${this.guestApqnsText()}`);
    }
  }

  /** The QEMU process exits (quit, kill): the kernel closes its files. */
  exit(): void {
    if (this.exited) return;
    this.trace('qemu_exit', `process ${this.proc.pid} exits; the kernel closes every fd (device fd → close_device clears the CRYCB and resets the queues)`);
    this.exited = true;
    this.proc.exit();
    this.manager.vms.delete(this.id);
  }

  // ---- HMP -------------------------------------------------------------------------------

  /** Runs one HMP command line; returns the monitor's output and whether it reported an error. */
  monitor(cmdline: string): { output: string; error: boolean } {
    const out: string[] = [];
    const prevSink = this.sink;
    this.sink = { kind: 'monitor', out };
    let error = false;
    const fail = (e: unknown): void => {
      if (!(e instanceof QemuError)) throw e;
      error = true;
      // QEMU 4.2 made hmp_handle_error print "Error: "; 3.1's error_report_err did not
      out.push(`${this.profile === 'modern' ? 'Error: ' : ''}${e.message}\n${e.hints.map((h) => `${h}\n`).join('')}`);
    };
    try {
      const trimmed = cmdline.replace(/^\s+/, '');
      const m = /^(\S*)\s*(.*)$/s.exec(trimmed)!;
      const cmd = m[1]!;
      const args = m[2]!.trim();
      switch (cmd) {
        case '':
          break;
        case 'device_add':
          try {
            this.hmpDeviceAdd(args, out);
          } catch (e) {
            if (e instanceof QemuOptsError) {
              error = true;
              out.push(`${e.qemuMessage}\n${e.hint ?? ''}`);
            } else fail(e);
          }
          break;
        case 'device_del':
          if (!args) {
            error = true;
            out.push('device_del: string expected\n');
            break;
          }
          try {
            // models qmp_device_del: find_device_state then qdev_unplug
            const dev = findDeviceState(this, args);
            this.trace('qmp_device_del', `${args} (${dev.typeName})`);
            qdevUnplug(dev);
          } catch (e) {
            fail(e);
          }
          break;
        case 'system_reset':
          this.sink = prevSink;
          this.systemReset();
          break;
        case 'stop':
          this.status = 'paused';
          break;
        case 'cont':
        case 'c':
          this.cont();
          break;
        case 'info':
          if (args === 'status') out.push(`VM status: ${this.status === 'running' ? 'running' : 'paused'}\n`);
          else if (args === 'qtree') out.push(this.infoQtree());
          else if (args === 'name') out.push(`${this.id}\n`);
          else {
            error = true;
            out.push(`unknown command: 'info ${args}'\n`);
          }
          break;
        case 'quit':
        case 'q':
          this.exit();
          break;
        default:
          error = true;
          out.push(`unknown command: '${cmd}'\n`);
      }
    } finally {
      this.sink = prevSink;
    }
    return { output: out.join(''), error };
  }

  /** models hmp_device_add → qmp_device_add (the "device" QemuOpts list, help, qdev_device_add). */
  private hmpDeviceAdd(args: string, out: string[]): void {
    const existing: QemuOpts[] = this.devices().filter((d) => d.id !== undefined).map((d) => ({ list: 'device', id: d.id!, opts: [] }));
    const r = qemuOptsParse(DEVICE_OPTS, args, existing);
    if (r.kind === 'help') return;
    const opts = r.opts;
    const driver = qemuOptGet(opts, 'driver');
    // models qdev_device_help in the monitor
    if (driver !== undefined && isHelpOption(driver)) {
      out.push(formatDeviceList(deviceTypeInfos(this.types)));
      return;
    }
    if (driver !== undefined && qemuOptHasHelpOpt(opts)) {
      const h = deviceHelp(driver, deviceTypeInfos(this.types));
      out.push(h.kind === 'text' ? h.stdout : `${h.message}\n`);
      return;
    }
    const dev = qdevDeviceAdd({ vm: this, types: this.types }, deviceOptions(opts));
    this.trace('qdev_device_add', `${dev.typeName}${dev.id ? ` id=${dev.id}` : ''} hot plugged`);
  }

  /** A small `info qtree`: buses and devices with their properties. */
  private infoQtree(): string {
    const lines: string[] = [];
    const bus = (b: BusState, indent: string): void => {
      lines.push(`${indent}bus: ${b.name}`, `${indent}  type ${b.typeName}`);
      for (const d of b.children) {
        lines.push(`${indent}  dev: ${d.typeName}, id "${d.id ?? ''}"`);
        for (const p of d.cls.props) {
          const v = p.get(d);
          lines.push(`${indent}    ${p.name} = ${typeof v === 'string' ? `"${v}"` : v === undefined ? '""' : String(v)}`);
        }
        for (const c of d.childBuses) bus(c, `${indent}    `);
      }
    };
    bus(this.sysbus, '');
    return lines.map((l) => `${l}\n`).join('');
  }

  // ---- snapshots -------------------------------------------------------------------------

  snapshot(): VmSnapshot {
    const containers = this.vfio.containers.map((c) => ({ fd: c.fd, iommuType: c.iommuType }));
    return {
      id: this.id,
      argv: [...this.argv],
      profile: this.profile,
      pid: this.proc.pid,
      status: this.status,
      accel: this.accel,
      ...(this.kvmFd !== undefined ? { kvmFd: this.kvmFd } : {}),
      ...(this.vmFd !== undefined ? { vmFd: this.vmFd } : {}),
      ...(this.kvmVfioFd !== undefined ? { kvmVfioFd: this.kvmVfioFd } : {}),
      machine: this.machineType,
      cpu: { model: this.cpu.def.name, features: [...this.cpu.features] },
      ram: { iova: String(this.vfio.ram.iova), size: String(this.vfio.ram.size), vaddr: String(this.vfio.ram.vaddr) },
      apBus: this.devices().some((d) => d.childBuses.some((b) => b.typeName === TYPE_AP_BUS)),
      containers,
      groups: this.vfio.groups.map((g) => ({ groupId: g.groupId, fd: g.fd, container: this.vfio.containers.indexOf(g.container) })),
      devices: this.vfioApDevices().map((d) => ({
        typeName: d.typeName,
        ...(d.id !== undefined ? { id: d.id } : {}),
        opts: d.opts.map(([k, v]) => [k, v] as [string, string]),
        hotplugged: d.hotplugged,
        ...(d.sysfsdev !== undefined ? { sysfsdev: d.sysfsdev } : {}),
        name: d.vdev.name,
        fd: d.vdev.fd,
        ...(d.vdev.group ? { groupId: d.vdev.group.groupId } : {}),
        flags: d.vdev.flags,
        numRegions: d.vdev.numRegions,
        numIrqs: d.vdev.numIrqs,
        ...(d.reqNotifier ? { reqFd: d.reqNotifier.fd } : {}),
        ...(d.cfgNotifier ? { cfgFd: d.cfgNotifier.fd } : {}),
      })),
      guest: { view: structuredClone(this.guest.view), booted: this.guest.booted },
      stderr: [...this.stderrLog],
    };
  }

  /** Rebuilds a VM over its restored process: qdev tree, VFIO objects, notifiers, guest. */
  static restore(manager: VmManager, s: VmSnapshot, proc: VmProcess): Vm {
    const ram: RamSection = { iova: BigInt(s.ram.iova), size: BigInt(s.ram.size), vaddr: BigInt(s.ram.vaddr) };
    const vm = new Vm(manager, s.id, s.argv, proc, s.profile, s.accel, ram);
    vm.status = s.status;
    vm.kvmFd = s.kvmFd;
    vm.vmFd = s.vmFd;
    vm.kvmVfioFd = s.kvmVfioFd;
    vm.machineType = s.machine;
    const def = findCpuDefinition(s.cpu.model) ?? CPU_DEFINITIONS[0]!;
    vm.cpu = new S390CpuModel(def, new Set(s.cpu.features));
    vm.sysbus = ccwInit();
    const apBus = s.apBus ? s390InitAp(vm, vm.sysbus) : undefined;
    for (const c of s.containers) vm.vfio.containers.push(new VfioContainer(c.fd, c.iommuType));
    for (const g of s.groups) {
      const group = new VfioGroup(g.groupId, g.fd, vm.vfio.containers[g.container]!);
      group.container.groups.push(group);
      vm.vfio.groups.push(group);
    }
    for (const d of s.devices) {
      const cls = vm.types.lookup(d.typeName);
      if (!cls || !apBus) continue;
      const dev = cls.instantiate!(cls) as VfioApDevice;
      if (d.id !== undefined) dev.id = d.id;
      dev.opts = d.opts;
      dev.hotplugged = d.hotplugged;
      dev.sysfsdev = d.sysfsdev;
      const group = vm.vfio.groups.find((g) => g.groupId === d.groupId);
      Object.assign(dev.vdev, { name: d.name, sysfsdev: d.sysfsdev, group, fd: d.fd, flags: d.flags, numRegions: d.numRegions, numIrqs: d.numIrqs });
      group?.devices.push(dev.vdev);
      dev.parentBus = apBus;
      apBus.children.push(dev);
      dev.realized = true;
      dev.restoreNotifiers(vm, d.reqFd, d.cfgFd);
    }
    vm.machineReady = true;
    vm.guest = new Guest(guestCpu(vm.guestMachine(), cpuFacilities(vm.cpu)), vm.guestMachine(), s.guest);
    vm.stderrLog.push(...s.stderr);
    vm.stderrTaken = vm.stderrLog.length;
    return vm;
  }
}

function cpuFacilities(model: S390CpuModel): { ap: boolean; apqci: boolean; apft: boolean; apqi: boolean } {
  return { ap: model.has('ap'), apqci: model.has('apqci'), apft: model.has('apft'), apqi: model.has('apqi') };
}

/** DeviceOptions from a parsed -device / device_add QemuOpts. */
export function deviceOptions(opts: QemuOpts): DeviceOptions {
  return {
    driver: qemuOptGet(opts, 'driver'),
    id: opts.id,
    props: opts.opts.filter((o) => o.name !== 'driver').map((o) => [o.name, o.str] as [string, string]),
  };
}

/** DeviceOptions of a JSON -device (qobject_from_json): values as their JSON text for non-strings. */
function jsonDeviceOptions(json: string): DeviceOptions {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    throw new QemuError('JSON parse error');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new QemuError("Invalid parameter type for 'device', expected: dict");
  const props: [string, string][] = [];
  let driver: string | undefined;
  let id: string | undefined;
  for (const [k, v] of Object.entries(obj)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (k === 'driver') driver = text;
    else if (k === 'id') id = text;
    else props.push([k, text]);
  }
  return { driver, id, props };
}

/** The twin's running QEMUs and the trace they share. */
export class VmManager {
  readonly vms = new Map<string, Vm>();

  constructor(
    readonly host: VmHost,
    readonly trace: Trace = new Trace(),
  ) {}

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
   * `qemu-system-s390x ARGV…`: on success the VM keeps running and stdout is its id;
   * otherwise stdout/stderr are what QEMU prints and the twin is left as it was.
   */
  start(argv: readonly string[]): CommandOutput & { vm?: Vm } {
    const profile = this.host.profile;
    const parsed = parseCommandLine(argv);
    let stderr = formatDiagnostics(PROGNAME, parsed.diagnostics);
    if (parsed.kind === 'exit') return { exitCode: parsed.exitCode, stdout: renderEarlyHelp(parsed.help, profile), stderr };
    const cl = parsed.commandLine;
    const help = qemuProcessHelpOptions(cl);
    if (help) {
      if (help.kind === 'cpu-list') return { exitCode: 0, stdout: formatCpuList(), stderr };
      if (help.kind === 'data-dirs') return { exitCode: 0, stdout: '', stderr };
      const r = renderDeviceHelp(help, deviceTypeInfos(deviceTypes(profile)), PROGNAME);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: stderr + r.stderr };
    }
    const fatal = (message: string, hint?: string, location: QemuLocation = { kind: 'none' }): CommandOutput => ({
      exitCode: 1,
      stdout: '',
      stderr: stderr + formatDiagnostic(PROGNAME, { severity: 'error', location, message, ...(hint ? { hint } : {}) }),
    });
    // models select_machine, then the machine's properties (qemu_apply_machine_options)
    const machines = machineTypes(profile);
    const type = keyvalGetString(cl.machine, 'type') ?? MACHINE_FAMILY;
    const machine = machines.find((m) => m.name === type || m.alias === type);
    if (!machine) return fatal('unsupported machine type', 'Use -machine help to list supported machines\n');
    if (machine.name === 'none') return fatal('the twin models only the s390-ccw-virtio machine');
    for (const [key, value] of cl.machine) {
      if (key === 'type' || key === 'accel') continue;
      const kind = MACHINE_PROPERTIES.get(key);
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
    // models parse_memory_options' checks
    const memory = memoryOptions(cl);
    if (memory.error) return fatal(memory.error);
    // models the drives of disk-image words (the twin has no block layer)
    if (cl.images.length > 0) {
      const img = cl.images[0]!;
      return fatal(`Could not open '${img.file}': No such file or directory`, undefined, { kind: 'cmdline', words: [img.file] });
    }

    // models configure_accelerators (the twin defaults to KVM, as a qemu-kvm build does)
    const machineAccel = keyvalGetString(cl.machine, 'accel');
    if (machineAccel !== undefined && cl.accels.length > 0) return fatal('The -accel and "-machine accel=" options are incompatible');
    const candidates: { name: string; loc: QemuLocation }[] =
      cl.accels.length > 0
        ? cl.accels.map((a) => ({ name: a.accel, loc: optionLocation(a.option) }))
        : (machineAccel ?? 'kvm').split(':').map((name) => ({ name, loc: { kind: 'none' } as QemuLocation }));
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

    const proc = this.host.spawn(PROGNAME);
    const traceMark = this.trace.mark();
    let vm: Vm | undefined;
    const abort = (out: CommandOutput): CommandOutput => {
      proc.exit();
      this.vms.delete(vmId);
      this.trace.rollback(traceMark);
      return out;
    };
    try {
      let accel: 'kvm' | 'tcg' | undefined;
      let kvm: { kvmFd: number; vmFd: number } | undefined;
      for (const { name, loc } of candidates) {
        if (name === 'kvm') {
          try {
            kvm = kvmInit(proc);
            accel = 'kvm';
            break;
          } catch (e) {
            if (!(e instanceof QemuError)) throw e;
            stderr += e.preface.map((l) => `${l}\n`).join('') + formatDiagnostic(PROGNAME, { severity: 'error', location: { kind: 'none' }, message: e.message });
          }
        } else if (name === 'tcg') {
          accel = 'tcg';
          break;
        } else {
          stderr += formatDiagnostic(PROGNAME, { severity: 'error', location: loc, message: `invalid accelerator ${name}` });
        }
      }
      if (!accel) return abort({ exitCode: 1, stdout: '', stderr });
      const ramSize = memory.size;
      vm = new Vm(this, vmId, argv, proc, profile, accel, { iova: 0n, size: ramSize, vaddr: RAM_VADDR });
      vm.machineType = machine.name;
      vm.kvmFd = kvm?.kvmFd;
      vm.vmFd = kvm?.vmFd;
      this.vms.set(vmId, vm);
      this.trace.record(vmId, 'qemu_init', `${PROGNAME} ${argv.join(' ')} (pid ${proc.pid}, accel ${accel}${kvm ? `, vm fd ${kvm.vmFd}` : ''})`);

      // models parse_cpu_option and the CPU's global properties
      const cpuText = cl.cpu?.text ?? (accel === 'kvm' ? 'host' : 'qemu');
      let cpuOpt;
      try {
        cpuOpt = parseCpuOption(cpuText, (m) => (findCpuDefinition(m) ? `${m}-s390x-cpu` : undefined));
      } catch (e) {
        if (e instanceof QemuOptsError) return abort(fatal(e.qemuMessage, e.hint));
        throw e;
      }
      const def = findCpuDefinition(cpuOpt.model)!;
      const switches: [ApFeature, boolean][] = [];
      for (const f of cpuOpt.features) {
        const typeName = `${def.name}-s390x-cpu`;
        if (!CPU_FEATURE_NAMES.has(f.name)) {
          return abort(fatal(formatGlobalPropertyError(typeName, f.name, f.value, `Property '${typeName}.${f.name}' not found`)));
        }
        try {
          const on = parseQemuBool(f.name, f.value);
          // only the AP features are modelled; the other recognized features are accepted as given
          if (isApFeature(f.name)) switches.push([f.name, on]);
        } catch (e) {
          if (e instanceof QemuOptsError) return abort(fatal(formatGlobalPropertyError(typeName, f.name, f.value, e.qemuMessage)));
          throw e;
        }
      }
      // models s390_init_cpus → s390_realize_cpu_model
      const max = kvm ? kvmHostCpuModel(proc, kvm.vmFd) : { max: { features: new Set<ApFeature>() }, facilities: undefined };
      const hostFacilities = max.facilities;
      const r = realizeCpuModel(def, switches, max.max, accel === 'kvm');
      for (const w of r.warnings) stderr += formatDiagnostic(PROGNAME, { severity: 'warning', location: { kind: 'none' }, message: w });
      if (r.error) return abort(fatal(r.error.message));
      vm.cpu = r.model;
      if (kvm && hostFacilities) kvmApplyCpuModel(proc, kvm.vmFd, hostFacilities, r.model);
      this.trace.record(vmId, 's390_realize_cpu_model', `${def.name}: ${AP_ORDER.map((f) => `${f}=${r.model.has(f) ? 'on' : 'off'}`).join(' ')}`);

      // models ccw_init: buses, then the AP bridge when the CPU model has `ap`
      vm.sysbus = ccwInit();
      if (r.model.has('ap')) {
        s390InitAp(vm, vm.sysbus);
        this.trace.record(vmId, 's390_init_ap', 'ap-bridge with ap-bus (max_dev 1)');
      }
      vm.guest = new Guest(guestCpu(vm.guestMachine(), cpuFacilities(r.model)), vm.guestMachine());

      // models qemu_create_cli_devices: -device in command-line order
      for (const d of cl.devices) {
        const loc = optionLocation(d.option);
        try {
          const opts = d.form === 'opts' ? deviceOptions(d.opts) : jsonDeviceOptions(d.json);
          vm.withLocation(loc, () => qdevDeviceAdd({ vm: vm!, types: vm!.types }, opts));
        } catch (e) {
          if (!(e instanceof QemuError)) throw e;
          stderr += vm.takeStderr();
          return abort({
            exitCode: 1,
            stdout: '',
            stderr: stderr + formatDiagnostic(PROGNAME, { severity: 'error', location: loc, message: e.message, ...(e.hints.length ? { hint: e.hints.map((h) => `${h}\n`).join('') } : {}) }),
          });
        }
      }
      // models qdev_machine_creation_done + qemu_system_reset(SHUTDOWN_CAUSE_NONE) + vm_start
      vm.machineReady = true;
      for (const dev of vm.devices()) if (dev.realized) dev.reset(vm);
      if (cl.startStopped) vm.status = 'paused';
      else vm.cont();
      stderr += vm.takeStderr();
      return { exitCode: 0, stdout: `${vmId}\n`, stderr, vm };
    } catch (e) {
      abort({ exitCode: 1, stdout: '', stderr: '' });
      throw e;
    }
  }

  snapshot(): VmsSnapshot {
    return { version: 1, vms: this.list().map((vm) => vm.snapshot()), trace: this.trace.toJSON() };
  }

  /** Rebuilds the VMs of a snapshot over a restored twin (see the file comment). */
  static restore(host: VmHost, snap: VmsSnapshot | undefined): VmManager {
    const manager = new VmManager(host, new Trace(snap?.trace ?? []));
    for (const s of snap?.vms ?? []) {
      const proc = host.restoredProcess(s.pid);
      if (!proc) continue;
      manager.vms.set(s.id, Vm.restore(manager, s, proc));
    }
    return manager;
  }
}

const AP_ORDER: readonly ApFeature[] = ['ap', 'apqci', 'apft', 'apqi'];

/** models parse_memory_options: a suffix-less number means MiB; 0 means the default. */
function memoryOptions(cl: ParsedCommandLine): { size: bigint; error?: string } {
  if (!cl.memory) return { size: DEFAULT_RAM };
  const last = (name: string) => [...cl.memory!.opts].reverse().find((o) => o.name === name);
  const opt = last('size');
  let size = DEFAULT_RAM;
  if (opt && typeof opt.value === 'bigint' && opt.str !== '') {
    const sz = /\d$/.test(opt.str) ? opt.value * MiB : opt.value;
    if (sz !== 0n) size = sz;
    if (size % MiB !== 0n) return { size, error: 'ram size must be multiples of 1 MiB' };
  }
  if (last('slots') && !last('maxmem')) return { size, error: 'slots specified but no max-size' };
  return { size };
}

/** Accelerator class properties (-accel NAME,prop=...) in QEMU 7.2. */
const ACCEL_PROPERTIES: Record<string, readonly string[]> = {
  tcg: ['id', 'thread', 'tb-size', 'split-wx'],
  kvm: ['id', 'kernel-irqchip', 'kvm-shadow-mem', 'dirty-ring-size', 'notify-vmexit', 'notify-window'],
};

function renderEarlyHelp(help: import('./options/index.js').CommandLineHelp | undefined, profile: QemuProfile): string {
  if (!help) return '';
  switch (help.kind) {
    case 'machine':
      return formatMachineHelp(help.type, machineTypes(profile));
    case 'accel':
      // the accelerators of a KVM build (accel_builtin_list order)
      return formatAccelHelp(['kvm', 'tcg']);
    case 'opts-list':
      return formatOptsListHelp(help.list);
    case 'version':
      return formatVersion(QEMU_VERSION[profile]);
    case 'usage':
      return `QEMU emulator version ${QEMU_VERSION[profile]}\nusage: ${PROGNAME} [options] [disk_image]\n`;
    case 'audio-help':
      return '';
  }
}
