// A user-space driver for the VFIO/KVM uAPI tests: the sequence QEMU's vfio-ap realize
// runs (spec vfio-ap §5.3), one syscall at a time, over a twin process.

import {
  KVM_CREATE_DEVICE,
  KVM_CREATE_VM,
  KVM_DEV_TYPE_VFIO,
  KVM_DEV_VFIO_GROUP_ADD,
  KVM_SET_DEVICE_ATTR,
  decodeCreateDevice,
  encodeCreateDevice,
  encodeVfioGroupAttr,
} from '../../../src/core/kvm-uapi.js';
import {
  VFIO_AP_CFG_CHG_IRQ_INDEX,
  VFIO_AP_REQ_IRQ_INDEX,
  VFIO_DEVICE_SET_IRQS,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_SET_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  encodeIrqSetEventfds,
  encodeS32,
} from '../../../src/core/vfio-uapi.js';
import type { Host } from '../../../src/kernel/host.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import type { Process } from '../../../src/kernel/vfs/process.js';
import { MATRIX, type Shell } from '../sh.js';

export const UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';
export const UUID_B = '0e3c5a4f-8c1d-4b7e-9a2f-5d6e7f809102';

/** The IOMMU group number of an mdev, as QEMU reads it from the iommu_group link. */
export function groupIdOf(sys: Process, uuid: string): number {
  const target = sys.readlink(`${MATRIX}/${uuid}/iommu_group`);
  return Number(target.slice(target.lastIndexOf('/') + 1));
}

/** Doc host with queues freed and an mdev holding adapter 5, domains 4 and 0x47, control domain 0xab. */
export function docMdev(sh: Shell, uuid = UUID, adapter = '5', domains = ['4', '0x47']): void {
  sh.reserveDocQueues();
  const dir = sh.mdev(uuid);
  const ok = (r: unknown) => {
    if (typeof r !== 'number') throw new Error(`setup: ${String(r)}`);
  };
  ok(sh.echo(adapter, `${dir}/assign_adapter`));
  for (const d of domains) ok(sh.echo(d, `${dir}/assign_domain`));
  ok(sh.echo('0xab', `${dir}/assign_control_domain`));
}

export interface Qemu {
  p: Process;
  kvmFd: number;
  vmFd: number;
  vmId: number;
  groupFd: number;
  containerFd: number;
  kvmVfioFd: number;
  deviceFd: number;
}

export interface Steps {
  /** Skip the KVM-VFIO group add (the modern open then has no KVM). */
  noKvmVfio?: boolean;
  /** Register the request and config-change eventfds, with these read handlers. */
  irqs?: { req?: () => void; cfg?: () => void };
}

/** Opens /dev/kvm and creates a VM: [kvmFd, vmFd, vmId]. */
export function createVm(host: Host, p: Process): { kvmFd: number; vmFd: number; vmId: number } {
  const before = new Set(host.kvms.vms.keys());
  const kvmFd = p.open('/dev/kvm', O_RDWR);
  const vmFd = p.ioctl(kvmFd, KVM_CREATE_VM, 0);
  const vmId = [...host.kvms.vms.keys()].find((id) => !before.has(id))!;
  return { kvmFd, vmFd, vmId };
}

/** The realize sequence of QEMU's vfio-ap device; throws the first KernelError. */
export function realize(host: Host, uuid: string, steps: Steps = {}, p: Process = host.process('qemu-system-s390x')): Qemu {
  const { kvmFd, vmFd, vmId } = createVm(host, p);
  const groupFd = p.open(`/dev/vfio/${groupIdOf(p, uuid)}`, O_RDWR);
  const containerFd = p.open('/dev/vfio/vfio', O_RDWR);
  p.ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, encodeS32(containerFd));
  p.ioctl(containerFd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
  let kvmVfioFd = -1;
  if (!steps.noKvmVfio) {
    const cd = encodeCreateDevice({ type: KVM_DEV_TYPE_VFIO });
    p.ioctl(vmFd, KVM_CREATE_DEVICE, cd);
    kvmVfioFd = decodeCreateDevice(cd).fd;
    p.ioctl(kvmVfioFd, KVM_SET_DEVICE_ATTR, encodeVfioGroupAttr(KVM_DEV_VFIO_GROUP_ADD, groupFd));
  }
  const deviceFd = p.ioctl(groupFd, VFIO_GROUP_GET_DEVICE_FD, uuid);
  if (steps.irqs) {
    for (const [index, handler] of [
      [VFIO_AP_REQ_IRQ_INDEX, steps.irqs.req],
      [VFIO_AP_CFG_CHG_IRQ_INDEX, steps.irqs.cfg],
    ] as const) {
      const efd = p.eventfd(0, 0);
      if (handler) p.setReadHandler(efd, handler);
      p.ioctl(deviceFd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(index, [efd]));
    }
  }
  return { p, kvmFd, vmFd, vmId, groupFd, containerFd, kvmVfioFd, deviceFd };
}
