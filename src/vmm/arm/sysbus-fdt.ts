// The guest device-tree nodes of dynamic sysbus devices (hw/arm/sysbus-fdt.c): the binding
// table (vfio-calxeda-xgmac, vfio-amd-xgbe, vfio-platform with an amd,xgbe-seattle-v1a
// compat, ramfb), the calxeda node, and the amd-xgbe node with what it copies from the
// host's device tree (/proc/device-tree, read through the syscall surface) and its two
// fixed-clock nodes. Every failure is QEMU's error_report + exit(1).

import { FdtNode, fdtCells, fdtReadCells, fdtStrings } from '../../core/fdt.js';
import { O_RDONLY, type Syscalls } from '../../kernel/syscall-surface.js';
import { QemuError } from '../qemu-error.js';
import { TYPE_VFIO_AMD_XGBE, TYPE_VFIO_CALXEDA_XGMAC, TYPE_VFIO_PLATFORM } from '../vfio/vfio-platform-types.js';
import type { VfioPlatformDevice } from '../vfio/vfio-platform.js';

const GIC_FDT_IRQ_TYPE_SPI = 0;
const GIC_FDT_IRQ_FLAGS_EDGE_LO_HI = 1;
const GIC_FDT_IRQ_FLAGS_LEVEL_HI = 4;
const SYSFS_DT_BASEDIR = '/proc/device-tree';

export interface PlatformFdtData {
  fdt: FdtNode;
  /** The platform bus node's path (/platform-bus@c000000 in 7.2, /platform@c000000 in 3.1). */
  busNode: string;
  irqStart: number;
  /** qemu_fdt_alloc_phandle. */
  allocPhandle(): number;
  sys: Syscalls;
  /** The device's bus offsets of its regions and its platform bus lines. */
  mmio(dev: VfioPlatformDevice, i: number): number;
  irqn(dev: VfioPlatformDevice, i: number): number;
}

/** models load_device_tree_from_sysfs: the host's tree, read file by file. */
export function loadHostDeviceTree(sys: Syscalls): FdtNode {
  const read = (dir: string, node: FdtNode): void => {
    for (const name of sys.readdir(dir)) {
      const path = `${dir}/${name}`;
      if (sys.lstat(path).kind === 'dir') read(path, node.appendChild(name));
      else {
        const fd = sys.open(path, O_RDONLY);
        try {
          node.appendProp(name, sys.read(fd, 1 << 20));
        } finally {
          sys.close(fd);
        }
      }
    }
  };
  const root = new FdtNode('');
  try {
    read(SYSFS_DT_BASEDIR, root);
  } catch {
    throw new QemuError('load_device_tree_from_sysfs: host device tree extracted into memory is invalid');
  }
  return root;
}

const regCells = (d: PlatformFdtData, dev: VfioPlatformDevice): number[] => dev.regions.flatMap((r, i) => [d.mmio(dev, i), r.size]);

/** models add_calxeda_midway_xgmac_fdt_node: every IRQ as a level one. */
function calxedaNode(d: PlatformFdtData, dev: VfioPlatformDevice): void {
  const node = d.fdt.find(d.busNode)!.addSubnode(`${dev.vdev.name}@${d.mmio(dev, 0).toString(16)}`);
  node.setProp('compatible', fdtStrings(dev.compat![0]!));
  node.setProp('dma-coherent', new Uint8Array(0));
  node.setProp('reg', fdtCells(regCells(d, dev)));
  node.setProp('interrupts', fdtCells(dev.intps.map((_, i) => [GIC_FDT_IRQ_TYPE_SPI, d.irqn(dev, i) + d.irqStart, GIC_FDT_IRQ_FLAGS_LEVEL_HI]).flat()));
}

type HostProperty = [name: string, optional: boolean];

const CLOCK_COPIED: HostProperty[] = [['compatible', false], ['#clock-cells', false], ['clock-frequency', true], ['clock-output-names', true]];
const XGBE_COPIED: HostProperty[] = [
  ['compatible', false], ['dma-coherent', true], ['amd,per-channel-interrupt', true], ['phy-mode', false], ['mac-address', true],
  ['amd,speed-set', false], ['amd,serdes-blwc', true], ['amd,serdes-cdr-rate', true], ['amd,serdes-pq-skew', true],
  ['amd,serdes-tx-amp', true], ['amd,serdes-dfe-tap-config', true], ['amd,serdes-dfe-tap-enable', true], ['clock-names', false],
];

/** models qemu_fdt_getprop's error text. */
function getprop(host: FdtNode, path: string, name: string): Uint8Array {
  const v = host.find(path)?.prop(name);
  if (!v) throw new QemuError(`qemu_fdt_getprop: Couldn't get ${path}/${name}: FDT_ERR_NOTFOUND`);
  return v;
}

/** models copy_properties_from_host: a missing mandatory property ends QEMU, an optional one is skipped quietly. */
function copyFromHost(props: HostProperty[], host: FdtNode, path: string, guest: FdtNode): void {
  for (const [name, optional] of props) {
    const v = host.find(path)?.prop(name);
    if (v) guest.setProp(name, v);
    else if (!optional) throw new QemuError(`qemu_fdt_getprop: Couldn't get ${path}/${name}: FDT_ERR_NOTFOUND`);
  }
}

/** models fdt_build_clock_node. */
function clockNode(d: PlatformFdtData, host: FdtNode, hostPhandle: number, guestPhandle: number): void {
  const found = [...host.walk()].find(([, n]) => n.prop('phandle') && fdtReadCells(n.prop('phandle')!)[0] === hostPhandle);
  if (!found) throw new QemuError(`not able to locate clock handle ${hostPhandle} in host device tree`);
  const [path] = found;
  const compat = Buffer.from(getprop(host, path, 'compatible')).toString('latin1').split('\0')[0];
  if (compat !== 'fixed-clock') throw new QemuError(`clock handle ${hostPhandle} is not a fixed clock`);
  const guest = d.fdt.addSubnode(path.slice(path.lastIndexOf('/') + 1));
  copyFromHost(CLOCK_COPIED, host, path, guest);
  guest.setProp('phandle', fdtCells([guestPhandle]));
}

/** models add_amd_xgbe_fdt_node. */
function amdXgbeNode(d: PlatformFdtData, dev: VfioPlatformDevice): void {
  const fn = 'add_amd_xgbe_fdt_node';
  const host = loadHostDeviceTree(d.sys);
  const name = dev.vdev.name;
  const dot = name.indexOf('.');
  if (dot < 0) throw new QemuError(`${fn} incorrect sysfs device name ${name}`);
  const dtName = `${name.slice(dot + 1)}@${name.slice(0, dot)}`;
  const compat = dev.compat![0]!;
  // models qemu_fdt_node_path: nodes of that name with that compatible
  const paths = [...host.walk()]
    .filter(([p, n]) => p.slice(p.lastIndexOf('/') + 1) === dtName && Buffer.from(n.prop('compatible') ?? new Uint8Array()).toString('latin1').split('\0').includes(compat))
    .map(([p]) => p);
  if (paths.length === 0) throw new QemuError(`${fn} unable to retrieve node path for ${dtName}/${compat}`);
  if (paths.length > 1) throw new QemuError(`${fn} more than one node matching ${dtName}/${compat}!`);
  const path = paths[0]!;
  if (dev.regions.length !== 5) throw new QemuError(`${fn} Does the host dt node combine XGBE/PHY?`);
  const clocks = getprop(host, path, 'clocks');
  if (clocks.length !== 8) throw new QemuError(`${fn} clocks property should contain 2 handles`);
  const [h0, h1] = fdtReadCells(clocks) as [number, number];
  const g0 = d.allocPhandle();
  const g1 = d.allocPhandle();
  clockNode(d, host, h0, g0);
  clockNode(d, host, h1, g1);
  const node = d.fdt.find(d.busNode)!.addSubnode(`${name}@${d.mmio(dev, 0).toString(16)}`);
  copyFromHost(XGBE_COPIED, host, path, node);
  node.setProp('clocks', fdtCells([g0, g1]));
  node.setProp('reg', fdtCells(regCells(d, dev)));
  node.setProp(
    'interrupts',
    fdtCells(
      dev.intps
        .map((_, i) => [GIC_FDT_IRQ_TYPE_SPI, d.irqn(dev, i) + d.irqStart, dev.intp(i)!.automasked ? GIC_FDT_IRQ_FLAGS_LEVEL_HI : GIC_FDT_IRQ_FLAGS_EDGE_LO_HI])
        .flat(),
    ),
  );
}

/** models add_fdt_node over the binding table. */
export function addFdtNode(d: PlatformFdtData, dev: VfioPlatformDevice): void {
  if (dev.typeName === TYPE_VFIO_CALXEDA_XGMAC) return calxedaNode(d, dev);
  if (dev.typeName === TYPE_VFIO_AMD_XGBE) return amdXgbeNode(d, dev);
  if (dev.typeName === TYPE_VFIO_PLATFORM && (dev.compat ?? []).includes('amd,xgbe-seattle-v1a')) return amdXgbeNode(d, dev);
  throw new QemuError(`Device ${dev.typeName} can not be dynamically instantiated`);
}
