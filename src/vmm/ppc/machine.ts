// The machine types of qemu-system-ppc64 (as `-M help` lists them in 7.2; 3.1 stops at
// pseries-3.1) and the pseries machine init the twin runs: the main system bus and the
// default PHB (index 0, bus pci.0).

import type { MachineTypeInfo } from '../options/index.js';
import { BusState, qdevSetParentBus, type TypeRegistry } from '../qdev/qdev.js';
import type { QemuProfile, VmContext } from '../vm-context.js';
import { PPC64_MACHINES, PSERIES_PROPERTIES } from './ppc64-tables.js';
import { SpaprPhb, TYPE_SPAPR_PCI_HOST_BRIDGE } from './spapr-phb.js';

const isPseries = (name: string): boolean => /^pseries-\d/.test(name);

/** pseries-X.Y at or below 3.1 (the 3.1 binary's list). */
function inLegacy(name: string): boolean {
  const m = /^pseries-(\d+)\.(\d+)/.exec(name);
  return !m || Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) <= 1);
}

export function machineTypes(profile: QemuProfile): MachineTypeInfo[] {
  return PPC64_MACHINES.filter((m) => profile === 'modern' || !isPseries(m.name) || inLegacy(m.name)).map((m) => {
    const legacyDefault = profile === 'legacy' && m.name === 'pseries-3.1';
    const base = { name: m.name, desc: m.desc, ...(m.alias ? { alias: m.alias } : {}), ...(m.deprecated ? { deprecated: true } : {}) };
    if (!isPseries(m.name)) return base;
    const isDefault = profile === 'modern' ? m.isDefault === true : legacyDefault;
    const alias = profile === 'modern' ? m.alias : legacyDefault ? 'pseries' : undefined;
    return { ...base, ...(alias ? { alias } : {}), ...(isDefault ? { isDefault: true } : {}), properties: PSERIES_PROPERTIES };
  });
}

/** Properties `-machine pseries,prop=value` may set, by how the value is checked. */
export const MACHINE_PROPERTIES: ReadonlyMap<string, 'bool' | 'str'> = new Map(PSERIES_PROPERTIES.map((p): [string, 'bool' | 'str'] => [p.name, p.type === 'bool' ? 'bool' : 'str']));

export function unmodelledMachine(m: MachineTypeInfo): string | undefined {
  return isPseries(m.name) ? undefined : 'the twin models only the pseries machine';
}

/** models ppc_spapr_init's buses: the system bus, then the default PHB (spapr_create_phb(spapr, 0)). */
export function spaprInit(vm: VmContext, types: TypeRegistry): BusState {
  const sysbus = new BusState('System', 'main-system-bus', undefined);
  const phb = new SpaprPhb(types.lookup(TYPE_SPAPR_PCI_HOST_BRIDGE)!);
  phb.index = 0;
  qdevSetParentBus(phb, sysbus);
  phb.attachBus(vm, 'pci.0');
  phb.realized = true;
  return sysbus;
}
