// The VFIO group (/dev/vfio/N; drivers/vfio/vfio.c struct vfio_group, vfio_group_fops_*,
// spec vfio-core §1.5, §1.8, §1.11): one opener system-wide, the container it joins,
// container_users, the KVM the KVM-VFIO device associated, and the group notifier chain.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_GROUP_FLAGS_CONTAINER_SET,
  VFIO_GROUP_FLAGS_VIABLE,
  VFIO_GROUP_GET_DEVICE_FD,
  VFIO_GROUP_GET_STATUS,
  VFIO_GROUP_NOTIFY_SET_KVM,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_STATUS_SIZE,
  VFIO_GROUP_UNSET_CONTAINER,
  argszOf,
  getS32,
  setU32,
} from '../../core/vfio-uapi.js';
import { O_RDWR, type IoctlArg } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint, Task } from '../vfs/node.js';
import { PAGE_SIZE } from '../vfs/process.js';
import type { IommuGroup } from './iommu-groups.js';
import { VfioContainerFile, type VfioContainer } from './vfio-container.js';
import { VfioDeviceFile, type VfioDevice, type VfioKvm } from './vfio-device.js';
import { structArg } from './vfio-iommu-type1.js';

export const VFIO_GROUP_CHECKPOINT_KIND = 'vfio-group';
/** A file on a group whose last device was unregistered: dropped at restore, as if closed. */
export const VFIO_DEAD_GROUP_CHECKPOINT_KIND = 'vfio-group-dead';

/** A group notifier block: called with the event and its data (the KVM for SET_KVM, or undefined). */
export type GroupNotifier = (event: number, kvm: VfioKvm | undefined) => void;

/** Observes what happens to groups (the realize-flow trace); no effect on behaviour. */
export type VfioEventSink = (event: string, group: number, detail?: string) => void;

/** vfio_driver_whitelist: drivers that may stay bound inside a viable group. */
export const VFIO_DRIVER_WHITELIST: readonly string[] = ['pci-stub'];

/** struct vfio_group. */
export class VfioGroup {
  readonly devices: VfioDevice[] = [];
  /** Only one open file on /dev/vfio/N may exist system-wide. */
  opened = false;
  container: VfioContainer | undefined;
  containerUsers = 0;
  /** The KVM the KVM-VFIO device associated (vfio_group_set_kvm / vfio_file_set_kvm). */
  kvm: VfioKvm | undefined;
  /** False once the last device left: /dev/vfio/N is gone, open files still work. */
  registered = true;
  private readonly notifiers = new Set<GroupNotifier>();

  constructor(
    readonly iommuGroup: IommuGroup,
    private readonly sink?: VfioEventSink,
  ) {}

  get id(): number {
    return this.iommuGroup.id;
  }

  /**
   * models vfio_group_viable (vfio_dev_viable for every device of the IOMMU group): each is
   * driver-less, bound to a whitelisted driver (pci-stub), a device its bus lets stay as it
   * is (a PCI bridge), or registered with VFIO in this group.
   */
  viable(): boolean {
    if (!this.registered || this.devices.length === 0) return false;
    return this.iommuGroup.members.every((m) => {
      if (this.devices.some((d) => d.member === m)) return true;
      const driver = m.driverName();
      return driver === undefined || VFIO_DRIVER_WHITELIST.includes(driver) || m.viableWithAnyDriver?.() === true;
    });
  }

  /** models vfio_group_fops_open. */
  open(): VfioGroupFile {
    if (!this.registered) throw new KernelError('ENODEV');
    if (this.opened) throw new KernelError('EBUSY');
    // a container left over from the previous opener (its device fds are still open)
    if (this.container) throw new KernelError('EBUSY');
    this.opened = true;
    this.sink?.('group-open', this.id);
    return new VfioGroupFile(this);
  }

  /** models vfio_group_fops_release. */
  release(): void {
    this.tryDissolveContainer();
    this.opened = false;
    this.sink?.('group-close', this.id);
  }

  /** models vfio_group_set_container. */
  setContainer(container: VfioContainer): void {
    if (this.containerUsers > 0 || this.container) throw new KernelError('EINVAL');
    container.addGroup(this);
    this.container = container;
    this.containerUsers = 1;
    // models iommu_group_claim_dma_owner (modern) / the group turning live (4.19)
    this.iommuGroup.dmaOwner = 'vfio';
    this.sink?.('container-set', this.id);
  }

  /** models vfio_group_unset_container: only the 1 → 0 transition is allowed. */
  unsetContainer(): void {
    if (this.containerUsers === 0) throw new KernelError('EINVAL');
    if (this.containerUsers !== 1) throw new KernelError('EBUSY');
    this.containerUsers = 0;
    this.detachContainer();
  }

  /** models __vfio_group_unset_container. */
  private detachContainer(): void {
    const c = this.container;
    if (!c) return;
    this.container = undefined;
    this.iommuGroup.dmaOwner = undefined;
    c.removeGroup(this);
    this.sink?.('container-unset', this.id);
  }

  /** models vfio_group_try_dissolve_container: drop one user; the last one leaves the container. */
  tryDissolveContainer(): void {
    if (this.containerUsers <= 0) return;
    this.containerUsers--;
    if (this.containerUsers === 0) this.detachContainer();
  }

  /** models vfio_group_add_container_user: a live, viable group with a backend gains a user. */
  addContainerUser(): void {
    if (this.containerUsers === 0) throw new KernelError('EINVAL');
    if (!this.container?.iommu || !this.viable()) throw new KernelError('EINVAL');
    this.containerUsers++;
  }

  /** models vfio_group_get_device_fd. */
  getDeviceFd(name: string, task: Task): number {
    if (this.containerUsers === 0 || !this.container?.iommu || !this.viable()) throw new KernelError('EINVAL');
    const device = this.devices.find((d) => d.name === name);
    if (!device) throw new KernelError('ENODEV');
    // modern: the KVM of the group goes to open_device; 4.20 drivers learn it from the notifier
    this.sink?.('device-open', this.id, `${name}${this.kvm ? ` kvm ${this.kvm.id}` : ''}`);
    try {
      device.open(this.kvm);
    } catch (e) {
      this.sink?.('device-open-failed', this.id, e instanceof KernelError ? e.code : String(e));
      throw e;
    }
    this.containerUsers++;
    return task.install(new VfioDeviceFile(device), O_RDWR);
  }

  /** models vfio_group_set_kvm (and vfio_file_set_kvm): remember the KVM, tell the notifier chain. */
  setKvm(kvm: VfioKvm | undefined): void {
    this.kvm = kvm;
    this.sink?.('set-kvm', this.id, `${kvm ? `kvm ${kvm.id}` : 'NULL'}, ${this.notifiers.size} notifier(s)`);
    for (const nb of [...this.notifiers]) nb(VFIO_GROUP_NOTIFY_SET_KVM, kvm);
  }

  /**
   * models vfio_register_group_notifier: only SET_KVM is known (EINVAL otherwise), the group
   * must be live (EINVAL), and a KVM already associated is replayed at once. Returns the
   * unregister function (vfio_unregister_group_notifier).
   */
  registerNotifier(events: number, nb: GroupNotifier, replay = true): () => void {
    if ((events & ~VFIO_GROUP_NOTIFY_SET_KVM) !== 0) throw new KernelError('EINVAL');
    this.addContainerUser();
    try {
      this.notifiers.add(nb);
      this.sink?.('notifier-register', this.id);
      if (replay && events & VFIO_GROUP_NOTIFY_SET_KVM && this.kvm) {
        this.sink?.('set-kvm-replay', this.id, `kvm ${this.kvm.id}`);
        nb(VFIO_GROUP_NOTIFY_SET_KVM, this.kvm);
      }
    } finally {
      this.tryDissolveContainer();
    }
    return () => {
      if (this.notifiers.delete(nb)) this.sink?.('notifier-unregister', this.id);
    };
  }

  get notifierCount(): number {
    return this.notifiers.size;
  }
}

/** A device name argument: a string, or NUL-terminated bytes (strndup_user with PAGE_SIZE). */
function nameArg(arg: IoctlArg): string {
  if (typeof arg === 'string') {
    const nul = arg.indexOf('\0');
    const name = nul < 0 ? arg : arg.slice(0, nul);
    if (name.length + 1 > PAGE_SIZE) throw new KernelError('EINVAL');
    return name;
  }
  if (!(arg instanceof Uint8Array)) throw new KernelError('EFAULT');
  const nul = arg.subarray(0, PAGE_SIZE).indexOf(0);
  if (nul < 0) throw new KernelError(arg.length >= PAGE_SIZE ? 'EINVAL' : 'EFAULT');
  return Buffer.from(arg.subarray(0, nul)).toString('latin1');
}

/** The s32 container fd of SET_CONTAINER: by value (twin convenience) or as QEMU passes it, a pointer to an int. */
function fdArg(arg: IoctlArg): number {
  if (typeof arg === 'number') return arg;
  const buf = structArg(arg);
  if (buf.length < 4) throw new KernelError('EFAULT');
  return getS32(buf, 0);
}

/** An open /dev/vfio/N. */
export class VfioGroupFile implements DeviceFile {
  private released = false;

  constructor(readonly group: VfioGroup) {}

  /** models vfio_group_fops_unl_ioctl. */
  ioctl(request: number, arg: IoctlArg, task: Task): number {
    const g = this.group;
    switch (request) {
      case VFIO_GROUP_GET_STATUS: {
        const buf = structArg(arg);
        if (buf.length < VFIO_GROUP_STATUS_SIZE) throw new KernelError('EFAULT');
        if (argszOf(buf) < VFIO_GROUP_STATUS_SIZE) throw new KernelError('EINVAL');
        let flags = 0;
        if (g.viable()) flags |= VFIO_GROUP_FLAGS_VIABLE;
        if (g.container) flags |= VFIO_GROUP_FLAGS_CONTAINER_SET;
        setU32(buf, 4, flags);
        return 0;
      }
      case VFIO_GROUP_SET_CONTAINER: {
        const fd = fdArg(arg);
        if (fd < 0) throw new KernelError('EINVAL');
        if (g.containerUsers > 0 || g.container) throw new KernelError('EINVAL');
        const file = task.fileAt(fd);
        if (!(file instanceof VfioContainerFile)) throw new KernelError('EINVAL');
        g.setContainer(file.container);
        return 0;
      }
      case VFIO_GROUP_UNSET_CONTAINER:
        g.unsetContainer();
        return 0;
      case VFIO_GROUP_GET_DEVICE_FD:
        return g.getDeviceFd(nameArg(arg), task);
      default:
        throw new KernelError('ENOTTY');
    }
  }

  checkpoint(_refs: CheckpointRefs): FileCheckpoint {
    // a group whose device is gone is not restored (its number may belong to a new group)
    return { kind: this.group.registered ? VFIO_GROUP_CHECKPOINT_KIND : VFIO_DEAD_GROUP_CHECKPOINT_KIND, id: this.group.id };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.group.release();
  }
}
