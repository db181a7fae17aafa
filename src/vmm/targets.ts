// Which qemu-system-* `vfioctl qemu` is: the one for the host's architecture (KVM runs the
// host's own), as on real hosts. qemu-system-s390x, the default host's, is always loaded;
// another binary's model loads when a VM starts on a host of its architecture (loadTarget).

import { s390xTarget } from './s390/target.js';
import type { VmmTarget } from './target.js';

const LOADERS: Readonly<Record<string, () => Promise<VmmTarget>>> = {
  aarch64: async () => (await import('./arm/target.js')).aarch64Target,
  arm: async () => (await import('./arm/target.js')).armTarget32,
  ppc64le: async () => (await import('./ppc/target.js')).ppc64Target,
};

const loaded = new Map<string, VmmTarget>([['s390x', s390xTarget]]);

/** Loads the model of the qemu-system-* binary for a host architecture. */
export async function loadTarget(arch: string): Promise<VmmTarget> {
  let t = loaded.get(arch);
  if (!t) {
    const load = LOADERS[arch];
    if (!load) throw new Error(`no qemu-system binary for a ${arch} host`);
    t = await load();
    loaded.set(arch, t);
  }
  return t;
}

export function targetFor(arch: string): VmmTarget {
  const t = loaded.get(arch);
  if (!t) throw new Error(`no qemu-system binary loaded for a ${arch} host: await loadTarget('${arch}') first`);
  return t;
}
