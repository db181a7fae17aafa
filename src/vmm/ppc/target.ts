// qemu-system-ppc64: the POWER target of the VMM. Machine init models ppc_spapr_init as far
// as the twin needs it: the CPU model name, the TCG capability warnings, the default PHB
// and the guest; RTAS and EEH live on the board (board.ts, spapr-rtas.ts).

import { QEMU_OPTIONS } from '../options/index.js';
import { BusState, qdevSetParentBus } from '../qdev/qdev.js';
import { QEMU_BUILD_VERSIONS, type MachineInit, type VmmTarget } from '../target.js';
import { restoreVfioDevice } from '../vfio/vfio-device-snapshot.js';
import { VfioPciDevice } from '../vfio/vfio-pci.js';
import type { Vm } from '../vm.js';
import { SpaprBoard, type SpaprBoardSnapshot } from './board.js';
import { ppc64DeviceTypes } from './device-types.js';
import { MACHINE_PROPERTIES, machineTypes, spaprInit, unmodelledMachine } from './machine.js';
import { PPC64_CPU_HELP } from './ppc64-tables.js';
import { SpaprPhb, TYPE_SPAPR_PCI_HOST_BRIDGE } from './spapr-phb.js';

export const PPC64_PROGNAME = 'qemu-system-ppc64';
/** The CPU model names `-cpu help` lists (ppc_cpu_class_by_name matches them case-insensitively). */
const CPU_NAMES = new Set([...PPC64_CPU_HELP.matchAll(/^PowerPC (\S+)/gm)].map((m) => m[1]!.toLowerCase()));
/** The spapr capabilities whose 7.2 defaults TCG cannot provide (spapr_caps_apply). */
const TCG_CAP_WARNINGS = ['cap-cfpc=workaround', 'cap-sbbc=workaround', 'cap-ibs=workaround', 'cap-ccf-assist=on'];

function initMachine(init: MachineInit): SpaprBoard {
  const { vm, cl } = init;
  const model = cl.cpu?.text.split(',')[0];
  if (model !== undefined && !(model === 'host' && vm.accel === 'kvm') && !CPU_NAMES.has(model.toLowerCase())) init.fail(`unable to find CPU model '${model}'`);
  const sysbus = spaprInit(vm, vm.types);
  vm.trace('spapr_init', `pseries with PHB 0 (bus pci.0)${vm.accel === 'kvm' ? ' under KVM' : ''}`);
  const board = new SpaprBoard(vm, sysbus, model ?? 'power9_v2.0');
  // models spapr_caps_apply at the first machine reset, after the devices exist
  if (vm.accel === 'tcg' && vm.profile === 'modern') board.machineDone = () => TCG_CAP_WARNINGS.forEach((w) => vm.warn(`TCG doesn't support requested feature, ${w}`));
  return board;
}

function restoreBoard(vm: Vm, saved: unknown): SpaprBoard {
  const s = saved as SpaprBoardSnapshot;
  const sysbus = new BusState('System', 'main-system-bus', undefined);
  for (const p of s.phbs) {
    const phb = new SpaprPhb(vm.types.lookup(TYPE_SPAPR_PCI_HOST_BRIDGE)!);
    phb.index = p.index;
    if (p.id !== undefined) phb.id = p.id;
    phb.opts = p.opts;
    qdevSetParentBus(phb, sysbus);
    phb.attachBus(vm, p.bus);
    phb.realized = true;
    phb.as.tableEnabled = p.tableEnabled;
    for (const c of p.containers) {
      const container = vm.vfio.containers.find((x) => x.fd === c.fd);
      if (container) phb.as.adopt(container, c.window === null ? undefined : BigInt(c.window));
    }
    for (const d of p.devices) {
      const dev = new VfioPciDevice(vm.types.lookup('vfio-pci')!);
      if (d.id !== undefined) dev.id = d.id;
      Object.assign(dev, { opts: d.opts, hotplugged: d.hotplugged, host: d.host, sysfsdev: d.sysfsdev, addr: d.addr, devfn: d.devfn, configOffset: BigInt(d.configOffset), pciAer: d.pciAer });
      dev.config.set(Buffer.from(d.config, 'base64'));
      restoreVfioDevice(vm.vfio, dev.vdev, d, d.sysfsdev ?? `/sys/bus/pci/devices/${d.name}`);
      qdevSetParentBus(dev, phb.bus!);
      phb.bus!.devices.set(d.devfn, dev);
      dev.realized = true;
    }
  }
  return new SpaprBoard(vm, sysbus, s.cpu, s.guest);
}

export const ppc64Target: VmmTarget = {
  progname: PPC64_PROGNAME,
  options: QEMU_OPTIONS,
  versions: QEMU_BUILD_VERSIONS,
  accelerators: ['kvm', 'tcg'],
  deviceTypes: ppc64DeviceTypes,
  machineTypes,
  machineProperties: () => MACHINE_PROPERTIES,
  unmodelledMachine,
  cpuList: () => PPC64_CPU_HELP,
  kvmVmType: () => 0,
  initMachine,
  restoreBoard,
};
