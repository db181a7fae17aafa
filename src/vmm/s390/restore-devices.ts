// Puts a restored s390 VM's vfio-ap devices back on its AP bus: the qdev objects, their
// VFIO handles (the fds the kernel checkpoint restored) and their IRQ notifiers.

import type { BusState } from '../qdev/qdev.js';
import { VfioApDevice } from '../vfio/vfio-ap.js';
import { restoreVfioDevice } from '../vfio/vfio-device-snapshot.js';
import type { Vm } from '../vm.js';
import type { VfioApDeviceSnapshot } from './board.js';

export function restoreVfioApDevices(vm: Vm, apBus: BusState, devices: readonly VfioApDeviceSnapshot[]): void {
  for (const d of devices) {
    const cls = vm.types.lookup(d.typeName);
    if (!cls) continue;
    const dev = cls.instantiate!(cls) as VfioApDevice;
    if (d.id !== undefined) dev.id = d.id;
    dev.opts = d.opts;
    dev.hotplugged = d.hotplugged;
    dev.sysfsdev = d.sysfsdev;
    restoreVfioDevice(vm.vfio, dev.vdev, d, d.sysfsdev);
    dev.parentBus = apBus;
    apBus.children.push(dev);
    dev.realized = true;
    dev.restoreNotifiers(vm, d.reqFd, d.cfgFd);
  }
}
