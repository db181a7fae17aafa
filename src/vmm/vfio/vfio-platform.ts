// QEMU's vfio-platform device (hw/vfio/platform.c, 7.2 and 3.1 alike where spec vfio-core
// §4 says so): realize (vfio_base_device_init: name, sysfs stat, iommu_group, group,
// device; vfio_populate_device: regions and IRQs; the compat strings; the region mmaps),
// then, when the machine wires each sysbus IRQ, the KVM irqfd path or the userspace
// eventfd path; trapped region accesses with the EOI that follows each one.

import { strerror } from '../../core/errno.js';
import {
  VFIO_DEVICE_FLAGS_PLATFORM,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_IRQ_INFO_AUTOMASKED,
  VFIO_REGION_INFO_FLAG_MMAP,
  VFIO_REGION_INFO_FLAG_READ,
  VFIO_REGION_INFO_FLAG_WRITE,
  VFIO_REGION_INFO_SIZE,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeIrqInfo,
  encodeRegionInfo,
} from '../../core/vfio-uapi.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, MAP_SHARED, O_RDONLY, PROT_READ, PROT_WRITE, type Mapping } from '../../kernel/syscall-surface.js';
import { DeviceState } from '../qdev/qdev.js';
import { errnoOf, errorWithErrno, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import { gPathGetBasename, vfioGetDevice, vfioGetGroup, vfioPutGroup, type VfioDeviceHandle } from './vfio-common.js';
import { VfioIntp, type IntpSnapshot, type QemuIrq } from './vfio-platform-intp.js';
import { startIrqInjection, vfioPlatformEoi, type PlatformClock } from './vfio-platform-irq.js';

/** One VFIORegion: where it sits in the device fd, and its mmap while it has one. */
export interface VfioRegion {
  nr: number;
  name: string;
  fdOffset: bigint;
  size: number;
  flags: number;
  /** The mmap of the whole region (the device fd mapped into QEMU), if it has one. */
  mmap: { addr: bigint; length: number } | undefined;
}

export interface VfioPlatformSnapshot {
  typeName: string;
  id?: string;
  opts: [string, string][];
  name: string;
  sysfsdev: string | null;
  fd: number;
  groupId: number | null;
  flags: number;
  numRegions: number;
  numIrqs: number;
  compat: string[];
  regions: { nr: number; name: string; fdOffset: string; size: number; flags: number; mmap: { addr: string; length: number } | null }[];
  intps: IntpSnapshot[];
  pending: number[];
  mmapsEnabled: boolean;
  timerDeadline: number | null;
  mmio: number[];
}

export class VfioPlatformDevice extends DeviceState {
  host: string | undefined;
  sysfsdev: string | undefined;
  noMmap = false;
  mmapTimeout = 1100;
  irqfdAllowed = true;
  /** The compat strings a subclass presets (vfio-calxeda-xgmac, vfio-amd-xgbe). */
  compat: string[] | undefined;
  readonly vdev: VfioDeviceHandle = { name: '', sysfsdev: undefined, group: undefined, fd: -1, flags: 0, numRegions: 0, numIrqs: 0 };
  regions: VfioRegion[] = [];
  /** intp_list: new entries go first (QLIST_INSERT_HEAD). */
  intps: VfioIntp[] = [];
  /** pending_intp_queue (FIFO). */
  pending: VfioIntp[] = [];
  mmapsEnabled = true;
  timerDeadline: number | undefined;
  /** Each region's offset in the platform bus (set when the machine links the device). */
  mmio: number[] = [];
  clock: PlatformClock = { now: () => 0 };

  /** models vfio_platform_realize. */
  override realize(vm: VmContext): void {
    // the name comes from sysfsdev or host; without either it stays NULL: "vfio error: "
    const named = this.sysfsdev !== undefined || this.host !== undefined;
    try {
      this.baseDeviceInit(vm);
    } catch (e) {
      if (e instanceof QemuError) e.prepend(named ? `vfio ${this.vdev.name}: ` : 'vfio error: ');
      throw e;
    }
    if (!this.compat) {
      // models g_file_get_contents of <sysfsdev>/of_node/compatible: its GError has no prefix
      const path = `${this.vdev.sysfsdev}/of_node/compatible`;
      let text: string;
      try {
        const fd = vm.sys.open(path, O_RDONLY);
        try {
          text = Buffer.from(vm.sys.read(fd)).toString('latin1');
        } finally {
          vm.sys.close(fd);
        }
      } catch (e) {
        throw new QemuError(`Failed to open file “${path}”: ${strerror(errnoOf(e))}`);
      }
      this.compat = text.split('\0').slice(0, -1);
    }
    for (const r of this.regions) this.regionMmap(vm, r);
    vm.trace('vfio_platform_realize', `${this.vdev.name}: compat ${this.compat.join(' ')}, ${this.regions.length} regions, ${this.intps.length} IRQs`);
  }

  /** models vfio_base_device_init: the name, the sysfs device, its group, the device, vfio_populate_device. */
  private baseDeviceInit(vm: VmContext): void {
    if (this.sysfsdev !== undefined) {
      this.vdev.name = gPathGetBasename(this.sysfsdev);
    } else {
      this.vdev.name = this.host ?? '';
      if (this.host === undefined || this.host.includes('/')) throw new QemuError('wrong host device name');
      this.sysfsdev = `/sys/bus/platform/devices/${this.host}`;
    }
    this.vdev.sysfsdev = this.sysfsdev;
    try {
      vm.sys.stat(this.sysfsdev);
    } catch (e) {
      throw errorWithErrno('failed to get the sysfs host device file status', errnoOf(e));
    }
    let target: string;
    try {
      target = vm.sys.readlink(`${this.sysfsdev}/iommu_group`);
    } catch (e) {
      throw errorWithErrno('no iommu_group found', errnoOf(e));
    }
    const m = /^\s*([-+]?\d+)/.exec(target.slice(target.lastIndexOf('/') + 1));
    if (!m) throw errorWithErrno(`failed to read ${target}`, 'EINVAL');
    const groupId = Number(m[1]);
    vm.trace('vfio_platform_base_device_init', `${this.vdev.name} group ${groupId}`);
    const group = vfioGetGroup(vm, groupId);
    if (group.devices.some((d) => d.name === this.vdev.name)) {
      vfioPutGroup(vm, group);
      throw new QemuError('device is already attached');
    }
    try {
      vfioGetDevice(vm, group, this.vdev.name, this.vdev);
    } catch (e) {
      vfioPutGroup(vm, group);
      throw e;
    }
    // models vfio_populate_device; on failure the group is put (a no-op: the device is on its list)
    this.populate(vm);
  }

  /** models vfio_populate_device: the regions, then one intp per IRQ index with its eventfds. */
  private populate(vm: VmContext): void {
    const { vdev } = this;
    if (!(vdev.flags & VFIO_DEVICE_FLAGS_PLATFORM)) throw new QemuError("this isn't a platform device");
    for (let i = 0; i < vdev.numRegions; i++) {
      const info = encodeRegionInfo({ argsz: VFIO_REGION_INFO_SIZE, index: i });
      try {
        vm.sys.ioctl(vdev.fd, VFIO_DEVICE_GET_REGION_INFO, info);
      } catch (e) {
        throw errorWithErrno(`failed to get region ${i} info`, errnoOf(e));
      }
      const r = decodeRegionInfo(info);
      // the region's name really ends in a newline
      this.regions.push({ nr: i, name: `VFIO ${vdev.name} region ${i}\n`, fdOffset: r.offset, size: Number(r.size), flags: r.flags, mmap: undefined });
      vm.trace('vfio_region_setup', `${vdev.name} region ${i}: size 0x${r.size.toString(16)} flags 0x${r.flags.toString(16)} offset 0x${r.offset.toString(16)}`);
    }
    for (let i = 0; i < vdev.numIrqs; i++) {
      const info = encodeIrqInfo({ index: i });
      try {
        vm.sys.ioctl(vdev.fd, VFIO_DEVICE_GET_IRQ_INFO, info);
      } catch (e) {
        throw errorWithErrno('failed to get device irq info', errnoOf(e));
      }
      const irq = decodeIrqInfo(info);
      vm.trace('vfio_platform_populate_interrupts', `pin ${irq.index} count ${irq.count} flags 0x${irq.flags.toString(16)}`);
      // models vfio_init_intp: a trigger eventfd, and an unmask eventfd for automasked IRQs
      const interrupt = vm.sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      const unmask = irq.flags & VFIO_IRQ_INFO_AUTOMASKED ? vm.sys.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : undefined;
      this.intps.unshift(new VfioIntp(i, irq.flags, interrupt, unmask));
    }
  }

  /** models vfio_region_mmap: one MAP_SHARED mapping of the whole region, or the slow path with a warning. */
  private regionMmap(vm: VmContext, r: VfioRegion): void {
    if (this.noMmap || !(r.flags & VFIO_REGION_INFO_FLAG_MMAP) || r.size === 0) return;
    const prot = (r.flags & VFIO_REGION_INFO_FLAG_READ ? PROT_READ : 0) | (r.flags & VFIO_REGION_INFO_FLAG_WRITE ? PROT_WRITE : 0);
    try {
      const m = vm.sys.mmap(r.size, prot, MAP_SHARED, this.vdev.fd, r.fdOffset);
      r.mmap = { addr: m.addr, length: m.length };
      vm.trace('vfio_region_mmap', `${this.vdev.name} region ${r.nr}: mapped at 0x${m.addr.toString(16)}`);
    } catch {
      vm.warn(`${r.name} mmap unsupported, performance may be slow`);
    }
  }

  /** The intp of an IRQ index. */
  intp(pin: number): VfioIntp | undefined {
    return this.intps.find((i) => i.pin === pin);
  }

  /** models sysbus_connect_irq's connect_irq_notifier (vfio_start_irq_injection). */
  connectIrq(vm: VmContext, pin: number, irq: QemuIrq, line: number): void {
    const intp = this.intp(pin)!;
    intp.irq = irq;
    intp.line = line;
    startIrqInjection(vm, this, intp);
  }

  /** The mapping of a region while the fast path is on (a guest access then never traps). */
  fastPath(vm: VmContext, nr: number): Mapping | undefined {
    const r = this.regions[nr];
    if (!this.mmapsEnabled || !r?.mmap) return undefined;
    return vm.sys.mapping(r.mmap.addr);
  }

  /** models vfio_region_read (then the device's EOI): all-ones and no EOI when pread fails. */
  regionRead(vm: VmContext, nr: number, addr: number, size: 1 | 2 | 4): number {
    const r = this.regions[nr]!;
    let value: number;
    try {
      const data = vm.sys.pread(this.vdev.fd, size, r.fdOffset + BigInt(addr));
      value = size === 4 ? Buffer.from(data).readUInt32LE(0) : size === 2 ? Buffer.from(data).readUInt16LE(0) : data[0]!;
    } catch (e) {
      vm.error(`vfio_region_read(${this.vdev.name}:region${nr}+0x${addr.toString(16)}, ${size}) failed: ${strerror(errnoOf(e))}`);
      return size === 4 ? 0xffff_ffff : size === 2 ? 0xffff : 0xff;
    }
    vfioPlatformEoi(vm, this);
    return value;
  }

  /** models vfio_region_write (then the EOI, also after a failed write). */
  regionWrite(vm: VmContext, nr: number, addr: number, size: 1 | 2 | 4, value: number): void {
    const r = this.regions[nr]!;
    const data = Buffer.alloc(size);
    if (size === 4) data.writeUInt32LE(value >>> 0);
    else if (size === 2) data.writeUInt16LE(value & 0xffff);
    else data.writeUInt8(value & 0xff);
    try {
      vm.sys.pwrite(this.vdev.fd, data, r.fdOffset + BigInt(addr));
    } catch (e) {
      vm.error(`vfio_region_write(${this.vdev.name}:region${nr}+0x${addr.toString(16)}, 0x${value.toString(16)},${size}) failed: ${strerror(errnoOf(e))}`);
    }
    vfioPlatformEoi(vm, this);
  }

  /**
   * models vfio_reset_handler for a platform device (no dc->reset of its own): it always
   * needs a reset, and its hot_reset_multi returns -1, so nothing happens to the device.
   */
  override reset(vm: VmContext): void {
    vm.trace('vfio_reset_handler', `${this.vdev.name}: vfio_platform_hot_reset_multi is not implemented: the device is not reset`);
  }

  snapshot(): VfioPlatformSnapshot {
    return {
      typeName: this.typeName,
      ...(this.id !== undefined ? { id: this.id } : {}),
      opts: this.opts.map(([k, v]) => [k, v] as [string, string]),
      name: this.vdev.name,
      sysfsdev: this.sysfsdev ?? null,
      fd: this.vdev.fd,
      groupId: this.vdev.group?.groupId ?? null,
      flags: this.vdev.flags,
      numRegions: this.vdev.numRegions,
      numIrqs: this.vdev.numIrqs,
      compat: this.compat ?? [],
      regions: this.regions.map((r) => ({ nr: r.nr, name: r.name, fdOffset: r.fdOffset.toString(), size: r.size, flags: r.flags, mmap: r.mmap ? { addr: r.mmap.addr.toString(), length: r.mmap.length } : null })),
      intps: this.intps.map((i) => i.snapshot()),
      pending: this.pending.map((i) => i.pin),
      mmapsEnabled: this.mmapsEnabled,
      timerDeadline: this.timerDeadline ?? null,
      mmio: [...this.mmio],
    };
  }

  /** Rebuilds the device of a snapshot (no syscall that changes anything). */
  restore(s: VfioPlatformSnapshot): void {
    if (s.id !== undefined) this.id = s.id;
    this.opts = s.opts;
    Object.assign(this.vdev, { name: s.name, sysfsdev: s.sysfsdev ?? undefined, fd: s.fd, flags: s.flags, numRegions: s.numRegions, numIrqs: s.numIrqs });
    this.sysfsdev = s.sysfsdev ?? undefined;
    this.compat = s.compat;
    this.regions = s.regions.map((r) => ({ nr: r.nr, name: r.name, fdOffset: BigInt(r.fdOffset), size: r.size, flags: r.flags, mmap: r.mmap ? { addr: BigInt(r.mmap.addr), length: r.mmap.length } : undefined }));
    this.intps = s.intps.map((i) => VfioIntp.restore(i));
    this.pending = s.pending.map((pin) => this.intp(pin)!);
    this.mmapsEnabled = s.mmapsEnabled;
    this.timerDeadline = s.timerDeadline ?? undefined;
    this.mmio = [...s.mmio];
  }
}
