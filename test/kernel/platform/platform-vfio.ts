// A user-space driver for vfio-platform tests: bind a device to vfio-platform, then open
// its group, a Type1 container and the device fd, one syscall at a time.

import {
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_SET_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  encodeS32,
} from '../../../src/core/vfio-uapi.js';
import { Host } from '../../../src/kernel/host.js';
import { presetSpec, type Profile } from '../../../src/kernel/host-spec.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import type { Process } from '../../../src/kernel/vfs/process.js';
import { Shell } from '../sh.js';

export const P = '/sys/bus/platform';

/** Unbinds a device from its host driver and binds it to vfio-platform through driver_override. */
export function bindVfio(sh: Shell, name: string): void {
  const dev = platformOf(sh.host).device(name)!;
  const ok = (r: unknown): void => {
    if (typeof r !== 'number') throw new Error(`bind ${name}: ${String(r)}`);
  };
  ok(sh.echo('vfio-platform', `${dev.path}/driver_override`));
  if (dev.driver) ok(sh.echo(name, `${P}/drivers/${dev.driver.name}/unbind`));
  ok(sh.echo(name, `${P}/drivers_probe`));
}

export interface Opened {
  p: Process;
  groupFd: number;
  containerFd: number;
  deviceFd: number;
}

export function groupOf(sh: Shell, name: string): number {
  const t = sh.sys.readlink(`${P}/devices/${name}/iommu_group`);
  return Number(t.slice(t.lastIndexOf('/') + 1));
}

/** Group, container, Type1v2, device fd: what QEMU's realize does before the regions. */
export function openDevice(sh: Shell, name: string, p: Process = sh.host.process('qemu-system-aar')): Opened {
  const groupFd = p.open(`/dev/vfio/${groupOf(sh, name)}`, O_RDWR);
  const containerFd = p.open('/dev/vfio/vfio', O_RDWR);
  p.ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, encodeS32(containerFd));
  p.ioctl(containerFd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
  const deviceFd = p.ioctl(groupFd, VFIO_GROUP_GET_DEVICE_FD, name);
  return { p, groupFd, containerFd, deviceFd };
}

export function armHost(preset: 'seattle' | 'midway', profile?: Profile): Shell {
  return new Shell(Host.boot(presetSpec(preset, profile), { now: () => 1_700_000_000_000 }));
}
