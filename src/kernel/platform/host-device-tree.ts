// The host's device tree as the kernel unflattens it (drivers/of/fdt.c): the nodes of the
// HostSpec with their properties in blob order, the simple-bus parents the devices sit
// under, and `name` (populate_properties recreates it from the unit name), shown under
// /sys/firmware/devicetree/base (drivers/of/kobj.c: one 0444 binary file per property) and
// /proc/device-tree (a link to it).

import { FdtNode, fdtAddrCells, fdtCells, fdtStrings } from '../../core/fdt.js';
import type { PlatformHostSpec } from '../host-spec-types.js';
import { Attr, Dir, Link } from '../vfs/node.js';
import type { Vfs } from '../vfs/vfs.js';
import { nodeBaseName } from './of-name.js';
import type { PlatformDeviceSpec, PropertyValue } from './platform-host-spec.js';

export const DT_BASE = '/sys/firmware/devicetree/base';

/** GIC interrupt specifier flags (dt-bindings/interrupt-controller/irq.h). */
export const IRQ_TYPE_EDGE_RISING = 1;
export const IRQ_TYPE_LEVEL_HIGH = 4;
const GIC_SPI = 0;

/** A HostSpec property value as the blob stores it. */
export function propertyBytes(v: PropertyValue): Uint8Array {
  if (typeof v === 'string') return fdtStrings(v);
  if (!Array.isArray(v)) return Uint8Array.from(Buffer.from(v.bytes, 'hex'));
  if (v.length > 0 && typeof v[0] === 'string') return fdtStrings(v as string[]);
  return fdtCells(v as number[]);
}

/** #address-cells and #size-cells of the tree: two on arm64 (LPAE addresses), one on 32-bit ARM. */
export const cellsOf = (spec: PlatformHostSpec): number => (spec.arch === 'aarch64' ? 2 : 1);

/** The node at path, creating it (plain) and any missing ancestor (a simple-bus). */
function ensurePath(root: FdtNode, path: string, cells: number): FdtNode {
  let node = root;
  const parts = path.split('/').filter(Boolean);
  for (const [i, part] of parts.entries()) {
    let next = node.child(part);
    if (!next) {
      next = node.appendChild(part);
      if (i === parts.length - 1) return next;
      // a parent the spec does not describe is a plain simple-bus with 1:1 ranges
      next.appendProp('compatible', fdtStrings('simple-bus'));
      next.appendProp('#address-cells', fdtCells([cells]));
      next.appendProp('#size-cells', fdtCells([cells]));
      next.appendProp('ranges', new Uint8Array(0));
    }
    node = next;
  }
  return node;
}

function setProps(node: FdtNode, props: Readonly<Record<string, PropertyValue>>): void {
  for (const [name, value] of Object.entries(props)) {
    const bytes = propertyBytes(value);
    const existing = node.props.find((p) => p.name === name);
    if (existing) existing.value = bytes;
    else node.appendProp(name, bytes);
  }
}

function deviceProps(d: PlatformDeviceSpec, cells: number): Record<string, Uint8Array> {
  return {
    compatible: fdtStrings(d.compatible),
    ...(d.reg.length ? { reg: fdtCells(d.reg.flatMap(([a, s]) => [...fdtAddrCells(a, cells), ...fdtAddrCells(s, cells)])) } : {}),
    ...(d.interrupts.length
      ? { interrupts: fdtCells(d.interrupts.flatMap((i) => [GIC_SPI, i.spi, i.trigger === 'level' ? IRQ_TYPE_LEVEL_HIGH : IRQ_TYPE_EDGE_RISING])) }
      : {}),
  };
}

/** models unflatten_device_tree of the machine's blob. */
export function buildHostTree(spec: PlatformHostSpec): FdtNode {
  const cells = cellsOf(spec);
  const root = new FdtNode('');
  root.appendProp('#address-cells', fdtCells([cells]));
  root.appendProp('#size-cells', fdtCells([cells]));
  const nodes = [...spec.nodes].sort((a, b) => a.node.split('/').length - b.node.split('/').length);
  for (const n of nodes) if (n.node === '/') setProps(root, n.properties);
  for (const n of nodes) if (n.node !== '/') setProps(ensurePath(root, n.node, cells), n.properties);
  for (const d of spec.platformDevices) {
    const node = ensurePath(root, d.node, cells);
    for (const [name, value] of Object.entries(deviceProps(d, cells))) node.appendProp(name, value);
    setProps(node, d.properties);
  }
  // models populate_properties: a node without `name` gets one from its unit name
  for (const [path, node] of root.walk()) if (!node.prop('name')) node.appendProp('name', fdtStrings(path === '/' ? '' : nodeBaseName(path)));
  return root;
}

/** models __of_attach_node_sysfs + __of_add_property_sysfs for every node. */
export function publishHostTree(vfs: Vfs, root: FdtNode): void {
  const dirOf = (node: FdtNode): Dir => {
    const dir = new Dir();
    for (const p of node.props) {
      const text = Buffer.from(p.value).toString('latin1');
      dir.add(p.name, Attr.value(text));
    }
    for (const c of node.children) dir.add(c.name, dirOf(c));
    return dir;
  };
  vfs.attach(DT_BASE, dirOf(root));
  // models proc_symlink("device-tree", NULL, "/sys/firmware/devicetree/base")
  vfs.attach('/proc/device-tree', new Link(DT_BASE));
}
