// User space for the sPAPR tests: hands the p9 adapter (or the NVMe drive) to vfio-pci and
// opens its group and a container, one syscall at a time, as QEMU's sPAPR path does.

import { VFIO_CHECK_EXTENSION, VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU, encodeS32 } from '../../../src/core/vfio-uapi.js';
import type { Profile } from '../../../src/kernel/host-spec.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { boot, errno, type Shell } from '../sh.js';

export const ETH0 = '0000:01:00.0';
export const ETH1 = '0000:01:00.1';
export const NVME = '0001:01:00.0';
const DEV = '/sys/bus/pci/devices';

/** Moves a function from its host driver to vfio-pci (driver_override, unbind, drivers_probe). */
export function toVfio(sh: Shell, bdf: string): void {
  sh.echo('vfio-pci', `${DEV}/${bdf}/driver_override`);
  const drv = sh.readlink(`${DEV}/${bdf}/driver`);
  if (typeof drv === 'string' && drv.startsWith('../')) sh.echo(bdf, `${DEV}/${bdf}/driver/unbind`);
  sh.echo(bdf, '/sys/bus/pci/drivers_probe');
}

/** A p9 twin with the adapter (group 0) and the drive (group 1) on vfio-pci. */
export function p9Vfio(profile?: Profile): Shell {
  const sh = boot('p9', profile);
  for (const bdf of [ETH0, ETH1, NVME]) toVfio(sh, bdf);
  return sh;
}

export interface Opened {
  group: number;
  container: number;
}

/** open(/dev/vfio/N), open(/dev/vfio/vfio), SET_CONTAINER; SET_IOMMU when a type is given. */
export function openGroup(sh: Shell, group: number, type?: number, container?: number): Opened {
  const g = sh.sys.open(`/dev/vfio/${group}`, O_RDWR);
  const c = container ?? sh.sys.open('/dev/vfio/vfio', O_RDWR);
  sh.sys.ioctl(g, VFIO_GROUP_SET_CONTAINER, encodeS32(c));
  if (type !== undefined) sh.sys.ioctl(c, VFIO_SET_IOMMU, type);
  return { group: g, container: c };
}

/** An ioctl's result or its errno name. */
export function ioctl(sh: Shell, fd: number, request: number, arg?: Parameters<Shell['sys']['ioctl']>[2]): number | string {
  return errno(() => sh.sys.ioctl(fd, request, arg));
}

export function checkExtension(sh: Shell, fd: number, ext: number): number | string {
  return ioctl(sh, fd, VFIO_CHECK_EXTENSION, ext);
}
