// Which parts each host architecture has (DESIGN.md, Architectures): nothing else branches on `arch`.
// s390x, the default host, is always loaded; another architecture's parts load when a host of
// that architecture boots or is restored (loadArch), so no start pays for the others' code.

import type { Arch } from '../host-spec.js';
import type { ArchDef } from '../host-part.js';
import { s390x } from './s390x.js';

const LOADERS: Readonly<Partial<Record<Arch, () => Promise<ArchDef>>>> = {
  aarch64: async () => (await import('./arm.js')).aarch64,
  arm: async () => (await import('./arm.js')).arm,
  ppc64le: async () => (await import('./ppc64le.js')).ppc64le,
};

const loaded = new Map<Arch, ArchDef>([['s390x', s390x]]);

/** Loads an architecture's parts; Host.boot and Host.restore need it loaded first. */
export async function loadArch(arch: Arch): Promise<ArchDef> {
  let def = loaded.get(arch);
  if (!def) {
    const load = LOADERS[arch];
    if (!load) throw new Error(`no kernel for arch ${arch}`);
    def = await load();
    loaded.set(arch, def);
  }
  return def;
}

export function archDef(arch: Arch): ArchDef {
  const def = loaded.get(arch);
  if (!def) throw new Error(`the ${arch} kernel is not loaded: await loadArch('${arch}') first`);
  return def;
}
