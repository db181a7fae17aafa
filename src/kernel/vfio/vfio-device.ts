// A device registered with the VFIO core (vfio_main.c struct vfio_device): the driver's
// ops, the IOMMU group it lives in, how many times user space has it open, and the
// anonymous "[vfio-device]" file GROUP_GET_DEVICE_FD hands out.

import { KernelError } from '../../core/errno.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, MmapArea, Task } from '../vfs/node.js';
import type { IommuGroup, IommuMember } from './iommu-groups.js';
import type { VfioGroup } from './vfio-group.js';

/** The VM a VFIO group was associated with by the KVM-VFIO device (struct kvm, as VFIO sees it). */
export interface VfioKvm {
  readonly id: number;
  /** kvm_get_kvm: keep the VM alive while a driver holds it. */
  get?(): void;
  /** kvm_put_kvm: the last reference destroys the VM. */
  put?(): void;
}

/** A mapping request as the driver's mmap op sees it (struct vm_area_struct). */
export interface VfioVma {
  /** The file offset of the mapping (vm_pgoff << PAGE_SHIFT). */
  offset: bigint;
  length: number;
  /** PROT_READ | PROT_WRITE as requested. */
  prot: number;
  /** MAP_SHARED or MAP_PRIVATE (VM_SHARED). */
  flags: number;
}

/** models struct vfio_device_ops for the calls the twin's drivers implement. */
export interface VfioDeviceOps {
  /** The device's driver, as dev_* log lines name it (vfio_ap_mdev, or vfio_mdev in 4.20). */
  readonly driverName?: string;
  /**
   * open_device (first open only): the KVM the group was associated with (KVM-VFIO device),
   * if any. Throws KernelError; the open then fails and nothing stays open.
   */
  openDevice(kvm: VfioKvm | undefined, dev?: VfioDevice): void;
  /** close_device (last close). */
  closeDevice(): void;
  /** The device fd's ioctls; task is the caller (for fds passed in the argument, e.g. eventfds). */
  ioctl(request: number, arg: IoctlArg, task?: Task): number;
  /** The device fd's read at a file offset (pread). */
  read?(count: number, offset: bigint): Uint8Array;
  /** The device fd's write at a file offset (pwrite). */
  write?(data: Uint8Array, offset: bigint): number;
  /** The device fd's mmap: the area whose loads and stores reach the device. */
  mmap?(vma: VfioVma): MmapArea;
  /** The VFIO core asks the driver to have user space release the device (count: attempts so far). */
  request(count: number): void;
  /** Twin only: unregister could not wait for the release and failed; undo what request did. */
  requestAbandoned?(): void;
  /** Twin only: after a restore, re-establish driver-private state of an open device (no side effects). */
  restoreOpen?(dev: VfioDevice): void;
}

export const VFIO_DEVICE_CHECKPOINT_KIND = 'vfio-device';

export class VfioDevice {
  openCount = 0;
  /** The VFIO group (set by the core at registration). */
  vfioGroup!: VfioGroup;

  constructor(
    /** The device name user space asks GROUP_GET_DEVICE_FD for (an mdev's UUID, a platform device's name). */
    readonly name: string,
    readonly group: IommuGroup,
    readonly ops: VfioDeviceOps,
    /** The device as its IOMMU group lists it. */
    readonly member: IommuMember,
    /** An emulated-IOMMU (mdev) device: its singleton group goes with it. */
    readonly emulated: boolean,
  ) {}

  /** models vfio_device_open (modern open_count): open_device runs for the first opener only. */
  open(kvm: VfioKvm | undefined): void {
    if (this.openCount === 0) this.ops.openDevice(kvm, this);
    this.openCount++;
  }

  /** models vfio_device_close: close_device runs when the last opener goes. */
  close(): void {
    if (this.openCount === 0) return;
    this.openCount--;
    if (this.openCount === 0) this.ops.closeDevice();
  }
}

/** The "[vfio-device]" anon-inode file (vfio_device_fops). */
export class VfioDeviceFile implements DeviceFile {
  private released = false;

  constructor(readonly device: VfioDevice) {}

  /** models vfio_device_fops_unl_ioctl: forwarded to the driver. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    return this.device.ops.ioctl(request, arg, task);
  }

  /** models vfio_device_fops_read: the driver's read, EINVAL without one. */
  pread(count: number, offset: bigint): Uint8Array {
    if (!this.device.ops.read) throw new KernelError('EINVAL');
    return this.device.ops.read(count, offset);
  }

  /** models vfio_device_fops_write. */
  pwrite(data: Uint8Array, offset: bigint): number {
    if (!this.device.ops.write) throw new KernelError('EINVAL');
    return this.device.ops.write(data, offset);
  }

  /** models vfio_device_fops_mmap. */
  mmap(length: number, prot: number, flags: number, offset: bigint): MmapArea {
    if (!this.device.ops.mmap) throw new KernelError('EINVAL');
    return this.device.ops.mmap({ offset, length, prot, flags });
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    return { kind: VFIO_DEVICE_CHECKPOINT_KIND, id: this.device.group.id, name: this.device.name };
  }

  /** models vfio_device_fops_release: close the device, then drop the group's container user. */
  release(): void {
    if (this.released) throw new KernelError('EBADF');
    this.released = true;
    this.device.close();
    this.device.vfioGroup.tryDissolveContainer();
  }
}
