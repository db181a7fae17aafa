// IOMMU groups as the iommu core numbers them (ida: lowest free id) and shows them:
// /sys/kernel/iommu_groups/N/devices/<dev> and, for VFIO, /dev/vfio/N.

import type { KernelContext } from '../kernel-context.js';
import { Attr, Dir } from '../vfs/node.js';

export const IOMMU_GROUPS_PATH = '/sys/kernel/iommu_groups';

export class IommuGroup {
  constructor(
    readonly id: number,
    /** Absolute sysfs path of the one device in the group (emulated IOMMU groups are singletons). */
    readonly devicePath: string,
    readonly deviceName: string,
  ) {}

  get sysfsPath(): string {
    return `${IOMMU_GROUPS_PATH}/${this.id}`;
  }
}

export class IommuGroups {
  readonly groups = new Map<number, IommuGroup>();

  constructor(private readonly ctx: KernelContext) {
    ctx.vfs.mkdirp(IOMMU_GROUPS_PATH);
  }

  /** models iommu_group_alloc + iommu_group_add_device; the device's iommu_group link is the caller's. */
  alloc(deviceName: string, devicePath: string, id = this.lowestFree()): IommuGroup {
    const group = new IommuGroup(id, devicePath, deviceName);
    this.groups.set(id, group);
    const { vfs } = this.ctx;
    const dir = vfs.attach(group.sysfsPath, new Dir());
    dir.add('reserved_regions', Attr.value(''));
    vfs.link(`${group.sysfsPath}/devices/${deviceName}`, devicePath);
    vfs.link(`${devicePath}/iommu_group`, group.sysfsPath);
    return group;
  }

  /** models iommu_group_remove_device + the group's release: the id becomes free again. */
  free(group: IommuGroup): void {
    this.ctx.vfs.detach(group.sysfsPath);
    this.ctx.vfs.detach(`${group.devicePath}/iommu_group`);
    this.groups.delete(group.id);
  }

  private lowestFree(): number {
    let id = 0;
    while (this.groups.has(id)) id++;
    return id;
  }
}
