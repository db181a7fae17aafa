// QEMU's vfio-pci (hw/vfio/pci.c, 7.2; 3.1 where it differs) as far as passthrough on a
// pseries PHB goes: the host address properties, the PCI slot, and realize — group and
// container in the PHB's DMA address space, device fd, the regions and IRQ info
// (vfio_populate_device), the config space read — with QEMU's messages. Config accesses
// from the guest go through the kernel with QEMU's emulated BARs in front; BAR accesses go
// straight to the device fd (the twin does not mmap them). INTx/MSI setup is not modelled.

import { strerror } from '../../core/errno.js';
import {
  VFIO_PCI_CONFIG_REGION_INDEX,
  VFIO_PCI_ERR_IRQ_INDEX,
  VFIO_PCI_MSIX_IRQ_INDEX,
  VFIO_PCI_ROM_REGION_INDEX,
  vfioPciRegionOffset,
} from '../../core/vfio-spapr-uapi.js';
import {
  VFIO_DEVICE_FLAGS_PCI,
  VFIO_DEVICE_FLAGS_RESET,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_RESET,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeIrqInfo,
  encodeRegionInfo,
} from '../../core/vfio-uapi.js';
import { DeviceState, type DeviceClass, type PropertyInfo } from '../qdev/qdev.js';
import { errnoOf, errorWithErrno, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import { gPathGetBasename, vfioDeviceGetName, vfioGetDevice, vfioGetGroup, vfioPutBaseDevice, vfioPutGroup, type VfioAddressSpace, type VfioDeviceHandle } from './vfio-common.js';

export const TYPE_VFIO_PCI = 'vfio-pci';
/** PCI_CONFIG_SPACE_SIZE: a pseries root bus is conventional PCI, so QEMU reads 256 bytes. */
const PCI_CONFIG_SPACE_SIZE = 256;

/** What the PHB gives the devices on its bus. */
export interface PciHostContext {
  /** pci_device_iommu_address_space: the PHB's DMA address space. */
  readonly as: VfioAddressSpace;
}

/** The bus a vfio-pci function plugs into (a PHB's root bus): its slots and its PHB. */
export interface PciBusSlots {
  readonly host: PciHostContext;
  /** devfn → the device there (bus->devices). */
  readonly devices: Map<number, DeviceState>;
}

/** models set_pci_host_devaddr: [DDDD:]BB:DD.F in hex. */
export function parsePciHostAddr(value: string): { domain: number; bus: number; slot: number; fn: number } | undefined {
  const m = /^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)\.([0-9a-fA-F]+)$/.exec(value);
  if (!m) return undefined;
  const [domain, bus, slot, fn] = [m[1] ?? '0', m[2]!, m[3]!, m[4]!].map((x) => parseInt(x, 16)) as [number, number, number, number];
  if (domain > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) return undefined;
  return { domain, bus, slot, fn };
}

/** models set_pci_devfn for a string (the command line): sscanf "%x.%x" or "%x", slot <= 31, function <= 7. */
export function parsePciDevfn(value: string): number | undefined {
  const hex = '\\s*[+-]?(?:0[xX])?[0-9a-fA-F]+';
  const m = new RegExp(`^(${hex})(?:\\.(${hex}))?$`).exec(value);
  if (!m) return undefined;
  // %x into an unsigned int: a minus sign wraps around
  const num = (t: string): number => {
    const p = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/.exec(t)!;
    const v = parseInt(p[2]!, 16);
    return p[1] === '-' ? -v >>> 0 : v;
  };
  const slot = num(m[1]!);
  const fn = m[2] === undefined ? 0 : num(m[2]);
  return slot <= 31 && fn <= 7 ? (slot << 3) | fn : undefined;
}

const badValue = (prop: string, value: string): QemuError => new QemuError(`Property '${TYPE_VFIO_PCI}.${prop}' doesn't take value '${value}'`);

export class VfioPciDevice extends DeviceState {
  host: string | undefined;
  sysfsdev: string | undefined;
  /** The devfn asked for (-1: the first free slot). */
  addr = -1;
  devfn = -1;
  readonly vdev: VfioDeviceHandle = { name: '', sysfsdev: undefined, group: undefined, fd: -1, flags: 0, numRegions: 0, numIrqs: 0 };
  configOffset = 0n;
  /** QEMU's copy of config space (pdev->config): the emulated BARs live here. */
  readonly config = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  pciAer = false;

  private slots(): PciBusSlots {
    return this.parentBus as unknown as PciBusSlots;
  }

  override realize(vm: VmContext): void {
    const bus = this.slots();
    this.registerDevice(bus);
    try {
      this.vfioRealize(vm, bus.host.as);
    } catch (e) {
      bus.devices.delete(this.devfn);
      throw e;
    }
  }

  /** models do_pci_register_device's devfn choice. */
  private registerDevice(bus: PciBusSlots): void {
    if (this.addr < 0) {
      for (let devfn = 0; devfn < 256; devfn += 8) {
        if (!bus.devices.has(devfn)) {
          this.devfn = devfn;
          bus.devices.set(devfn, this);
          return;
        }
      }
      throw new QemuError(`PCI: no slot/function available for ${TYPE_VFIO_PCI}, all in use or reserved`);
    }
    const other = bus.devices.get(this.addr);
    if (other) {
      throw new QemuError(`PCI: slot ${this.addr >> 3} function ${this.addr & 7} not available for ${TYPE_VFIO_PCI}, in use by ${other.typeName},id="${other.id ?? ''}"`);
    }
    this.devfn = this.addr;
    bus.devices.set(this.addr, this);
  }

  /** models vfio_realize up to the config space read. */
  private vfioRealize(vm: VmContext, as: VfioAddressSpace): void {
    let sysfsdev = this.sysfsdev;
    if (sysfsdev === undefined) {
      const h = this.host === undefined ? undefined : parsePciHostAddr(this.host);
      if (!h) throw new QemuError('No provided host device', ['Use -device vfio-pci,host=DDDD:BB:DD.F or -device vfio-pci,sysfsdev=PATH_TO_DEVICE']);
      const hx = (n: number, w: number) => n.toString(16).padStart(w, '0');
      sysfsdev = `/sys/bus/pci/devices/${hx(h.domain, 4)}:${hx(h.bus, 2)}:${hx(h.slot, 2)}.${h.fn.toString(16)}`;
    }
    this.vdev.sysfsdev = sysfsdev;
    const name = vfioDeviceGetName(vm, this.vdev, sysfsdev);
    try {
      this.attach(vm, as, sysfsdev, name);
    } catch (e) {
      if (e instanceof QemuError) e.prepend(`vfio ${name}: `);
      throw e;
    }
  }

  private attach(vm: VmContext, as: VfioAddressSpace, sysfsdev: string, name: string): void {
    let target: string;
    try {
      target = vm.sys.readlink(`${sysfsdev}/iommu_group`);
    } catch (e) {
      throw errorWithErrno('no iommu_group found', errnoOf(e));
    }
    const groupId = Number(/^\d+/.exec(gPathGetBasename(target))?.[0] ?? NaN);
    if (Number.isNaN(groupId)) throw new QemuError(`failed to read ${target}: ${strerror('EINVAL')}`);
    vm.trace('vfio_realize', `${name} group ${groupId}`);
    const group = vfioGetGroup(vm, groupId, as);
    if (group.devices.some((d) => d.name === name)) {
      vfioPutGroup(vm, group, as);
      throw new QemuError('device is already attached');
    }
    try {
      vfioGetDevice(vm, group, name, this.vdev);
    } catch (e) {
      vfioPutGroup(vm, group, as);
      throw e;
    }
    try {
      this.populate(vm);
      this.readConfig(vm);
    } catch (e) {
      vfioPutBaseDevice(vm, this.vdev);
      vfioPutGroup(vm, group, as);
      throw e;
    }
  }

  /** models vfio_populate_device. */
  private populate(vm: VmContext): void {
    const d = this.vdev;
    if (!(d.flags & VFIO_DEVICE_FLAGS_PCI)) throw new QemuError("this isn't a PCI device");
    if (d.numRegions < VFIO_PCI_CONFIG_REGION_INDEX + 1) throw new QemuError(`unexpected number of io regions ${d.numRegions}`);
    if (d.numIrqs < VFIO_PCI_MSIX_IRQ_INDEX + 1) throw new QemuError(`unexpected number of irqs ${d.numIrqs}`);
    for (let i = 0; i < VFIO_PCI_ROM_REGION_INDEX; i++) {
      try {
        this.regionInfo(vm, i);
      } catch (e) {
        throw errorWithErrno(`failed to get region ${i} info`, errnoOf(e));
      }
    }
    let cfg;
    try {
      cfg = this.regionInfo(vm, VFIO_PCI_CONFIG_REGION_INDEX);
    } catch (e) {
      throw errorWithErrno('failed to get config info', errnoOf(e));
    }
    this.configOffset = cfg.offset;
    vm.trace('vfio_populate_device_config', `${d.name} size 0x${cfg.size.toString(16)} offset 0x${cfg.offset.toString(16)}`);
    const irq = encodeIrqInfo({ index: VFIO_PCI_ERR_IRQ_INDEX });
    try {
      vm.sys.ioctl(d.fd, VFIO_DEVICE_GET_IRQ_INFO, irq);
      if (decodeIrqInfo(irq).count === 1) this.pciAer = true;
      else vm.warn(`vfio ${d.name}: Could not enable error recovery for the device`);
    } catch (e) {
      vm.trace('vfio_populate_device_get_irq_info_failure', strerror(errnoOf(e)));
    }
  }

  private regionInfo(vm: VmContext, index: number) {
    const buf = encodeRegionInfo({ index });
    vm.sys.ioctl(this.vdev.fd, VFIO_DEVICE_GET_REGION_INFO, buf);
    const r = decodeRegionInfo(buf);
    if (index < VFIO_PCI_ROM_REGION_INDEX) vm.trace('vfio_region_setup', `${this.vdev.name} BAR ${index} size 0x${r.size.toString(16)} flags 0x${r.flags.toString(16)}`);
    return r;
  }

  /** models vfio_realize's pread of config space into pdev->config. */
  private readConfig(vm: VmContext): void {
    let data: Uint8Array;
    try {
      data = vm.sys.pread(this.vdev.fd, PCI_CONFIG_SPACE_SIZE, this.configOffset);
    } catch (e) {
      throw errorWithErrno('failed to read device config space', errnoOf(e));
    }
    if (data.length < PCI_CONFIG_SPACE_SIZE) throw errorWithErrno('failed to read device config space', 'EFAULT');
    this.config.set(data);
    // QEMU's topology decides multifunction: the header type bit is emulated (off)
    this.config[0x0e] = this.config[0x0e]! & 0x7f;
  }

  /** Emulated bytes (BARs, ROM, header type's multifunction bit) come from QEMU's copy. */
  private emulated(offset: number): number {
    if ((offset >= 0x10 && offset < 0x28) || (offset >= 0x30 && offset < 0x34)) return 0xff;
    return offset === 0x0e ? 0x80 : 0;
  }

  /** models vfio_pci_read_config: the kernel's bytes under QEMU's emulated bits. */
  configRead(vm: VmContext, offset: number, size: number): number {
    let phys: Uint8Array;
    try {
      phys = vm.sys.pread(this.vdev.fd, size, this.configOffset + BigInt(offset));
    } catch (e) {
      vm.error(`vfio_region_read(${this.vdev.name}:region${VFIO_PCI_CONFIG_REGION_INDEX}+0x${offset.toString(16)}, ${size}) failed: ${strerror(errnoOf(e))}`);
      phys = new Uint8Array(size).fill(0xff);
    }
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const m = this.emulated(offset + i);
      v = v * 256 + ((phys[i]! & ~m) | (this.config[offset + i]! & m));
    }
    return v >>> 0;
  }

  /** models vfio_pci_write_config: the kernel gets the write; emulated bytes update QEMU's copy. */
  configWrite(vm: VmContext, offset: number, size: number, value: number): void {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (value >>> (8 * i)) & 0xff;
    try {
      vm.sys.pwrite(this.vdev.fd, bytes, this.configOffset + BigInt(offset));
    } catch (e) {
      vm.error(`vfio_region_write(${this.vdev.name}:region${VFIO_PCI_CONFIG_REGION_INDEX}+0x${offset.toString(16)}, 0x${value.toString(16)},${size}) failed: ${strerror(errnoOf(e))}`);
    }
    bytes.forEach((b, i) => {
      const m = this.emulated(offset + i);
      this.config[offset + i] = (this.config[offset + i]! & ~m) | (b & m);
    });
  }

  /** A guest load from a BAR (the mmapped region reaches the device; the twin preads it). */
  barRead(vm: VmContext, bar: number, offset: number, size: number): number {
    const data = vm.sys.pread(this.vdev.fd, size, vfioPciRegionOffset(bar) + BigInt(offset));
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + data[i]!;
    return v >>> 0;
  }

  /** models vfio_pci_reset: VFIO_DEVICE_RESET when the device reports a working reset. */
  override reset(vm: VmContext): void {
    if (!(this.vdev.flags & VFIO_DEVICE_FLAGS_RESET) || this.vdev.fd < 0) return;
    try {
      vm.sys.ioctl(this.vdev.fd, VFIO_DEVICE_RESET);
      vm.trace('vfio_pci_reset', `${this.vdev.name} VFIO_DEVICE_RESET`);
    } catch (e) {
      vm.trace('vfio_pci_reset', `${this.vdev.name} VFIO_DEVICE_RESET failed: ${errnoOf(e)}`);
    }
  }

  /** models vfio_exitfn + vfio_instance_finalize: the device fd, then the group. */
  override unrealize(vm: VmContext): void {
    const group = this.vdev.group;
    vfioPutBaseDevice(vm, this.vdev);
    if (group) vfioPutGroup(vm, group, this.slots().host.as);
    this.slots().devices.delete(this.devfn);
  }
}

const strProp = (name: 'host' | 'sysfsdev'): PropertyInfo<VfioPciDevice> => ({
  name,
  type: 'str',
  set: (dev, v) => {
    if (name === 'host' && !parsePciHostAddr(String(v))) throw badValue('host', String(v));
    dev[name] = String(v);
  },
  get: (dev) => dev[name],
});

/** The vfio-pci class: PCI bus, hotpluggable, with the properties help lists. */
export function vfioPciClass(helpProps: DeviceClass['helpProps']): DeviceClass {
  const addr: PropertyInfo<VfioPciDevice> = {
    name: 'addr',
    type: 'str',
    set: (dev, v) => {
      const devfn = parsePciDevfn(String(v));
      if (devfn === undefined) throw badValue('addr', String(v));
      dev.addr = devfn;
    },
    get: (dev) => dev.addr,
  };
  const ignored = (helpProps ?? []).filter((p) => !['host', 'sysfsdev', 'addr'].includes(p.name));
  return {
    typeName: TYPE_VFIO_PCI,
    abstract: false,
    userCreatable: true,
    hotpluggable: true,
    busType: 'PCI',
    categories: ['misc'],
    desc: 'VFIO-based PCI device assignment',
    props: [strProp('host'), strProp('sysfsdev'), addr, ...ignored.map((p): PropertyInfo => ({ name: p.name, type: 'str', set: () => undefined, get: () => undefined }))] as PropertyInfo[],
    helpProps,
    instantiate: (cls) => new VfioPciDevice(cls),
  };
}
