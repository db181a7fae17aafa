// The device tree of QEMU 7.2's `virt` machine before any dynamic device joins it
// (hw/arm/virt.c create_fdt, fdt_add_*; checked against Debian's dumpdtb in
// test/vmm/arm): with libfdt's insertion order, the nodes and properties created last come
// first, so the tree is written here in the order `dtc -O dts` prints it.

import { FdtNode, fdtCells, fdtStrings } from '../../core/fdt.js';
import { PLATFORM_BUS_BASE, PLATFORM_BUS_SIZE, VIRT_RAM_BASE } from './machine.js';

/** virt's fixed phandles (vms->clock_phandle, the CPU, the GIC, the v2m frame, the GPIO). */
export const PHANDLE = { clock: 0x8000, cpu: 0x8001, gic: 0x8002, v2m: 0x8003, gpio: 0x8004 } as const;
/** The first phandle qemu_fdt_alloc_phandle hands out after virt's own. */
export const FIRST_FREE_PHANDLE = 0x8005;

const GIC_FDT_IRQ_TYPE_SPI = 0;
const GIC_FDT_IRQ_TYPE_PPI = 1;
const IRQ_EDGE_RISING = 1;
const IRQ_LEVEL_HIGH = 4;
const VIRTIO_TRANSPORTS = 32;

export interface VirtFdtOptions {
  /** The platform bus node name: `platform-bus@c000000` in 7.2, `platform@c000000` in 3.1. */
  platformBusNode: string;
  ramSize: bigint;
  /** The CPU node's compatible (cortex-a15 → "arm,cortex-a15"). */
  cpuCompatible: string;
  /** An ARMv8 CPU: the ARMv8 timer and a PMUv3 node. */
  v8Cpu: boolean;
  /** The CPU runs AArch64 (qemu-system-aarch64 with a 64-bit core): SMC64 PSCI function ids. */
  smc64: boolean;
  /** virt's highmem: the 64-bit PCIe window and the high ECAM (off when the CPU reaches only 32 bits of PA). */
  highmem: boolean;
  /** 8 + 2 cells of /chosen randomness (QEMU takes them from the host's RNG). */
  seeds: readonly number[];
}

type Prop = [string, Uint8Array];
const empty = new Uint8Array(0);
const cells = (...c: number[]): Uint8Array => fdtCells(c);
const str = (s: string | string[]): Uint8Array => fdtStrings(s);
const hi = (v: number | bigint): number => Number(BigInt(v) >> 32n);
const lo = (v: number | bigint): number => Number(BigInt(v) & 0xffff_ffffn);

function node(parent: FdtNode, name: string, props: readonly Prop[]): FdtNode {
  const n = parent.appendChild(name);
  for (const [k, v] of props) n.appendProp(k, v);
  return n;
}

/** The platform bus node (platform_bus_add_all_fdt_nodes' parent, created at machine done). */
function platformBus(root: FdtNode, name: string): void {
  node(root, name, [
    ['interrupt-parent', cells(PHANDLE.gic)],
    ['ranges', cells(0, hi(PLATFORM_BUS_BASE), lo(PLATFORM_BUS_BASE), PLATFORM_BUS_SIZE)],
    ['#address-cells', cells(1)],
    ['#size-cells', cells(1)],
    ['compatible', str(['qemu,platform', 'simple-bus'])],
  ]);
}

/** The tree virt_machine_done hands to arm_load_dtb, without dynamic devices. */
export function virtBaseTree(o: VirtFdtOptions): FdtNode {
  const root = new FdtNode('');
  for (const [k, v] of [
    ['interrupt-parent', cells(PHANDLE.gic)],
    ['model', str('linux,dummy-virt')],
    ['#size-cells', cells(2)],
    ['#address-cells', cells(2)],
    ['compatible', str('linux,dummy-virt')],
  ] as Prop[])
    root.appendProp(k, v);
  const fn = (n: number): number => (o.smc64 && n !== 2 ? 0xc4000000 + n : 0x84000000 + n);
  node(root, 'psci', [
    ['migrate', cells(fn(5))],
    ['cpu_on', cells(fn(3))],
    ['cpu_off', cells(fn(2))],
    ['cpu_suspend', cells(fn(1))],
    ['method', str('hvc')],
    ['compatible', str(['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci'])],
  ]);
  node(root, `memory@${VIRT_RAM_BASE.toString(16)}`, [
    ['reg', cells(0, lo(VIRT_RAM_BASE), hi(o.ramSize), lo(o.ramSize))],
    ['device_type', str('memory')],
  ]);
  platformBus(root, o.platformBusNode);
  node(root, 'fw-cfg@9020000', [['dma-coherent', empty], ['reg', cells(0, 0x9020000, 0, 0x18)], ['compatible', str('qemu,fw-cfg-mmio')]]);
  for (let i = 0; i < VIRTIO_TRANSPORTS; i++) {
    const base = 0xa000000 + i * 0x200;
    node(root, `virtio_mmio@${base.toString(16)}`, [
      ['dma-coherent', empty],
      ['interrupts', cells(GIC_FDT_IRQ_TYPE_SPI, 16 + i, IRQ_EDGE_RISING)],
      ['reg', cells(0, base, 0, 0x200)],
      ['compatible', str('virtio,mmio')],
    ]);
  }
  const keys = node(root, 'gpio-keys', [['compatible', str('gpio-keys')]]);
  node(keys, 'poweroff', [['gpios', cells(PHANDLE.gpio, 3, 0)], ['linux,code', cells(0x74)], ['label', str('GPIO Key Poweroff')]]);
  node(root, 'pl061@9030000', [
    ['phandle', cells(PHANDLE.gpio)],
    ['clock-names', str('apb_pclk')],
    ['clocks', cells(PHANDLE.clock)],
    ['interrupts', cells(GIC_FDT_IRQ_TYPE_SPI, 7, IRQ_LEVEL_HIGH)],
    ['gpio-controller', empty],
    ['#gpio-cells', cells(2)],
    ['compatible', str(['arm,pl061', 'arm,primecell'])],
    ['reg', cells(0, 0x9030000, 0, 0x1000)],
  ]);
  node(root, 'pcie@10000000', pcieProps(o.highmem));
  node(root, 'pl031@9010000', [
    ['clock-names', str('apb_pclk')],
    ['clocks', cells(PHANDLE.clock)],
    ['interrupts', cells(GIC_FDT_IRQ_TYPE_SPI, 2, IRQ_LEVEL_HIGH)],
    ['reg', cells(0, 0x9010000, 0, 0x1000)],
    ['compatible', str(['arm,pl031', 'arm,primecell'])],
  ]);
  node(root, 'pl011@9000000', [
    ['clock-names', str(['uartclk', 'apb_pclk'])],
    ['clocks', cells(PHANDLE.clock, PHANDLE.clock)],
    ['interrupts', cells(GIC_FDT_IRQ_TYPE_SPI, 1, IRQ_LEVEL_HIGH)],
    ['reg', cells(0, 0x9000000, 0, 0x1000)],
    ['compatible', str(['arm,pl011', 'arm,primecell'])],
  ]);
  node(root, 'pmu', o.v8Cpu ? [['interrupts', cells(GIC_FDT_IRQ_TYPE_PPI, 7, 0x104)], ['compatible', str('arm,armv8-pmuv3')]] : []);
  const intc = node(root, 'intc@8000000', [
    ['phandle', cells(PHANDLE.gic)],
    ['reg', cells(0, 0x8000000, 0, 0x10000, 0, 0x8010000, 0, 0x10000)],
    ['compatible', str('arm,cortex-a15-gic')],
    ['ranges', empty],
    ['#size-cells', cells(2)],
    ['#address-cells', cells(2)],
    ['interrupt-controller', empty],
    ['#interrupt-cells', cells(3)],
  ]);
  node(intc, 'v2m@8020000', [['phandle', cells(PHANDLE.v2m)], ['reg', cells(0, 0x8020000, 0, 0x1000)], ['msi-controller', empty], ['compatible', str('arm,gic-v2m-frame')]]);
  node(root, 'flash@0', [['bank-width', cells(4)], ['reg', cells(0, 0, 0, 0x4000000, 0, 0x4000000, 0, 0x4000000)], ['compatible', str('cfi-flash')]]);
  const cpus = node(root, 'cpus', [['#size-cells', cells(0)], ['#address-cells', cells(1)]]);
  const map = node(cpus, 'cpu-map', []);
  node(node(node(map, 'socket0', []), 'cluster0', []), 'core0', [['cpu', cells(PHANDLE.cpu)]]);
  node(cpus, 'cpu@0', [['phandle', cells(PHANDLE.cpu)], ['reg', cells(0)], ['compatible', str(o.cpuCompatible)], ['device_type', str('cpu')]]);
  const ppi = (n: number): number[] => [GIC_FDT_IRQ_TYPE_PPI, n, 0x104];
  node(root, 'timer', [
    ['interrupts', cells(...ppi(13), ...ppi(14), ...ppi(11), ...ppi(10))],
    ['always-on', empty],
    ['compatible', str(o.v8Cpu ? ['arm,armv8-timer', 'arm,armv7-timer'] : 'arm,armv7-timer')],
  ]);
  node(root, 'apb-pclk', [
    ['phandle', cells(PHANDLE.clock)],
    ['clock-output-names', str('clk24mhz')],
    ['clock-frequency', cells(24_000_000)],
    ['#clock-cells', cells(0)],
    ['compatible', str('fixed-clock')],
  ]);
  node(root, 'chosen', [
    ['stdout-path', str('/pl011@9000000')],
    ['rng-seed', cells(...o.seeds.slice(0, 8))],
    ['kaslr-seed', cells(...o.seeds.slice(8, 10))],
  ]);
  return root;
}

/** The PCIe host bridge's interrupt-map: INTx swizzled over 4 slots onto SPIs 3..6. */
function pcieProps(highmem: boolean): Prop[] {
  const map: number[] = [];
  for (const slot of [0, 1, 2, 3]) {
    for (const pin of [1, 2, 3, 4]) map.push(slot << 11, 0, 0, pin, PHANDLE.gic, 0, 0, GIC_FDT_IRQ_TYPE_SPI, 3 + ((pin - 1 + slot) % 4), IRQ_LEVEL_HIGH);
  }
  return [
    ['interrupt-map-mask', cells(0x1800, 0, 0, 7)],
    ['interrupt-map', cells(...map)],
    ['#interrupt-cells', cells(1)],
    ['ranges', cells(0x1000000, 0, 0, 0, 0x3eff0000, 0, 0x10000, 0x2000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000, ...(highmem ? [0x3000000, 0x80, 0, 0x80, 0, 0x80, 0] : []))],
    // the high ECAM takes 256 buses; the low one at 0x3f000000 only 16
    ['reg', highmem ? cells(0x40, 0x10000000, 0, 0x10000000) : cells(0, 0x3f000000, 0, 0x1000000)],
    ['msi-map', cells(0, PHANDLE.v2m, 0, 0x10000)],
    ['dma-coherent', empty],
    ['bus-range', cells(0, highmem ? 0xff : 0xf)],
    ['linux,pci-domain', cells(0)],
    ['#size-cells', cells(2)],
    ['#address-cells', cells(3)],
    ['device_type', str('pci')],
    ['compatible', str('pci-host-ecam-generic')],
  ];
}
