// The VmHost of a twin host (DESIGN.md: the VMM reaches the kernel only through the
// syscall surface; what it needs beyond that — spawning a process, the machine under a
// guest — comes from here), and the VMs' part of the state file.

import type { Host } from '../kernel/host.js';
import { sieApInstructions } from '../kernel/ap/ap-machine.js';
import { apOf } from '../kernel/ap/ap-subsystem.js';
import { writeFileSync } from 'node:fs';
import { KvmArm } from '../kernel/kvm/arm/kvm-arm.js';
import { KvmVmFile } from '../kernel/kvm/kvm-registry.js';
import type { PciSubsystem } from '../kernel/pci/pci-subsystem.js';
import { s390Kvm } from '../kernel/kvm/s390/kvm-s390.js';
import type { Process } from '../kernel/vfs/process.js';
import type { CrycbView, GuestMachine } from '../guest/guest-machine.js';
import type { VmHost, VmProcess } from '../vmm/vm-host.js';
import { VmManager } from '../vmm/vm-manager.js';
import type { VmsSnapshot } from '../vmm/vm-snapshot.js';

/** The twin host's processes, including those a restore brought back (by pid). */
interface HostWithProcesses {
  process(comm?: string): Process;
  /** A process the kernel checkpoint restored, if the host keeps them. */
  restoredProcess?(pid: number): Process | undefined;
  processes?: ReadonlyMap<number, Process>;
}

/**
 * The machine under a guest: the SIE reads the VM's CRYCB (the KVM object behind the QEMU
 * process's VM fd) and the AP hardware answers the AP instructions from the LPAR's queues
 * (TAPQ, NQAP, DQAP, RAPQ/ZAPQ). This is hardware, not a syscall: the guest model gets it injected.
 */
export function hostMachine(host: Host, proc: VmProcess, vmFd: number | undefined): GuestMachine {
  const ap = () => sieApInstructions(apOf(host).bus.machine);
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
    // the AP hardware answers every AP instruction (TAPQ, NQAP, DQAP, RAPQ/ZAPQ)
    tapq: (apid, apqi) => ap().tapq(apid, apqi),
    nqap: (apid, apqi, psmid, msg) => ap().nqap(apid, apqi, psmid, msg),
    dqap: (apid, apqi) => ap().dqap(apid, apqi),
    reset: (apid, apqi) => ap().reset(apid, apqi),
    elapse: (apid, apqi) => ap().elapse(apid, apqi),
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
    vgic: (proc, vmFd) => {
      const file = (proc as unknown as Process).fileAt(vmFd);
      return file instanceof KvmVmFile && file.kvm.arch instanceof KvmArm ? file.kvm.arch.vgic?.dist : undefined;
    },
    writeFile: (path, data) => writeFileSync(path, data),
    pciPeState(bdf) {
      // by the part's key: the POWER kernel loads only with a POWER host
      const pe = (host.parts.find((p) => p.key === 'pci') as PciSubsystem | undefined)?.device(bdf)?.pe;
      return pe ? { pe: pe.addr, state: pe.getState() } : undefined;
    },
  };
}

export { loadTarget } from '../vmm/targets.js';

/** The VMs' part of the state file. */
export function snapshotVms(vms: VmManager): VmsSnapshot {
  return vms.snapshot();
}

/**
 * Rebuilds the VMs over a host restored from the same state file. Call it right after
 * Host.restore, before any command touches the kernel: the request and config-change
 * handlers must be armed when a host operation signals them. The host's QEMU model must be
 * loaded (loadTarget).
 */
export function restoreVms(host: Host, snap: VmsSnapshot | undefined): VmManager {
  return VmManager.restore(hostVmAdapter(host), snap);
}

/**
 * Runs fn with the kernel's trace events also recorded in the VMs' trace (as VM "host"),
 * in the order they happen: a host interrupt line, vfio-platform's handler, KVM's irqfd,
 * the guest, the EOI and the unmask read as one story in `vfioctl trace`.
 */
export function withKernelTrace<T>(host: Host, vms: VmManager, fn: () => T): T {
  const prev = host.trace.observer;
  host.trace.observer = (e) => vms.trace.record('host', e.event, e.detail);
  try {
    return fn();
  } finally {
    host.trace.observer = prev;
  }
}
