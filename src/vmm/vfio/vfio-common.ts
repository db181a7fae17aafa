// QEMU's generic VFIO layer with the legacy container backend (hw/vfio/common.c in 3.1;
// hw/vfio/container.c in later releases): get/put a group, connect it to a container,
// get/put a device. Every step is a syscall on the QEMU process; the messages are QEMU's.

import {
  VFIO_API_VERSION,
  VFIO_CHECK_EXTENSION,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_INFO_SIZE,
  VFIO_GET_API_VERSION,
  VFIO_GROUP_FLAGS_VIABLE,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_UNSET_CONTAINER,
  VFIO_IOMMU_GET_INFO,
  VFIO_IOMMU_MAP_DMA,
  VFIO_IOMMU_UNMAP_DMA,
  VFIO_DMA_MAP_FLAG_READ,
  VFIO_DMA_MAP_FLAG_WRITE,
  VFIO_SET_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  decodeDeviceInfo,
  decodeGroupStatus,
  encodeDeviceInfo,
  encodeDmaMap,
  encodeDmaUnmap,
  encodeGroupStatus,
  encodeIommuType1Info,
  encodeS32,
} from '../../core/vfio-uapi.js';
import { errnoNumber, strerror } from '../../core/errno.js';
import { O_RDWR } from '../../kernel/syscall-surface.js';
import { errnoOf, errorWithErrno, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import { kvmVfioGroupAdd, kvmVfioGroupDel } from '../accel/kvm-all.js';

/** The guest RAM section the DMA MemoryListener maps into each container (iova = guest address). */
export interface RamSection {
  iova: bigint;
  size: bigint;
  /** The host virtual address QEMU's RAM block lives at (the twin has no memory: a stable fake). */
  vaddr: bigint;
}

export class VfioContainer {
  readonly groups: VfioGroup[] = [];

  constructor(
    readonly fd: number,
    readonly iommuType: number,
  ) {}
}

export class VfioGroup {
  readonly devices: VfioDeviceHandle[] = [];

  constructor(
    readonly groupId: number,
    readonly fd: number,
    public container: VfioContainer,
  ) {}
}

/** The base of a VFIO device (struct VFIODevice): name, group, fd and what GET_INFO said. */
export interface VfioDeviceHandle {
  name: string;
  sysfsdev: string | undefined;
  group: VfioGroup | undefined;
  fd: number;
  flags: number;
  numRegions: number;
  numIrqs: number;
}

/** Per-process VFIO globals: vfio_group_list and the one address space's containers. */
export class VfioState {
  readonly groups: VfioGroup[] = [];
  readonly containers: VfioContainer[] = [];

  constructor(readonly ram: RamSection) {}
}

const iommuName = (type: number): string => (type === VFIO_TYPE1v2_IOMMU ? 'VFIO_TYPE1v2_IOMMU' : 'VFIO_TYPE1_IOMMU');

/**
 * A DMA address space other than system memory (a pseries PHB's IOMMU): its containers
 * and how a group connects to one (the sPAPR IOMMU path). Without one, the system AS.
 */
export interface VfioAddressSpace {
  owns(container: VfioContainer): boolean;
  connect(vm: VmContext, group: VfioGroup): void;
  /** The last group leaves: the space's listeners let go of the container (before UNSET_CONTAINER). */
  release(vm: VmContext, container: VfioContainer): void;
  /** The container is closed. */
  forget(container: VfioContainer): void;
}

/** models vfio_get_group: reuse, or open /dev/vfio/N, check viability and connect a container. */
export function vfioGetGroup(vm: VmContext, groupId: number, as?: VfioAddressSpace): VfioGroup {
  const existing = vm.vfio.groups.find((g) => g.groupId === groupId);
  if (existing && as && !as.owns(existing.container)) throw new QemuError(`group ${groupId} used in multiple address spaces`);
  if (existing) {
    vm.trace('vfio_get_group', `group ${groupId} already open in this QEMU (fd ${existing.fd}), reused`);
    return existing;
  }
  const { sys } = vm;
  const path = `/dev/vfio/${groupId}`;
  let fd: number;
  try {
    fd = sys.open(path, O_RDWR);
  } catch (e) {
    const code = errnoOf(e);
    vm.trace('vfio_get_group', `open ${path} failed: ${code}`);
    throw errorWithErrno(`failed to open ${path}`, code);
  }
  vm.trace('vfio_get_group', `open ${path} = fd ${fd}`);
  try {
    const status = encodeGroupStatus();
    try {
      sys.ioctl(fd, VFIO_GROUP_GET_STATUS, status);
    } catch (e) {
      throw errorWithErrno(`failed to get group ${groupId} status`, errnoOf(e));
    }
    const flags = decodeGroupStatus(status).flags;
    vm.trace('vfio_group_get_status', `group ${groupId} flags 0x${flags.toString(16)}${flags & VFIO_GROUP_FLAGS_VIABLE ? ' (viable)' : ''}`);
    if (!(flags & VFIO_GROUP_FLAGS_VIABLE)) {
      throw new QemuError(`group ${groupId} is not viable`, ['Please ensure all devices within the iommu_group are bound to their vfio bus driver.']);
    }
    const group = new VfioGroup(groupId, fd, undefined as unknown as VfioContainer);
    try {
      if (as) as.connect(vm, group);
      else vfioConnectContainer(vm, group);
    } catch (e) {
      if (e instanceof QemuError) e.prepend(`failed to setup container for group ${groupId}: `);
      throw e;
    }
    vm.vfio.groups.push(group);
    return group;
  } catch (e) {
    closeQuietly(vm, fd);
    vm.trace('vfio_get_group', `close fd ${fd} (${path})`);
    throw e;
  }
}

/**
 * models vfio_connect_container's first loop: the group joins the first of `containers` the
 * kernel takes (SET_CONTAINER succeeds). `space` names a DMA address space other than
 * system memory in the trace. False when none takes it.
 */
export function vfioJoinContainer(vm: VmContext, group: VfioGroup, containers: Iterable<VfioContainer>, space?: string): boolean {
  for (const container of containers) {
    try {
      vm.sys.ioctl(group.fd, VFIO_GROUP_SET_CONTAINER, encodeS32(container.fd));
    } catch {
      continue;
    }
    vm.trace('vfio_connect_container', `VFIO_GROUP_SET_CONTAINER group ${group.groupId} joins container fd ${container.fd}${spaceSuffix(space)}`);
    group.container = container;
    container.groups.push(group);
    kvmVfioGroupAdd(vm, group);
    return true;
  }
  return false;
}

/** models vfio_connect_container opening a new container: /dev/vfio/vfio, whose API version must be VFIO_API_VERSION. */
export function vfioOpenContainer(vm: VmContext, space?: string): number {
  const { sys } = vm;
  let fd: number;
  try {
    fd = sys.open('/dev/vfio/vfio', O_RDWR);
  } catch (e) {
    throw errorWithErrno('failed to open /dev/vfio/vfio', errnoOf(e));
  }
  vm.trace('vfio_connect_container', `open /dev/vfio/vfio = fd ${fd}${spaceSuffix(space)}`);
  try {
    const version = sys.ioctl(fd, VFIO_GET_API_VERSION);
    if (version !== VFIO_API_VERSION) throw new QemuError(`supported vfio version: 0, reported version: ${version}`);
  } catch (e) {
    closeQuietly(vm, fd);
    throw e;
  }
  return fd;
}

const spaceSuffix = (space: string | undefined): string => (space === undefined ? '' : ` (${space})`);

/** models the container set-up texts: 7.2's vfio_init_container says "Failed to …", 3.1's vfio_connect_container "failed to …". */
export const setupFailed = (vm: VmContext, what: string): string => `${vm.profile === 'modern' ? 'Failed' : 'failed'} to ${what}`;

/** models vfio_connect_container: join an existing container, or open and set up a new one. */
function vfioConnectContainer(vm: VmContext, group: VfioGroup): void {
  const { sys } = vm;
  if (vfioJoinContainer(vm, group, vm.vfio.containers)) return;
  const fd = vfioOpenContainer(vm);
  try {
    const v2 = sys.ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0;
    const v1 = v2 || sys.ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0;
    if (!v1) throw new QemuError('No available IOMMU models');
    const type = v2 ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
    try {
      sys.ioctl(group.fd, VFIO_GROUP_SET_CONTAINER, encodeS32(fd));
    } catch (e) {
      throw errorWithErrno(setupFailed(vm, 'set group container'), errnoOf(e));
    }
    vm.trace('vfio_connect_container', `VFIO_GROUP_SET_CONTAINER group ${group.groupId} container fd ${fd}`);
    try {
      sys.ioctl(fd, VFIO_SET_IOMMU, type);
    } catch (e) {
      sys.ioctl(group.fd, VFIO_GROUP_UNSET_CONTAINER);
      throw errorWithErrno(setupFailed(vm, 'set iommu for container'), errnoOf(e));
    }
    vm.trace('vfio_connect_container', `VFIO_SET_IOMMU ${iommuName(type)}`);
    try {
      // errors are ignored: without PGSIZES QEMU assumes 4 KiB pages
      sys.ioctl(fd, VFIO_IOMMU_GET_INFO, encodeIommuType1Info());
    } catch {
      /* ignored, as QEMU does */
    }
    const container = new VfioContainer(fd, type);
    group.container = container;
    container.groups.push(group);
    vm.vfio.containers.push(container);
    kvmVfioGroupAdd(vm, group);
    // models memory_listener_register: the replay maps guest RAM into the new container
    const { ram } = vm.vfio;
    try {
      sys.ioctl(fd, VFIO_IOMMU_MAP_DMA, encodeDmaMap({ flags: VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, vaddr: ram.vaddr, iova: ram.iova, size: ram.size }));
      vm.trace('vfio_listener_region_add', `VFIO_IOMMU_MAP_DMA iova 0x${ram.iova.toString(16)} size 0x${ram.size.toString(16)}`);
    } catch (e) {
      const code = errnoOf(e);
      kvmVfioGroupDel(vm, group);
      container.groups.length = 0;
      vm.vfio.containers.splice(vm.vfio.containers.indexOf(container), 1);
      sys.ioctl(group.fd, VFIO_GROUP_UNSET_CONTAINER);
      throw new QemuError(`memory listener initialization failed for container: ${strerror(code)}`);
    }
  } catch (e) {
    closeQuietly(vm, fd);
    throw e;
  }
}

/** models vfio_put_group: only when its last device left; KVM first, then the container. */
export function vfioPutGroup(vm: VmContext, group: VfioGroup, as?: VfioAddressSpace): void {
  if (group.devices.length > 0) return;
  const { sys } = vm;
  kvmVfioGroupDel(vm, group);
  const container = group.container;
  const last = container.groups.length === 1;
  if (last && as) as.release(vm, container);
  else if (last) {
    // models memory_listener_unregister: the sections are unmapped
    const { ram } = vm.vfio;
    try {
      sys.ioctl(container.fd, VFIO_IOMMU_UNMAP_DMA, encodeDmaUnmap({ iova: ram.iova, size: ram.size }));
      vm.trace('vfio_listener_region_del', `VFIO_IOMMU_UNMAP_DMA iova 0x${ram.iova.toString(16)} size 0x${ram.size.toString(16)}`);
    } catch (e) {
      vm.error(`VFIO_UNMAP_DMA: -${errnoNumberOf(e)}`);
    }
  }
  try {
    sys.ioctl(group.fd, VFIO_GROUP_UNSET_CONTAINER);
    vm.trace('vfio_disconnect_container', `VFIO_GROUP_UNSET_CONTAINER group ${group.groupId}`);
  } catch {
    vm.error(`vfio: error disconnecting group ${group.groupId} from container`);
  }
  container.groups.splice(container.groups.indexOf(group), 1);
  if (container.groups.length === 0) {
    closeQuietly(vm, container.fd);
    vm.trace('vfio_disconnect_container', `close container fd ${container.fd}`);
    vm.vfio.containers.splice(vm.vfio.containers.indexOf(container), 1);
    as?.forget(container);
  }
  vm.vfio.groups.splice(vm.vfio.groups.indexOf(group), 1);
  closeQuietly(vm, group.fd);
  vm.trace('vfio_put_group', `close /dev/vfio/${group.groupId} (fd ${group.fd})`);
}

/** glib's g_path_get_basename: trailing slashes are ignored; "" gives ".", "/" gives "/". */
export function gPathGetBasename(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** models the device name step of vfio_realize / vfio_ap_realize: sysfsdev must stat, the name is its basename. */
export function vfioDeviceGetName(vm: VmContext, dev: VfioDeviceHandle, sysfsdev: string): string {
  try {
    vm.sys.stat(sysfsdev);
  } catch (e) {
    throw errorWithErrno('no such host device', errnoOf(e)).prepend(`vfio ${sysfsdev}: `);
  }
  dev.name = gPathGetBasename(sysfsdev);
  return dev.name;
}

/** models vfio_get_device: GROUP_GET_DEVICE_FD, then DEVICE_GET_INFO. */
export function vfioGetDevice(vm: VmContext, group: VfioGroup, name: string, dev: VfioDeviceHandle): void {
  const { sys } = vm;
  let fd: number;
  try {
    fd = sys.ioctl(group.fd, VFIO_GROUP_GET_DEVICE_FD, name);
  } catch (e) {
    const code = errnoOf(e);
    vm.trace('vfio_get_device', `VFIO_GROUP_GET_DEVICE_FD ${name} failed: ${code}`);
    throw errorWithErrno(`error getting device from group ${group.groupId}`, code).hint(
      `Verify all devices in group ${group.groupId} are bound to vfio-<bus> or pci-stub and not already in use`,
    );
  }
  vm.trace('vfio_get_device', `VFIO_GROUP_GET_DEVICE_FD ${name} = fd ${fd}`);
  const info = encodeDeviceInfo({ argsz: VFIO_DEVICE_INFO_SIZE });
  try {
    sys.ioctl(fd, VFIO_DEVICE_GET_INFO, info);
  } catch (e) {
    closeQuietly(vm, fd);
    throw errorWithErrno('error getting device info', errnoOf(e));
  }
  const i = decodeDeviceInfo(info);
  Object.assign(dev, { fd, group, flags: i.flags, numRegions: i.num_regions, numIrqs: i.num_irqs });
  group.devices.unshift(dev);
  vm.trace('vfio_get_device', `VFIO_DEVICE_GET_INFO flags 0x${i.flags.toString(16)} regions ${i.num_regions} irqs ${i.num_irqs}`);
}

/** models vfio_put_base_device: unlink from the group and close the device fd. */
export function vfioPutBaseDevice(vm: VmContext, dev: VfioDeviceHandle): void {
  const group = dev.group;
  if (!group) return;
  const i = group.devices.indexOf(dev);
  if (i >= 0) group.devices.splice(i, 1);
  closeQuietly(vm, dev.fd);
  vm.trace('vfio_put_base_device', `close device fd ${dev.fd} (${dev.name})`);
  dev.group = undefined;
  dev.fd = -1;
}

export function closeQuietly(vm: VmContext, fd: number): void {
  try {
    vm.sys.close(fd);
  } catch {
    /* close(2) errors are not reported by QEMU */
  }
}

function errnoNumberOf(e: unknown): number {
  return errnoNumber(errnoOf(e));
}
