// Which parts each host architecture has (DESIGN.md, Architectures): nothing else branches on `arch`.

import type { Arch } from '../host-spec.js';
import type { ArchDef } from '../host-part.js';
import { aarch64, arm } from './arm.js';
import { ppc64le } from './ppc64le.js';
import { s390x } from './s390x.js';

export const ARCH_DEFS: Partial<Record<Arch, ArchDef>> = { s390x, aarch64, arm, ppc64le };

export function archDef(arch: Arch): ArchDef {
  const def = ARCH_DEFS[arch];
  if (!def) throw new Error(`no kernel for arch ${arch}`);
  return def;
}
