// What the VMM needs of the machine it runs on beyond the syscall surface: processes to
// exec QEMU in, and the hardware under a guest (which a real host has, and the twin host
// supplies), plus what a command prints.

import type { GicDistributor } from '../core/gic-distributor.js';
import type { GuestMachine } from '../guest/guest-machine.js';
import type { Syscalls } from '../kernel/syscall-surface.js';
import type { QemuProfile } from './vm-context.js';

/** A user-space process of the twin: the syscalls, its pid, and exit (which closes every fd). */
export interface VmProcess extends Syscalls {
  readonly pid: number;
  exit(): void;
}

export interface VmHost {
  /** The QEMU release modelled: follows the kernel profile (modern: 7.2, legacy: 3.1). */
  readonly profile: QemuProfile;
  /** The host's architecture: KVM runs the host's own, so it picks the qemu-system-* binary. */
  readonly arch: string;
  /** fork + exec of qemu-system-*: a fresh process. */
  spawn(comm: string): VmProcess;
  /** The process a restored twin kept (its fd table restored with it), by pid. */
  restoredProcess(pid: number): VmProcess | undefined;
  /** The s390 machine under the VM's guest (SIE interpretation of AP instructions). */
  machine(proc: VmProcess, vmFd: number | undefined): GuestMachine;
  /** The in-kernel vGIC's distributor of an ARM VM (the interrupt controller the guest CPU talks to under KVM). */
  vgic?(proc: VmProcess, vmFd: number): GicDistributor | undefined;
  /** Writes a file on the machine QEMU runs on (-machine dumpdtb=FILE). */
  writeFile?(path: string, data: Uint8Array): void;
  /** POWER hosts: the EEH state (eeh_pe_get_state) of a PCI function's PE, for the trace. */
  pciPeState?(bdf: string): { pe: number; state: number } | undefined;
}

/** What a command printed: stdout and stderr text and the exit status. */
export interface CommandOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}
