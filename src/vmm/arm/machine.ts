// The machines of qemu-system-aarch64 / qemu-system-arm (captured table) and the one the
// twin runs, `virt` (hw/arm/virt.c): its memory map, its platform bus window and SPIs, and
// the dynamic sysbus devices it takes (machine_class_allow_dynamic_sysbus_dev).

import { memoized } from '../../core/memoized.js';
import type { MachineTypeInfo, PropertyInfo } from '../options/index.js';
import type { QemuProfile } from '../vm-context.js';
import { ARM_MACHINES, VIRT_PROPERTIES } from './captured-machine-table.js';

export type ArmBinary = 'qemu-system-aarch64' | 'qemu-system-arm';

/** VIRT_PLATFORM_BUS in virt's memmap and irqmap. */
export const PLATFORM_BUS_BASE = 0x0c00_0000;
export const PLATFORM_BUS_SIZE = 0x0200_0000;
export const PLATFORM_BUS_FIRST_SPI = 112;
export const PLATFORM_BUS_NUM_IRQS = 64;
/** VIRT_MEM: RAM starts at 1 GiB. */
export const VIRT_RAM_BASE = 0x4000_0000n;

/** virt's allow-list (virt_machine_class_init, 7.2 and 3.1 alike for these). */
export const VIRT_DYNAMIC_SYSBUS = ['vfio-calxeda-xgmac', 'vfio-amd-xgbe', 'ramfb', 'vfio-platform'];

const VIRT_PROPS: readonly PropertyInfo[] = VIRT_PROPERTIES.map((p) => ({ name: p.name, type: p.type, ...(p.description !== undefined ? { description: p.description } : {}) }));

/** `virt-3.1` and older: the machine types QEMU 3.1 had (the legacy profile). */
const LEGACY_VIRT = /^virt-(2\.\d+|3\.[01])$/;

export const armMachineTypes = memoized(buildMachineTypes, (binary, profile) => `${binary}/${profile}`);

function buildMachineTypes(binary: ArmBinary, profile: QemuProfile): MachineTypeInfo[] {
  const list = ARM_MACHINES.filter((m) => binary === 'qemu-system-aarch64' || !m.aarch64Only).filter((m) => profile === 'modern' || !/^virt-/.test(m.name) || LEGACY_VIRT.test(m.name));
  return list.map((m) => {
    const isVirt = isVirtMachine(m.name);
    const alias = profile === 'legacy' ? (m.name === 'virt-3.1' ? 'virt' : undefined) : m.alias;
    return { name: m.name, desc: m.desc, ...(alias ? { alias } : {}), ...(m.deprecated ? { deprecated: true } : {}), ...(isVirt ? { properties: VIRT_PROPS } : {}) };
  });
}

/** virt and its versioned types (QEMU's ARM machines have no family: -M help sorts them by name). */
export function isVirtMachine(name: string): boolean {
  return /^virt(-\d+\.\d+)?$/.test(name);
}

/** `-M virt,prop=value`: which properties exist, and which take a boolean. */
export const VIRT_MACHINE_PROPERTIES: ReadonlyMap<string, 'bool' | 'str'> = new Map(VIRT_PROPERTIES.map((p): [string, 'bool' | 'str'] => [p.name, p.type === 'bool' ? 'bool' : 'str']));
