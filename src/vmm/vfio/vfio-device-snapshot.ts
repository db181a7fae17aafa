// What a VM snapshot keeps of a device's VFIO handle (struct VFIODevice), and how a restored
// VM gets it back: the device fd is one the kernel checkpoint restored, the group one the
// restored VFIO state already holds.

import type { VfioDeviceHandle, VfioState } from './vfio-common.js';

export interface VfioDeviceSnapshot {
  name: string;
  fd: number;
  groupId?: number;
  flags: number;
  numRegions: number;
  numIrqs: number;
}

export function snapshotVfioDevice(vdev: VfioDeviceHandle): VfioDeviceSnapshot {
  return {
    name: vdev.name,
    fd: vdev.fd,
    ...(vdev.group ? { groupId: vdev.group.groupId } : {}),
    flags: vdev.flags,
    numRegions: vdev.numRegions,
    numIrqs: vdev.numIrqs,
  };
}

/** Fills `vdev` from its snapshot and puts it back on its group's device list. */
export function restoreVfioDevice(vfio: VfioState, vdev: VfioDeviceHandle, s: VfioDeviceSnapshot, sysfsdev: string | undefined): void {
  const group = vfio.groups.find((g) => g.groupId === s.groupId);
  Object.assign(vdev, { name: s.name, sysfsdev, group, fd: s.fd, flags: s.flags, numRegions: s.numRegions, numIrqs: s.numIrqs });
  group?.devices.push(vdev);
}
