// Which qemu-system-* `vfioctl qemu` is: the one for the host's architecture (KVM runs the
// host's own), as on real hosts. qemu-system-s390x, the default host's, is always loaded;
// another binary's model loads when a VM starts on a host of its architecture (loadTarget).

import { OnDemand } from '../core/on-demand.js';
import { s390xTarget } from './s390/target.js';
import type { VmmTarget } from './target.js';

const TARGETS = new OnDemand<string, VmmTarget>(
  'qemu-system binary',
  { s390x: s390xTarget },
  {
    aarch64: async () => (await import('./arm/target.js')).aarch64Target,
    arm: async () => (await import('./arm/target.js')).armTarget32,
    ppc64le: async () => (await import('./ppc/target.js')).ppc64Target,
  },
);

/** Loads the model of the qemu-system-* binary for a host architecture. */
export const loadTarget = (arch: string): Promise<VmmTarget> => TARGETS.load(arch);

export const targetFor = (arch: string): VmmTarget => TARGETS.get(arch);
