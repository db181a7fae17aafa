// A VM across CLI invocations: the kernel checkpoint keeps every open file of the QEMU
// process (VM fd, KVM-VFIO device, groups, containers, device fds, eventfds, mappings);
// a VmSnapshot records which fd is which and the VMM-side state (the VFIO containers and
// groups, the board the target built, stderr). Restore rebuilds the objects over the
// restored fd table with no syscall that changes anything.

import type { RamSection } from './vfio/vfio-common.js';
import { VfioContainer, VfioGroup } from './vfio/vfio-common.js';
import type { QemuProfile } from './vm-context.js';
import type { VmProcess } from './vm-host.js';
import { Vm, type VmOwner, type VmStatus } from './vm.js';
import type { TraceEvent } from './trace.js';
import type { VmmTarget } from './target.js';

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
  ram: { iova: string; size: string; vaddr: string };
  containers: { fd: number; iommuType: number }[];
  groups: { groupId: number; fd: number; container: number }[];
  stderr: string[];
  /** The target's board (absent in version-1 states: the s390 fields sat at the top). */
  board?: unknown;
}

export interface VmsSnapshot {
  version: 1 | 2;
  vms: VmSnapshot[];
  trace: TraceEvent[];
}

export function snapshotVm(vm: Vm): VmSnapshot {
  return {
    id: vm.id,
    argv: [...vm.argv],
    profile: vm.profile,
    pid: vm.proc.pid,
    status: vm.status,
    accel: vm.accel,
    ...(vm.kvmFd !== undefined ? { kvmFd: vm.kvmFd } : {}),
    ...(vm.vmFd !== undefined ? { vmFd: vm.vmFd } : {}),
    ...(vm.kvmVfioFd !== undefined ? { kvmVfioFd: vm.kvmVfioFd } : {}),
    machine: vm.machineType,
    ram: { iova: String(vm.vfio.ram.iova), size: String(vm.vfio.ram.size), vaddr: String(vm.vfio.ram.vaddr) },
    containers: vm.vfio.containers.map((c) => ({ fd: c.fd, iommuType: c.iommuType })),
    groups: vm.vfio.groups.map((g) => ({ groupId: g.groupId, fd: g.fd, container: vm.vfio.containers.indexOf(g.container) })),
    stderr: [...vm.stderrLog],
    board: vm.board.snapshot(),
  };
}

/** Rebuilds a VM over its restored process: VFIO objects, then the target's board and devices. */
export function restoreVm(owner: VmOwner & { target: VmmTarget }, s: VmSnapshot, proc: VmProcess): Vm {
  const ram: RamSection = { iova: BigInt(s.ram.iova), size: BigInt(s.ram.size), vaddr: BigInt(s.ram.vaddr) };
  const vm = new Vm(owner, owner.target, s.id, s.argv, proc, s.profile, s.accel, ram);
  vm.status = s.status;
  vm.kvmFd = s.kvmFd;
  vm.vmFd = s.vmFd;
  vm.kvmVfioFd = s.kvmVfioFd;
  vm.machineType = s.machine;
  for (const c of s.containers) vm.vfio.containers.push(new VfioContainer(c.fd, c.iommuType));
  for (const g of s.groups) {
    const group = new VfioGroup(g.groupId, g.fd, vm.vfio.containers[g.container]!);
    group.container.groups.push(group);
    vm.vfio.groups.push(group);
  }
  vm.board = owner.target.restoreBoard(vm, s.board ?? s);
  vm.machineReady = true;
  vm.stderrLog.push(...s.stderr);
  vm.stderrTaken = vm.stderrLog.length;
  return vm;
}
