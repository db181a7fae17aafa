// Tests boot hosts of every architecture directly (Host.boot, new VmManager), where the CLI
// and the library load an architecture's kernel parts and QEMU model on first use
// (loadArch, loadTarget): load them all once per test file.

import { ARCHES } from '../src/kernel/host-spec.js';
import { loadArch } from '../src/kernel/arch/index.js';
import { loadTarget } from '../src/vmm/targets.js';

for (const arch of ARCHES) {
  await loadArch(arch);
  await loadTarget(arch);
}
