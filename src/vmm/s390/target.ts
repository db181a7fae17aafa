// qemu-system-s390x: the s390x target of the VMM. Machine init models s390_init_cpus (the
// CPU model with its AP features, applied through KVM) and ccw_init (the channel subsystem
// bridge, and the AP bridge when the CPU model has `ap`).

import { QEMU_OPTIONS, QemuOptsError, formatGlobalPropertyError, parseCpuOption, parseQemuBool } from '../options/index.js';
import { QEMU_BUILD_VERSIONS, type MachineInit, type VmmTarget } from '../target.js';
import type { Vm } from '../vm.js';
import { s390InitAp } from './ap-bridge.js';
import { S390Board, type S390BoardSnapshot } from './board.js';
import { CPU_DEFINITIONS, CPU_FEATURE_NAMES, S390CpuModel, findCpuDefinition, formatCpuHelp, isApFeature, realizeCpuModel, type ApFeature } from './cpu-model.js';
import { s390xDeviceTypes } from './device-types.js';
import { kvmApplyCpuModel, kvmHostCpuModel } from './kvm-cpu-model.js';
import { MACHINE_PROPERTIES, ccwInit, machineTypes } from './machine.js';
import { restoreVfioApDevices } from './restore-devices.js';

export const S390X_PROGNAME = 'qemu-system-s390x';

const AP_ORDER: readonly ApFeature[] = ['ap', 'apqci', 'apft', 'apqi'];

/** models s390_init_cpus → s390_realize_cpu_model, then ccw_init. */
function initMachine(init: MachineInit): S390Board {
  const { vm, cl, kvm } = init;
  // models parse_cpu_option and the CPU's global properties
  const cpuText = cl.cpu?.text ?? (vm.accel === 'kvm' ? 'host' : 'qemu');
  let cpuOpt;
  try {
    cpuOpt = parseCpuOption(cpuText, (m) => (findCpuDefinition(m) ? `${m}-s390x-cpu` : undefined));
  } catch (e) {
    if (e instanceof QemuOptsError) init.fail(e.qemuMessage, e.hint);
    throw e;
  }
  const def = findCpuDefinition(cpuOpt.model)!;
  const switches: [ApFeature, boolean][] = [];
  for (const f of cpuOpt.features) {
    const typeName = `${def.name}-s390x-cpu`;
    if (!CPU_FEATURE_NAMES.has(f.name)) init.fail(formatGlobalPropertyError(typeName, f.name, f.value, `Property '${typeName}.${f.name}' not found`));
    try {
      const on = parseQemuBool(f.name, f.value);
      // only the AP features are modelled; the other recognized features are accepted as given
      if (isApFeature(f.name)) switches.push([f.name, on]);
    } catch (e) {
      if (e instanceof QemuOptsError) init.fail(formatGlobalPropertyError(typeName, f.name, f.value, e.qemuMessage));
      throw e;
    }
  }
  const max = kvm ? kvmHostCpuModel(vm.sys, kvm.vmFd) : { max: { features: new Set<ApFeature>() }, facilities: undefined };
  const r = realizeCpuModel(def, switches, max.max, vm.accel === 'kvm');
  for (const w of r.warnings) init.warn(w);
  if (r.error) init.fail(r.error.message);
  if (kvm && max.facilities) kvmApplyCpuModel(vm.sys, kvm.vmFd, max.facilities, r.model);
  vm.trace('s390_realize_cpu_model', `${def.name}: ${AP_ORDER.map((f) => `${f}=${r.model.has(f) ? 'on' : 'off'}`).join(' ')}`);
  // models ccw_init: buses, then the AP bridge when the CPU model has `ap`
  const sysbus = ccwInit();
  if (r.model.has('ap')) {
    s390InitAp(vm, sysbus);
    vm.trace('s390_init_ap', 'ap-bridge with ap-bus (max_dev 1)');
  }
  return new S390Board(vm, r.model, sysbus);
}

function restoreBoard(vm: Vm, saved: unknown): S390Board {
  const s = saved as S390BoardSnapshot;
  const def = findCpuDefinition(s.cpu.model) ?? CPU_DEFINITIONS[0]!;
  const sysbus = ccwInit();
  const apBus = s.apBus ? s390InitAp(vm, sysbus) : undefined;
  const board = new S390Board(vm, new S390CpuModel(def, new Set(s.cpu.features)), sysbus, s.guest);
  if (apBus) restoreVfioApDevices(vm, apBus, s.devices);
  return board;
}

export const s390xTarget: VmmTarget = {
  progname: S390X_PROGNAME,
  options: QEMU_OPTIONS,
  versions: QEMU_BUILD_VERSIONS,
  // the accelerators of a KVM build (accel_builtin_list order)
  accelerators: ['kvm', 'tcg'],
  deviceTypes: s390xDeviceTypes,
  machineTypes,
  machineProperties: () => MACHINE_PROPERTIES,
  unmodelledMachine: (m) => (m.name === 'none' ? 'the twin models only the s390-ccw-virtio machine' : undefined),
  cpuList: formatCpuHelp,
  kvmVmType: () => 0,
  initMachine,
  restoreBoard,
};
