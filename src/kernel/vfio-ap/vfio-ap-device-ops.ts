// vfio_ap's VFIO device: what opening, closing and releasing the mdev does to the guest,
// and the device fd's ioctls (vfio_ap_ops.c vfio_ap_mdev_open_device/close_device/ioctl/
// request; the 4.20 open/release with the VFIO_GROUP_NOTIFY_SET_KVM group notifier).

import { KernelError } from '../../core/errno.js';
import {
  VFIO_AP_CFG_CHG_IRQ_INDEX,
  VFIO_AP_NUM_IRQS,
  VFIO_AP_REQ_IRQ_INDEX,
  VFIO_DEVICE_FLAGS_AP,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_GROUP_NOTIFY_SET_KVM,
  VFIO_IRQ_INFO_EVENTFD,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  VFIO_IRQ_SET_HEADER_SIZE,
  decodeIrqSet,
  getS32,
} from '../../core/vfio-uapi.js';
import { AP_RESPONSE_CHECKSTOPPED, AP_RESPONSE_DECONFIGURED, AP_RESPONSE_NORMAL, AP_RESPONSE_Q_NOT_AVAIL } from '../ap/ap-device.js';
import type { IoctlArg } from '../syscall-surface.js';
import type { KvmCrypto } from '../kvm/s390/kvm-crypto.js';
import { kvmCrypto } from '../kvm/s390/kvm-s390.js';
import type { VfioDevice, VfioDeviceOps, VfioKvm } from '../vfio/vfio-device.js';
import { getDeviceInfo, getIrqInfo } from '../vfio/vfio-device-info.js';
import { structArg } from '../vfio/vfio-iommu-type1.js';
import { validateIrqSet } from '../vfio/vfio-irq-set.js';
import { EventFdFile } from '../vfs/eventfd.js';
import type { Task } from '../vfs/node.js';
import type { MatrixDevState, MatrixMdev, Trigger } from './matrix-mdev.js';
import { VFIO_AP_MDEV_DRIVER } from './matrix-mdev.js';


export class VfioApDeviceOps implements VfioDeviceOps {
  /** The 4.20 group notifier while the device is open (vfio_unregister_notifier undoes it). */
  private unregisterNotifier: (() => void) | undefined;

  constructor(
    readonly mdev: MatrixMdev,
    private readonly dev: MatrixDevState,
  ) {}

  private get modern(): boolean {
    return this.dev.profile === 'modern';
  }

  /** The mdev's driver: vfio_ap_mdev (modern) or the generic vfio_mdev (4.20). */
  get driverName(): string {
    return this.modern ? VFIO_AP_MDEV_DRIVER : 'vfio_mdev';
  }

  /**
   * models vfio_ap_mdev_open_device: EINVAL without a KVM, EPERM if the KVM has another mdev.
   * 4.20 (vfio_ap_mdev_open): register the SET_KVM group notifier, which replays the KVM
   * the group already has at once; a failed attach only means no CRYCB is programmed.
   */
  openDevice(kvm: VfioKvm | undefined, dev?: VfioDevice): void {
    if (this.modern) {
      const crypto = kvmCrypto(kvm);
      if (!crypto) throw new KernelError('EINVAL');
      this.setKvm(crypto);
      return;
    }
    const vdev = dev ?? this.mdev.vfio;
    if (!vdev) throw new KernelError('ENODEV');
    this.unregisterNotifier = vdev.vfioGroup.registerNotifier(VFIO_GROUP_NOTIFY_SET_KVM, (_event, k) => this.groupNotifySetKvm(kvmCrypto(k)));
  }

  /** Twin restore: an open 4.20 device has its notifier again, without a replay. */
  restoreOpen(dev: VfioDevice): void {
    if (this.modern || this.unregisterNotifier) return;
    this.unregisterNotifier = dev.vfioGroup.registerNotifier(VFIO_GROUP_NOTIFY_SET_KVM, (_event, k) => this.groupNotifySetKvm(kvmCrypto(k)), false);
  }

  /** models vfio_ap_mdev_set_kvm: one mdev per KVM, then the shadow goes into the CRYCB. */
  setKvm(kvm: KvmCrypto): void {
    if (this.dev.mdevList().some((m) => m !== this.mdev && m.kvm === kvm)) throw new KernelError('EPERM');
    // the modern driver holds a KVM reference while attached; the 4.20 notifier did not
    if (this.modern && this.mdev.kvm !== kvm) kvm.get?.();
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
    this.resetQueues();
    this.mdev.kvm = undefined;
    if (this.modern) kvm.put?.();
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

  /**
   * models vfio_ap_mdev_close_device; 4.20 vfio_ap_mdev_release clears the masks, resets
   * every queue of the matrix even without a KVM, and unregisters the group notifier.
   */
  closeDevice(): void {
    if (this.modern) {
      this.unsetKvm();
      return;
    }
    this.mdev.kvm?.clearMasks();
    this.resetQueues();
    this.unregisterNotifier?.();
    this.unregisterNotifier = undefined;
    this.mdev.kvm = undefined;
  }

  /**
   * The errno VFIO_DEVICE_RESET reports for the reset's response codes: modern EIO for any
   * non-zero code; ≤5.x EBUSY for a queue not available, deconfigured or checkstopped and
   * EIO for anything else (spec vfio-ap §3.8). The twin's ZAPQ never answers busy, so the
   * 20 ms retry is not modelled.
   */
  private resetQueues(): 'EIO' | 'EBUSY' | undefined {
    let rc: 'EIO' | 'EBUSY' | undefined;
    for (const code of this.mdev.resetQueues()) {
      if (code === AP_RESPONSE_NORMAL) continue;
      if (this.modern) return 'EIO';
      if (code === AP_RESPONSE_Q_NOT_AVAIL || code === AP_RESPONSE_DECONFIGURED || code === AP_RESPONSE_CHECKSTOPPED) rc = 'EBUSY';
      else rc = 'EIO';
    }
    return rc;
  }

  /** models vfio_ap_mdev_ioctl (4.20: GET_INFO and RESET only). */
  ioctl(request: number, arg: IoctlArg, task?: Task): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return this.getDeviceInfo(arg);
      case VFIO_DEVICE_RESET: {
        const err = this.resetQueues();
        if (err) throw new KernelError(err);
        return 0;
      }
      case VFIO_DEVICE_GET_IRQ_INFO:
        if (!this.modern) break;
        return this.getIrqInfo(arg);
      case VFIO_DEVICE_SET_IRQS:
        if (!this.modern) break;
        return this.setIrqs(arg, task);
    }
    throw new KernelError('EOPNOTSUPP');
  }

  /** models vfio_ap_mdev_get_device_info: no regions; 4.20 has no IRQ indexes either. */
  private getDeviceInfo(arg: IoctlArg): number {
    return getDeviceInfo(arg, { flags: VFIO_DEVICE_FLAGS_AP | VFIO_DEVICE_FLAGS_RESET, numRegions: 0, numIrqs: this.modern ? VFIO_AP_NUM_IRQS : 0 });
  }

  /** models vfio_ap_get_irq_info: both indexes are one eventfd each. */
  private getIrqInfo(arg: IoctlArg): number {
    return getIrqInfo(arg, VFIO_AP_NUM_IRQS, () => ({ flags: VFIO_IRQ_INFO_EVENTFD, count: 1 }));
  }

  /**
   * models vfio_ap_set_irqs: vfio_ap_irq_set_init (the common validation with one IRQ per
   * index, then ACTION_TRIGGER required), then DATA_EVENTFD only, per index.
   */
  private setIrqs(arg: IoctlArg, task: Task | undefined): number {
    const buf = structArg(arg, VFIO_IRQ_SET_HEADER_SIZE);
    const hdr = decodeIrqSet(buf);
    validateIrqSet(hdr, 1, VFIO_AP_NUM_IRQS);
    if (!(hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER)) throw new KernelError('EINVAL');
    if ((hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) !== VFIO_IRQ_SET_DATA_EVENTFD) throw new KernelError('EINVAL');
    const trigger = this.eventfdArg(buf, task);
    if (hdr.index === VFIO_AP_REQ_IRQ_INDEX) this.mdev.reqTrigger = trigger;
    else if (hdr.index === VFIO_AP_CFG_CHG_IRQ_INDEX) this.mdev.cfgChgTrigger = trigger;
    return 0;
  }

  /**
   * models vfio_ap_set_request_irq / vfio_ap_set_cfg_change_irq: fd −1 de-assigns (returns
   * undefined), fd ≥ 0 names an eventfd of the caller (EBADF, EINVAL), anything else EINVAL.
   */
  private eventfdArg(buf: Uint8Array, task: Task | undefined): Trigger | undefined {
    if (buf.length < VFIO_IRQ_SET_HEADER_SIZE + 4) throw new KernelError('EFAULT');
    const fd = getS32(buf, VFIO_IRQ_SET_HEADER_SIZE);
    if (fd === -1) return undefined;
    if (fd < -1) throw new KernelError('EINVAL');
    if (!task) throw new KernelError('EBADF');
    const file = task.fileAt(fd);
    // models eventfd_ctx_fdget: a file that is not an eventfd → EINVAL
    if (!(file instanceof EventFdFile)) throw new KernelError('EINVAL');
    return file.ctx;
  }

  /**
   * models vfio_ap_mdev_request: take the guest's masks away and ask user space to let go.
   * The 4.20 driver has no request op: nothing happens.
   */
  request(count: number): void {
    if (!this.modern) return;
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

  /** Twin: the remove could not wait for user space; the guest gets its masks back. */
  requestAbandoned(): void {
    if (this.modern && this.mdev.kvm) this.mdev.updateGuestApcb();
  }
}
