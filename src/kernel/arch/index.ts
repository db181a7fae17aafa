// Which parts each host architecture has (DESIGN.md, Architectures): nothing else branches on `arch`.
// s390x, the default host, is always loaded; another architecture's parts load when a host of
// that architecture boots or is restored (loadArch), so no start pays for the others' code.

import { OnDemand } from '../../core/on-demand.js';
import type { Arch } from '../host-spec.js';
import type { ArchDef } from '../host-part.js';
import { s390x } from './s390x.js';

const ARCHES = new OnDemand<Arch, ArchDef>(
  'kernel',
  { s390x },
  {
    aarch64: async () => (await import('./arm.js')).aarch64,
    arm: async () => (await import('./arm.js')).arm,
    ppc64le: async () => (await import('./ppc64le.js')).ppc64le,
  },
);

/** Loads an architecture's parts; Host.boot and Host.restore need it loaded first. */
export const loadArch = (arch: Arch): Promise<ArchDef> => ARCHES.load(arch);

export const archDef = (arch: Arch): ArchDef => ARCHES.get(arch);
