// A device registered with the VFIO core (vfio_main.c struct vfio_device): the driver's
// ops, the IOMMU group it lives in, and how many times user space has it open.

import type { IoctlArg } from '../syscall-surface.js';
import type { KvmCrypto } from '../kvm/kvm-crypto.js';
import type { IommuGroup } from './iommu-groups.js';

/** models struct vfio_device_ops for the calls the twin's drivers implement. */
export interface VfioDeviceOps {
  /** open_device: the KVM the group was associated with (KVM-VFIO device), if any. Throws KernelError. */
  openDevice(kvm: KvmCrypto | undefined): void;
  closeDevice(): void;
  ioctl(request: number, arg: IoctlArg): number;
  /** The VFIO core asks the driver to have user space release the device (count: attempts so far). */
  request(count: number): void;
}

export class VfioDevice {
  openCount = 0;

  constructor(
    /** The device name user space asks GROUP_GET_DEVICE_FD for (an mdev's UUID). */
    readonly name: string,
    readonly group: IommuGroup,
    readonly ops: VfioDeviceOps,
  ) {}
}
