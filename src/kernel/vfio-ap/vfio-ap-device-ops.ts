// vfio_ap's VFIO device: what opening, closing and releasing the mdev does to the guest
// (vfio_ap_ops.c vfio_ap_mdev_open_device/close_device/request, 4.20 group notifier).

import { KernelError } from '../../core/errno.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { KvmCrypto } from '../kvm/kvm-crypto.js';
import type { VfioDeviceOps } from '../vfio/vfio-device.js';
import type { MatrixDevState, MatrixMdev } from './matrix-mdev.js';
import { VFIO_AP_MDEV_DRIVER } from './matrix-mdev.js';

export class VfioApDeviceOps implements VfioDeviceOps {
  constructor(
    readonly mdev: MatrixMdev,
    private readonly dev: MatrixDevState,
  ) {}

  /** models vfio_ap_mdev_open_device: EINVAL without a KVM, EPERM if the KVM has another mdev. */
  openDevice(kvm: KvmCrypto | undefined): void {
    if (this.dev.profile !== 'modern') return;
    if (!kvm) throw new KernelError('EINVAL');
    this.setKvm(kvm);
  }

  /** models vfio_ap_mdev_set_kvm: one mdev per KVM, then the shadow goes into the CRYCB. */
  setKvm(kvm: KvmCrypto): void {
    if (this.dev.mdevList().some((m) => m !== this.mdev && m.kvm === kvm)) throw new KernelError('EPERM');
    this.mdev.kvm = kvm;
    const { apm, aqm, adm } = this.mdev.guestMasks();
    kvm.setMasks(apm, aqm, adm);
    this.mdev.cfgChgTrigger?.signal();
  }

  /** models vfio_ap_mdev_unset_kvm: clear every CRYCB mask, reset the queues, drop the KVM. */
  unsetKvm(): void {
    const kvm = this.mdev.kvm;
    if (!kvm) return;
    kvm.clearMasks();
    this.mdev.resetQueues();
    this.mdev.kvm = undefined;
  }

  /**
   * models the 4.20 VFIO_GROUP_NOTIFY_SET_KVM handler: a KVM programs the CRYCB with the
   * unfiltered matrix (a second mdev on one KVM is silently ignored); NULL detaches.
   */
  groupNotifySetKvm(kvm: KvmCrypto | undefined): void {
    if (!kvm) {
      this.unsetKvm();
      return;
    }
    try {
      this.setKvm(kvm);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
    }
  }

  closeDevice(): void {
    this.unsetKvm();
  }

  ioctl(_request: number, _arg: IoctlArg): number {
    throw new KernelError('EOPNOTSUPP');
  }

  /** models vfio_ap_mdev_request: take the guest's masks away and ask user space to let go. */
  request(count: number): void {
    const m = this.mdev;
    if (m.kvm) {
      m.kvm.clearMasks();
      m.cfgChgTrigger?.signal();
    }
    if (m.reqTrigger) {
      if (count % 10 === 0) this.dev.log.dev(VFIO_AP_MDEV_DRIVER, m.uuid, `Relaying device request to user (#${count})`);
      m.reqTrigger.signal();
    } else if (count === 0) {
      this.dev.log.dev(VFIO_AP_MDEV_DRIVER, m.uuid, 'No device request registered, blocked until released by user');
    }
  }
}
