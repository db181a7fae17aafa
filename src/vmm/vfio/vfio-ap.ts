// The vfio-ap device (hw/vfio/ap.c): realize acquires the mdev's VFIO group and device,
// which is when the kernel's vfio_ap driver programs the guest's CRYCB; unrealize gives
// them back; reset issues VFIO_DEVICE_RESET. Two profiles:
//   modern — QEMU 7.2+ texts as spec vfio-ap §5.3 gives them (vfio_device_get_name,
//            vfio_attach_device, "vfio <name>: " prefix), request and config-change notifiers;
//   legacy — QEMU 3.1 (group code inline in ap.c, no prefix, no notifiers, not hotpluggable).

import { strerror } from '../../core/errno.js';
import {
  VFIO_AP_CFG_CHG_IRQ_INDEX,
  VFIO_AP_REQ_IRQ_INDEX,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  decodeIrqInfo,
  encodeIrqInfo,
  encodeIrqSetEventfds,
} from '../../core/vfio-uapi.js';
import { DeviceState, type DeviceClass, type PropertyInfo } from '../qdev/qdev.js';
import { errnoOf, errorWithErrno, QemuError } from '../qemu-error.js';
import { TYPE_AP_BUS, TYPE_AP_DEVICE } from '../s390/ap-bridge.js';
import type { EventNotifier, VmContext } from '../vm-context.js';
import { vfioDeviceGetName, vfioGetDevice, vfioGetGroup, vfioPutBaseDevice, vfioPutGroup, type VfioDeviceHandle, type VfioGroup } from './vfio-common.js';

export const TYPE_VFIO_AP_DEVICE = 'vfio-ap';

/** GNU libc basename (string.h with _GNU_SOURCE): the text after the last slash, "" after a trailing one. */
export function gnuBasename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** printf("%s", NULL) in glibc. */
const str = (s: string | undefined): string => s ?? '(null)';

const IRQ_NAMES: Record<number, string> = { [VFIO_AP_REQ_IRQ_INDEX]: 'req', [VFIO_AP_CFG_CHG_IRQ_INDEX]: 'cfg-chg' };

export class VfioApDevice extends DeviceState {
  sysfsdev: string | undefined;
  readonly vdev: VfioDeviceHandle = { name: '', sysfsdev: undefined, group: undefined, fd: -1, flags: 0, numRegions: 0, numIrqs: 0 };
  reqNotifier: EventNotifier | undefined;
  cfgNotifier: EventNotifier | undefined;

  override realize(vm: VmContext): void {
    this.vdev.sysfsdev = this.sysfsdev;
    if (vm.profile === 'legacy') this.realizeLegacy(vm);
    else this.realizeModern(vm);
  }

  /** models vfio_ap_realize (QEMU 7.2+ as spec vfio-ap §5.3): name, attach, IRQ notifiers. */
  private realizeModern(vm: VmContext): void {
    const sysfsdev = this.sysfsdev;
    // models vfio_device_get_name: stat(sysfsdev), name = g_path_get_basename (no realpath)
    // stat(NULL) is EFAULT; "%s" of NULL prints "(null)"
    if (sysfsdev === undefined) throw errorWithErrno('no such host device', 'EFAULT').prepend('vfio (null): ');
    const name = vfioDeviceGetName(vm, this.vdev, sysfsdev);
    vm.trace('vfio_device_get_name', `${name} (sysfsdev ${sysfsdev})`);
    try {
      this.attachModern(vm, sysfsdev, name);
    } catch (e) {
      if (e instanceof QemuError) e.prepend(`vfio ${name}: `);
      throw e;
    }
    for (const irq of [VFIO_AP_REQ_IRQ_INDEX, VFIO_AP_CFG_CHG_IRQ_INDEX]) {
      try {
        this.registerIrqNotifier(vm, irq);
      } catch (e) {
        // "Lack of this IRQ in the host does not prevent normal operation": warn_report_err
        if (!(e instanceof QemuError)) throw e;
        vm.warn(e.message);
      }
    }
  }

  /** models vfio_attach_device (legacy container backend) with vfio_device_groupid. */
  private attachModern(vm: VmContext, sysfsdev: string, name: string): void {
    const link = `${sysfsdev}/iommu_group`;
    let target: string;
    try {
      target = vm.sys.readlink(link);
    } catch (e) {
      throw errorWithErrno('no iommu_group found', errnoOf(e));
    }
    const groupId = parseGroupId(target);
    if (groupId === undefined) throw new QemuError(`failed to read ${target}: ${strerror('EINVAL')}`);
    vm.trace('vfio_attach_device', `${name} iommu_group -> ${target} (group ${groupId})`);
    const group = vfioGetGroup(vm, groupId);
    if (group.devices.some((d) => d.name === name)) {
      vfioPutGroup(vm, group);
      throw new QemuError('device is already attached');
    }
    this.getDevice(vm, group, name);
  }

  /** models the QEMU 3.1 vfio_ap_realize with vfio_ap_get_group. */
  private realizeLegacy(vm: VmContext): void {
    const sysfsdev = this.sysfsdev;
    const link = `${str(sysfsdev)}/iommu_group`;
    let target: string;
    try {
      target = vm.sys.readlink(link);
    } catch (e) {
      // g_file_read_link's GError text
      const err = strerror(sysfsdev === undefined ? 'ENOENT' : errnoOf(e));
      throw new QemuError(`${TYPE_VFIO_AP_DEVICE}: no iommu_group found for ${str(sysfsdev)}: Failed to read the symbolic link “${link}”: ${err}`);
    }
    const groupId = parseGroupId(target);
    if (groupId === undefined) throw new QemuError(`vfio: failed to read ${target}`);
    const group = vfioGetGroup(vm, groupId);
    const name = gnuBasename(sysfsdev!);
    this.vdev.name = name;
    this.getDevice(vm, group, name);
  }

  /** models the end of both realizes: the device from its group, the group let go on failure. */
  private getDevice(vm: VmContext, group: VfioGroup, name: string): void {
    try {
      vfioGetDevice(vm, group, name, this.vdev);
    } catch (e) {
      vfioPutGroup(vm, group);
      throw e;
    }
    this.traceAttach(vm);
  }

  /** What the kernel did while GET_DEVICE_FD ran, as the VMM sees it afterwards. */
  private traceAttach(vm: VmContext): void {
    if (vm.profile === 'legacy') {
      vm.trace('vfio_group_notify_set_kvm', `vfio_ap registered its group notifier at open; VFIO_GROUP_NOTIFY_SET_KVM replayed the KVM of group ${this.vdev.group?.groupId}`);
    } else {
      vm.trace('vfio_device_open', `open_device: vfio_ap_mdev_open_device took the KVM of group ${this.vdev.group?.groupId}`);
    }
    vm.traceCrycb('crycb_masks_written');
  }

  /** models vfio_ap_register_irq_notifier. */
  private registerIrqNotifier(vm: VmContext, irq: number): void {
    const { vdev } = this;
    if (vdev.numIrqs < irq + 1) throw new QemuError(`vfio: IRQ ${irq} not available (number of irqs ${vdev.numIrqs})`);
    const info = encodeIrqInfo({ index: irq });
    let count = 0;
    try {
      vm.sys.ioctl(vdev.fd, VFIO_DEVICE_GET_IRQ_INFO, info);
      count = decodeIrqInfo(info).count;
    } catch (e) {
      throw errorWithErrno('vfio: Error getting irq info', errnoOf(e));
    }
    if (count < 1) throw new QemuError('vfio: Error getting irq info: Success');
    const handler = irq === VFIO_AP_REQ_IRQ_INDEX ? () => this.reqNotifierHandler(vm) : () => this.cfgChgNotifierHandler(vm);
    let notifier: EventNotifier;
    try {
      notifier = vm.eventNotifier(handler);
    } catch (e) {
      throw errorWithErrno(`vfio: Unable to init event notifier for irq (${irq})`, errnoOf(e));
    }
    try {
      vm.sys.ioctl(vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(irq, [notifier.fd]));
    } catch (e) {
      // models vfio_set_irq_signaling's failure path: the notifier is dropped, realize goes on
      notifier.cleanup();
      vm.trace('vfio_irq_notifier', `${IRQ_NAMES[irq]} (index ${irq}): VFIO_DEVICE_SET_IRQS failed: ${errnoOf(e)}`);
      return;
    }
    if (irq === VFIO_AP_REQ_IRQ_INDEX) this.reqNotifier = notifier;
    else this.cfgNotifier = notifier;
    vm.trace('vfio_irq_notifier', `${IRQ_NAMES[irq]} (index ${irq}) eventfd ${notifier.fd}`);
  }

  /** models vfio_ap_unregister_irq_notifier. */
  private unregisterIrqNotifier(vm: VmContext, irq: number): void {
    const notifier = irq === VFIO_AP_REQ_IRQ_INDEX ? this.reqNotifier : this.cfgNotifier;
    if (!notifier) return;
    try {
      vm.sys.ioctl(this.vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(irq, [-1]));
    } catch (e) {
      vm.warn(`vfio ${this.vdev.name}: index ${irq}-0: VFIO_DEVICE_SET_IRQS failure: ${strerror(errnoOf(e))}`);
    }
    notifier.cleanup();
    vm.trace('vfio_irq_notifier_del', `${IRQ_NAMES[irq]} (index ${irq}) eventfd ${notifier.fd} closed`);
    if (irq === VFIO_AP_REQ_IRQ_INDEX) this.reqNotifier = undefined;
    else this.cfgNotifier = undefined;
  }

  /** models vfio_ap_req_notifier_handler: the host wants the mdev back, so unplug the device. */
  private reqNotifierHandler(vm: VmContext): void {
    vm.trace('vfio_ap_req_notifier', `the host requests ${this.vdev.name}: qdev_unplug`);
    try {
      vm.unplug(this);
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      vm.warn(`vfio ${this.vdev.name}: ${e.message}`);
    }
  }

  /** models vfio_ap_cfg_chg_notifier_handler: queue an AP config-change event for CHSC SEI. */
  private cfgChgNotifierHandler(vm: VmContext): void {
    vm.trace('vfio_ap_cfg_chg_notifier', `AP configuration of ${this.vdev.name} changed: CRW to the guest`);
    vm.traceCrycb('crycb_masks_written');
    vm.apConfigChanged();
  }

  /** models vfio_ap_unrealize (3.1: vfio_ap_put_device + vfio_put_group). */
  override unrealize(vm: VmContext): void {
    this.unregisterIrqNotifier(vm, VFIO_AP_REQ_IRQ_INDEX);
    this.unregisterIrqNotifier(vm, VFIO_AP_CFG_CHG_IRQ_INDEX);
    const group = this.vdev.group;
    vfioPutBaseDevice(vm, this.vdev);
    vm.trace(vm.profile === 'legacy' ? 'vfio_group_notify_set_kvm' : 'vfio_device_close', vm.profile === 'legacy' ? 'release: vfio_ap cleared the CRYCB and reset its queues' : 'close_device: vfio_ap cleared the CRYCB and reset its queues');
    vm.traceCrycb('crycb_masks_cleared');
    if (group) vfioPutGroup(vm, group);
  }

  /** After a twin restore: the notifiers' eventfds are open again; re-arm their handlers (no syscall changes state). */
  restoreNotifiers(vm: VmContext & { armNotifier(fd: number, handler: () => void): void }, reqFd: number | undefined, cfgFd: number | undefined): void {
    const notifier = (fd: number, handler: () => void): EventNotifier => {
      vm.armNotifier(fd, handler);
      return {
        fd,
        cleanup: () => {
          vm.sys.setReadHandler(fd, undefined);
          vm.sys.close(fd);
        },
      };
    };
    if (reqFd !== undefined) this.reqNotifier = notifier(reqFd, () => this.reqNotifierHandler(vm));
    if (cfgFd !== undefined) this.cfgNotifier = notifier(cfgFd, () => this.cfgChgNotifierHandler(vm));
  }

  /** models vfio_ap_reset. */
  override reset(vm: VmContext): void {
    try {
      vm.sys.ioctl(this.vdev.fd, VFIO_DEVICE_RESET);
      vm.trace('vfio_ap_reset', `VFIO_DEVICE_RESET ${this.vdev.name}`);
    } catch (e) {
      const code = errnoOf(e);
      vm.trace('vfio_ap_reset', `VFIO_DEVICE_RESET ${this.vdev.name} failed: ${code}`);
      vm.error(`vfio_ap_reset: failed to reset ${this.vdev.name} device: ${strerror(code)}`);
    }
  }
}

/** sscanf(basename(link), "%d"): a leading (signed) decimal number. */
function parseGroupId(target: string): number | undefined {
  const m = /^\s*([-+]?\d+)/.exec(gnuBasename(target));
  return m ? Number(m[1]) : undefined;
}

const sysfsdevProp: PropertyInfo<VfioApDevice> = {
  name: 'sysfsdev',
  type: 'str',
  set: (dev, v) => (dev.sysfsdev = String(v)),
  get: (dev) => dev.sysfsdev,
};

/** models vfio_ap_class_init; hotpluggable from QEMU 5.2 (false in 3.1). */
export function vfioApClass(hotpluggable: boolean): DeviceClass {
  return {
    typeName: TYPE_VFIO_AP_DEVICE,
    parent: TYPE_AP_DEVICE,
    abstract: false,
    userCreatable: true,
    hotpluggable,
    busType: TYPE_AP_BUS,
    desc: 'VFIO-based AP device assignment',
    categories: ['misc'],
    props: [sysfsdevProp as PropertyInfo],
    instantiate: (cls) => new VfioApDevice(cls),
  };
}
