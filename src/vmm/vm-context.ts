// What a device model needs of the QEMU process it lives in: the process's syscalls, the
// accelerator, the VFIO globals, reporting and the trace. vm.ts implements it.

import type { Syscalls } from '../kernel/syscall-surface.js';
import type { BusState, DeviceState } from './qdev/qdev.js';

/** QEMU behaviour profile: modern = QEMU 7.2+ texts and notifiers; legacy = QEMU 3.1. */
export type QemuProfile = 'modern' | 'legacy';

/** An EventNotifier whose fd the main loop watches (qemu_set_fd_handler). */
export interface EventNotifier {
  readonly fd: number;
  /** event_notifier_cleanup: stop watching, close the fd. */
  cleanup(): void;
}

export interface VmContext {
  readonly id: string;
  readonly profile: QemuProfile;
  /** The QEMU process: its file table is the VM's. */
  readonly sys: Syscalls;
  /** True once machine init is done (PHASE_MACHINE_READY): device_add is then a hot plug. */
  readonly machineReady: boolean;
  readonly sysbus: BusState;
  /** The KVM VM fd, or undefined under TCG. */
  readonly vmFd: number | undefined;
  /** The KVM-VFIO device fd (created lazily on the first group, never closed). */
  kvmVfioDeviceFd(): number | undefined;
  /** event_notifier_init + qemu_set_fd_handler: handler runs when the kernel signals the eventfd. */
  eventNotifier(handler: () => void): EventNotifier;
  trace(event: string, detail?: string): void;
  /** Records the guest's CRYCB (as the machine holds it) in the trace. */
  traceCrycb(event: string): void;
  /** warn_report: "warning: " + message, with the current location. */
  warn(message: string): void;
  /** error_report: message with the current location (not fatal). */
  error(message: string): void;
  /** qdev_unplug as the request notifier calls it (throws QemuError when refused). */
  unplug(dev: DeviceState): void;
  /** css_generate_css_crws for an AP config change: the guest's AP bus rescans now. */
  apConfigChanged(): void;
  /** The machine's plug handler for a realized device (virt: the platform bus links dynamic sysbus devices). */
  machinePlug?(dev: DeviceState): void;
  /** Whether the machine takes this sysbus type as a -device (undefined: no allow-list is modelled). */
  dynamicSysbusAllowed?(typeName: string): boolean | undefined;
  /** Per-process VFIO state (vfio_group_list, the containers). */
  readonly vfio: import('./vfio/vfio-common.js').VfioState;
}
