// IOMMU groups as the iommu core numbers them (ida: lowest free id) and shows them:
// /sys/kernel/iommu_groups/N/{devices/<dev>,reserved_regions} and each member's
// `iommu_group` link. A group holds one device (an mdev, or an SMMU stream) or several
// that the IOMMU cannot isolate from each other.

import { KernelError } from '../../core/errno.js';
import type { KernelContext } from '../kernel-context.js';
import { Attr, Dir } from '../vfs/node.js';

export const IOMMU_GROUPS_PATH = '/sys/kernel/iommu_groups';

/** What the iommu core and VFIO's viability check need of a member device. */
export interface IommuMember {
  readonly name: string;
  /** Absolute sysfs path of the device. */
  readonly path: string;
  /** The bound driver's name (dev->driver), if any. */
  driverName(): string | undefined;
  /** vfio_dev_viable's bus-specific test (a PCI bridge, issue 10): true when any driver is fine. */
  viableWithAnyDriver?(): boolean;
}

export class IommuGroup {
  readonly members: IommuMember[] = [];
  /**
   * Who owns the group's DMA: set while a VFIO container holds it (modern:
   * iommu_group_claim_dma_owner; 4.19: the group is "live", container_users > 0).
   */
  dmaOwner: string | undefined;
  /** iommu_group_set_iommudata: what the platform's IOMMU back-end needs (a PowerNV PE's table group). */
  iommuData: unknown;

  constructor(readonly id: number) {}

  get sysfsPath(): string {
    return `${IOMMU_GROUPS_PATH}/${this.id}`;
  }
}

export class IommuGroups {
  readonly groups = new Map<number, IommuGroup>();

  constructor(private readonly ctx: KernelContext) {
    ctx.vfs.mkdirp(IOMMU_GROUPS_PATH);
  }

  /** models iommu_group_alloc: the lowest free id (or the one a restore pins). */
  create(id = this.lowestFree()): IommuGroup {
    if (this.groups.has(id)) throw new KernelError('EEXIST', `iommu group ${id}`);
    const group = new IommuGroup(id);
    this.groups.set(id, group);
    const dir = this.ctx.vfs.attach(group.sysfsPath, new Dir());
    dir.add('reserved_regions', Attr.value(''));
    dir.dir('devices');
    return group;
  }

  /** models iommu_group_add_device: the two links. */
  addDevice(group: IommuGroup, member: IommuMember): void {
    group.members.push(member);
    const { vfs } = this.ctx;
    vfs.link(`${group.sysfsPath}/devices/${member.name}`, member.path);
    vfs.link(`${member.path}/iommu_group`, group.sysfsPath);
  }

  /** An emulated-IOMMU (mdev) group: a fresh singleton, as vfio_register_emulated_iommu_dev makes it. */
  alloc(member: IommuMember, id?: number): IommuGroup {
    const group = this.create(id);
    this.addDevice(group, member);
    return group;
  }

  /** models iommu_group_remove_device + the group's release: the id becomes free again. */
  free(group: IommuGroup): void {
    this.ctx.vfs.detach(group.sysfsPath);
    for (const m of group.members) this.ctx.vfs.detach(`${m.path}/iommu_group`);
    this.groups.delete(group.id);
  }

  /** The group of a device, by its sysfs path. */
  groupOf(member: IommuMember): IommuGroup | undefined {
    for (const g of this.groups.values()) if (g.members.includes(member)) return g;
    return undefined;
  }

  private lowestFree(): number {
    let id = 0;
    while (this.groups.has(id)) id++;
    return id;
  }
}
