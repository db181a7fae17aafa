// qemu-system-aarch64 and qemu-system-arm: the ARM targets of the VMM. Machine init models
// virt's machvirt_init as far as passthrough needs it: the CPU model (its DT compatible),
// the GIC (in-kernel under KVM), the platform bus, the -m size and dumpdtb.

import { memoized } from '../../core/memoized.js';
import { QemuOptsError, keyvalGetString, parseCpuOption, parseQemuBool } from '../options/index.js';
import { QEMU_BUILD_VERSIONS, type MachineInit, type VmmTarget } from '../target.js';
import type { Vm } from '../vm.js';
import { ArmBoard, type ArmBoardSnapshot } from './board.js';
import { CPU_HELP } from './captured-machine-table.js';
import { armDeviceTypes } from './device-types.js';
import { VIRT_MACHINE_PROPERTIES, armMachineTypes, isVirtMachine, type ArmBinary } from './machine.js';
import { ARM_OPTIONS } from './options.js';

/** The CPU models of `-cpu help` (and host, under KVM). */
const cpuModels = memoized((binary: ArmBinary): string[] =>
  CPU_HELP[binary]
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean),
);

const V8_CPUS = /^(cortex-a(35|53|55|57|72|76|710)|a64fx|neoverse-.*|max|host)$/;

/** The cpu node (ARMCPU dtb_compatible), whether the core is ARMv8, and whether it runs AArch64 (PSCI's SMC64 ids). */
function cpuDt(model: string, binary: ArmBinary): { compatible: string; v8: boolean; smc64: boolean } {
  const v8 = V8_CPUS.test(model);
  const smc64 = v8 && binary === 'qemu-system-aarch64';
  // 7.2's TCG `max` reports itself as a Cortex-A57; KVM's `host` as a generic ARMv8
  const compatible = model === 'host' ? 'arm,arm-v8' : model === 'max' ? 'arm,cortex-a57' : `arm,${model}`;
  return { compatible, v8, smc64 };
}

/** /chosen's rng-seed and kaslr-seed: QEMU takes them from the host's RNG; the twin derives them from the VM id. */
function seeds(id: string): number[] {
  let h = 0x811c9dc5;
  const out: number[] = [];
  for (let i = 0; i < 10; i++) {
    for (const c of `${id}/${i}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h);
  }
  return out;
}

function initMachine(binary: ArmBinary, init: MachineInit): ArmBoard {
  const { vm, cl, machine } = init;
  const virt = isVirtMachine(machine.name);
  const models = cpuModels(binary);
  const cpuText = cl.cpu?.text ?? 'cortex-a15';
  let model: string;
  try {
    model = parseCpuOption(cpuText, (m) => (models.includes(m) || (m === 'host' && vm.accel === 'kvm') ? m : undefined)).model;
  } catch (e) {
    if (e instanceof QemuOptsError) init.fail(e.qemuMessage, e.hint);
    throw e;
  }
  // models kvm_arch_init_vcpu: KVM runs only the host's own core (Seattle: Cortex-A57; Midway: Cortex-A15)
  if (vm.accel === 'kvm' && !['host', 'max', binary === 'qemu-system-aarch64' ? 'cortex-a57' : 'cortex-a15'].includes(model)) {
    init.fail('KVM is not supported for this guest CPU type', `${binary}: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Invalid argument\n`);
  }
  const dt = cpuDt(model, binary);
  vm.trace('machvirt_init', `${machine.name}: ${model} CPU, ${vm.accel === 'kvm' ? 'in-kernel GICv2' : 'emulated GICv2'}, platform bus at 0xc000000 (SPIs 112..175)`);
  const dumpdtb = keyvalGetString(cl.machine, 'dumpdtb');
  const highmemOpt = keyvalGetString(cl.machine, 'highmem');
  return new ArmBoard(vm, {
    virt,
    cpu: model,
    ...(dumpdtb !== undefined ? { dumpdtb } : {}),
    fdt: {
      platformBusNode: vm.profile === 'modern' ? 'platform-bus@c000000' : 'platform@c000000',
      ramSize: vm.vfio.ram.size,
      cpuCompatible: dt.compatible,
      v8Cpu: dt.v8,
      smc64: dt.smc64,
      // -M virt,highmem=off, or arm_pamax: qemu-system-arm's `max` reaches 32 bits of PA, so virt turns highmem off
      highmem: highmemOpt !== undefined ? parseQemuBool('highmem', highmemOpt) : !(binary === 'qemu-system-arm' && model === 'max'),
      seeds: seeds(vm.id),
    },
  });
}

function restoreBoard(vm: Vm, saved: unknown): ArmBoard {
  const s = saved as ArmBoardSnapshot;
  const config = { ...s.config, fdt: { ...s.config.fdt, ramSize: BigInt(s.config.fdt.ramSize) } };
  const board = new ArmBoard(vm, config, s);
  vm.board = board;
  board.restoreDevices(s.devices);
  return board;
}

function armTarget(binary: ArmBinary): VmmTarget {
  return {
    progname: binary,
    options: ARM_OPTIONS,
    versions: QEMU_BUILD_VERSIONS,
    accelerators: ['kvm', 'tcg'],
    deviceTypes: (profile) => armDeviceTypes(binary, profile),
    machineTypes: (profile) => armMachineTypes(binary, profile),
    machineProperties: (m) => (isVirtMachine(m.name) ? VIRT_MACHINE_PROPERTIES : new Map()),
    unmodelledMachine: (m) => (isVirtMachine(m.name) || m.name === 'none' ? undefined : 'the twin models only the virt machine'),
    cpuList: () => CPU_HELP[binary],
    kvmVmType: () => 0,
    initMachine: (init) => initMachine(binary, init),
    restoreBoard,
  };
}

export const aarch64Target = armTarget('qemu-system-aarch64');
export const armTarget32 = armTarget('qemu-system-arm');
