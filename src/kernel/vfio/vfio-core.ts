// The VFIO core's registry: devices registered by VFIO bus drivers (vfio-platform) or as
// emulated-IOMMU devices (mdevs), their groups, /dev/vfio/vfio and /dev/vfio/N. The file
// operations on those nodes come from the VfioFileFactory (vfio-files.ts), which the host
// plugs in.

import { KernelError } from '../../core/errno.js';
import type { KernelContext } from '../kernel-context.js';
import { CharDevice, type CheckpointRefs, type DeviceFile, type OpenContext } from '../vfs/node.js';
import { IommuGroups, type IommuGroup, type IommuMember } from './iommu-groups.js';
import { VfioContainer, type VfioContainerSnapshot } from './vfio-container.js';
import { VfioDevice, type VfioDeviceOps, type VfioKvm } from './vfio-device.js';
import { TYPE1_IOMMU_DRIVER, type VfioIommuDriver } from './vfio-iommu-driver.js';
import { VfioGroup, type VfioEventSink } from './vfio-group.js';

/** The misc device number of /dev/vfio/vfio (10:196) and the first dynamic vfio major. */
export const VFIO_CONTAINER_MINOR = 196;
export const VFIO_GROUP_MAJOR = 241;

/** Opens of the device nodes are delegated, so the ioctl layer can plug in its file objects. */
export interface VfioFileFactory {
  openContainer(ctx: OpenContext): DeviceFile;
  openGroup(group: IommuGroup, ctx: OpenContext): DeviceFile;
}

/** VFIO state a checkpoint keeps: group users and associations, device open counts, containers. */
export interface VfioSnapshot {
  containers: ({ id: number } & VfioContainerSnapshot)[];
  groups: {
    id: number;
    opened: boolean;
    container: number | null;
    containerUsers: number;
    kvm: number | null;
    /** Version 1: the open count of the group's one device. */
    openCount?: number;
    /** Open counts of the group's devices by name. */
    openCounts?: Record<string, number>;
  }[];
}

export class VfioCore {
  readonly iommuGroups: IommuGroups;
  /** Live VFIO groups by id. */
  readonly groups = new Map<number, VfioGroup>();
  files: VfioFileFactory | undefined;
  /** Observer of group events (the realize-flow trace). */
  sink: VfioEventSink | undefined;
  /** The IOMMU back-ends registered (vfio_register_iommu_driver): Type1 unless the arch says otherwise. */
  iommuDrivers: readonly VfioIommuDriver[] = [TYPE1_IOMMU_DRIVER];

  constructor(private readonly ctx: KernelContext) {
    this.iommuGroups = new IommuGroups(ctx);
    ctx.vfs.attach(
      '/dev/vfio/vfio',
      new CharDevice(10, VFIO_CONTAINER_MINOR, 0o666, (open) => this.factory().openContainer(open)),
    );
  }

  private factory(): VfioFileFactory {
    if (!this.files) throw new KernelError('ENODEV');
    return this.files;
  }

  /**
   * models vfio_register_emulated_iommu_dev: a fresh singleton group, its sysfs entries
   * and /dev/vfio/N. `groupId` pins the number when a snapshot is restored.
   */
  registerEmulatedIommuDevice(name: string, devicePath: string, ops: VfioDeviceOps, groupId?: number): VfioDevice {
    const member: IommuMember = { name, path: devicePath, driverName: () => ops.driverName };
    const group = this.iommuGroups.alloc(member, groupId);
    return this.addDevice(new VfioDevice(name, group, ops, member, true));
  }

  /**
   * models vfio_register_group_dev (vfio_add_group_dev in 4.19) for a device of a real
   * IOMMU group: the VFIO group is created with its first VFIO device (/dev/vfio/N appears).
   */
  registerGroupDevice(member: IommuMember, group: IommuGroup, ops: VfioDeviceOps): VfioDevice {
    return this.addDevice(new VfioDevice(member.name, group, ops, member, false));
  }

  private addDevice(dev: VfioDevice): VfioDevice {
    const id = dev.group.id;
    let vg = this.groups.get(id);
    if (!vg) {
      vg = new VfioGroup(dev.group, (event, gid, detail) => this.sink?.(event, gid, detail));
      this.groups.set(id, vg);
      this.ctx.vfs.attach(
        `/dev/vfio/${id}`,
        new CharDevice(VFIO_GROUP_MAJOR, id, 0o600, (open) => this.factory().openGroup(dev.group, open)),
      );
    }
    vg.devices.push(dev);
    dev.vfioGroup = vg;
    return dev;
  }

  /** The VFIO group behind /dev/vfio/N (ENODEV once it is gone). */
  group(id: number): VfioGroup {
    const g = this.groups.get(id);
    if (!g) throw new KernelError('ENODEV');
    return g;
  }

  /**
   * models vfio_unregister_group_dev. While user space holds the device open the kernel
   * calls the driver's request op (at once, then every 10 s) and waits; a writer that is
   * interrupted logs "Device is currently in use, task ... blocked until device is
   * released" and keeps waiting uninterruptibly.
   *
   * Twin: nothing can wait, so request runs twice (the first call and the one 10 s later)
   * and a user space that reacts (its eventfd read handler runs synchronously) releases the
   * device in between. If the device is still open after that, the twin logs the kernel's
   * "blocked" line for the calling task, lets the driver undo its request
   * (requestAbandoned) and fails the operation with EBUSY, leaving the device registered.
   */
  unregister(dev: VfioDevice): void {
    for (let count = 0; dev.openCount > 0 && count < 2; count++) dev.ops.request(count);
    if (dev.openCount > 0) {
      const task = this.ctx.vfs.current;
      const who = task ? `"${task.comm}" (${task.pid})` : '"kworker" (0)';
      this.ctx.log.dev(dev.ops.driverName ?? 'vfio', dev.name, `Device is currently in use, task ${who} blocked until device is released`);
      dev.ops.requestAbandoned?.();
      throw new KernelError('EBUSY');
    }
    const vg = dev.vfioGroup;
    vg.devices.splice(vg.devices.indexOf(dev), 1);
    if (vg.devices.length === 0) {
      this.ctx.vfs.detach(`/dev/vfio/${dev.group.id}`);
      vg.registered = false;
      this.groups.delete(dev.group.id);
    }
    if (dev.emulated) this.iommuGroups.free(dev.group);
  }

  /** A VFIO device of group N (by name, or the first one). */
  deviceInGroup(groupId: number, name?: string): VfioDevice | undefined {
    const devices = this.groups.get(groupId)?.devices ?? [];
    return name === undefined ? devices[0] : devices.find((d) => d.name === name);
  }

  // ---- checkpoint / restore -----------------------------------------------------------

  /** Group and device state; containers are named through refs (shared with the fd tables). */
  snapshot(refs: CheckpointRefs, kvmId: (kvm: VfioKvm) => number): VfioSnapshot {
    const groups = [...this.groups.values()]
      .sort((a, b) => a.id - b.id)
      .map((g) => ({
        id: g.id,
        opened: g.opened,
        container: g.container ? refs.idOf(g.container) : null,
        containerUsers: g.containerUsers,
        kvm: g.kvm ? kvmId(g.kvm) : null,
        openCounts: Object.fromEntries(g.devices.map((d) => [d.name, d.openCount])),
      }));
    const containers = refs.of(VfioContainer).map(({ id, obj }) => ({ id, ...obj.snapshot() }));
    return { containers, groups };
  }

  /** Rebuilds containers and group state; returns the containers by checkpoint id for the fd tables. */
  restore(s: VfioSnapshot, kvmById: (id: number) => VfioKvm | undefined): Map<number, VfioContainer> {
    const containers = new Map<number, VfioContainer>();
    for (const c of s.containers) containers.set(c.id, VfioContainer.restore(c, this.iommuDrivers, (id) => this.groups.get(id)));
    for (const saved of s.groups) {
      const g = this.groups.get(saved.id);
      if (!g) continue;
      g.opened = saved.opened;
      g.containerUsers = saved.containerUsers;
      g.kvm = saved.kvm === null ? undefined : kvmById(saved.kvm);
      if (saved.container !== null) {
        const c = containers.get(saved.container);
        if (c) {
          g.container = c;
          c.groups.add(g);
          g.iommuGroup.dmaOwner = 'vfio';
        }
      }
      for (const d of g.devices) d.openCount = saved.openCounts?.[d.name] ?? (d === g.devices[0] ? (saved.openCount ?? 0) : 0);
    }
    // drivers re-establish what an open device holds (e.g. the 4.20 group notifier)
    for (const g of this.groups.values()) for (const d of g.devices) if (d.openCount > 0) d.ops.restoreOpen?.(d);
    return containers;
  }
}
