// The VMM's target seam: one qemu-system-* binary per guest architecture, each with its
// name, option table, device and machine types, CPU models and machine init; the start-up
// sequence, the monitor and snapshots (vm-manager.ts, vm.ts, monitor/) are shared.

import type { MachineTypeInfo, ParsedCommandLine, QemuOptionTable } from './options/index.js';
import type { BusState, DeviceState, TypeRegistry } from './qdev/qdev.js';
import type { KvmHandles } from './accel/kvm-all.js';
import type { QemuProfile } from './vm-context.js';
import type { Vm } from './vm.js';

/** A start-up step that ends QEMU: what it printed already went to the stderr accumulator. */
export class StartAbort extends Error {
  constructor() {
    super('qemu start aborted');
    this.name = 'StartAbort';
  }
}

/** QEMU exits on its own during start-up (dumpdtb's exit(0), an abort()): its exit status and what it printed last. */
export class QemuExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(`qemu exited with status ${exitCode}`);
    this.name = 'QemuExit';
  }
}

/** What machine init gets from the start-up sequence. */
export interface MachineInit {
  readonly vm: Vm;
  readonly cl: ParsedCommandLine;
  readonly machine: MachineTypeInfo;
  /** The KVM fds when the accelerator is KVM. */
  readonly kvm: KvmHandles | undefined;
  /** warn_report before the VM runs (no location). */
  warn(message: string): void;
  /** error_report + exit(1): QEMU's message (and hint) ends the start. */
  fail(message: string, hint?: string): never;
}

/** A device the target passes through, as `vm list` shows it. */
export interface VfioDeviceRow {
  type: string;
  id: string | null;
  sysfsdev: string | null;
  name: string;
  group: number | null;
}

/** One VM's machine: its buses, CPU and guest, as the target built them. */
export interface Board {
  readonly sysbus: BusState;
  /** The CPU model's name (`vm list`). */
  readonly cpuName: string;
  /** What the kernel does when QEMU's files close, for the exit trace. */
  readonly exitEffects: string;
  /** models qdev_machine_creation_done's machine hooks (e.g. the platform bus, the FDT); throws QemuError. */
  machineDone?(): void;
  /** The machine's plug handler for a realized -device (virt: platform bus linking); throws QemuError. */
  plugDevice?(dev: DeviceState): void;
  /** The machine's dynamic sysbus allow-list (machine_class_allow_dynamic_sysbus_dev). */
  dynamicSysbusAllowed?(typeName: string): boolean;
  /** The guest boots (the first vm_start). */
  boot(): void;
  /** qemu_system_reset after the devices' resets: the guest reboots. */
  reset(): void;
  /** The CPU as `vm list --json` shows it. */
  cpuJson(): unknown;
  /** The passed-through devices. */
  vfioDevices(): VfioDeviceRow[];
  /** The target's extra fields of `vm list --json`. */
  listJson?(): Record<string, unknown>;
  /** Records the s390 guest's CRYCB in the trace (vfio-ap's hook). */
  traceCrycb?(event: string): void;
  /** An AP configuration change reached the s390 guest (vfio-ap's hook). */
  apConfigChanged?(): void;
  /** The board's state (CPU model, guest, its devices' VFIO handles), JSON-ready. */
  snapshot(): unknown;
}

/**
 * QEMU_FULL_VERSION of the builds the profiles model, the same for every qemu-system-*
 * binary: Debian's 7.2 packages (the recorded outputs) and upstream 3.1.
 */
export const QEMU_BUILD_VERSIONS: Readonly<Record<QemuProfile, string>> = { modern: '7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)', legacy: '3.1.0' };

export interface VmmTarget {
  /** The binary's name, as its messages start ("qemu-system-s390x"). */
  readonly progname: string;
  readonly options: QemuOptionTable;
  /** QEMU_FULL_VERSION per profile. */
  readonly versions: Readonly<Record<QemuProfile, string>>;
  /** The accelerators of the build, as `-accel help` lists them. */
  readonly accelerators: readonly string[];
  deviceTypes(profile: QemuProfile): TypeRegistry;
  /** The machine types; the one marked isDefault is used without -M (none: "No machine specified"). */
  machineTypes(profile: QemuProfile): MachineTypeInfo[];
  /** The properties `-machine TYPE,prop=value` may set, by how the value is checked. */
  machineProperties(machine: MachineTypeInfo): ReadonlyMap<string, 'bool' | 'str'>;
  /** Why the twin cannot run this machine, if it cannot. */
  unmodelledMachine(machine: MachineTypeInfo): string | undefined;
  /** `-cpu help`. */
  cpuList(): string;
  /** KVM_CREATE_VM's machine type for this machine. */
  kvmVmType(machine: MachineTypeInfo): number;
  /** Machine init after the accelerator: the CPU model, the buses, the guest. */
  initMachine(init: MachineInit): Board;
  /** Rebuilds a board from its snapshot over a restored VM (no syscall that changes anything). */
  restoreBoard(vm: Vm, saved: unknown): Board;
}
