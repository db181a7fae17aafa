// The shapes of a validated HostSpec, without the schemas that validate one: what the
// kernel reads at boot and restore. The schemas (zod) live in the *-host-spec files and
// load only where a spec is parsed (host init, demo), never on a command's start path.

import type { S390xMachine } from './ap/ap-host-spec.js';
import type { Profile } from './host-spec-common.js';
import type { PlatformMachine } from './platform/platform-host-spec.js';
import type { Ppc64leMachine } from './pci/pci-host-spec.js';

interface CommonSpec {
  profile: Profile;
  cmdline: string;
}

export type S390xHostSpec = CommonSpec & { arch: 's390x' } & S390xMachine;
export type PlatformHostSpec = CommonSpec & { arch: 'aarch64' | 'arm' } & PlatformMachine;
export type Ppc64leHostSpec = CommonSpec & { arch: 'ppc64le' } & Ppc64leMachine;

/** A validated spec with every default filled in. */
export type HostSpec = S390xHostSpec | PlatformHostSpec | Ppc64leHostSpec;

/** The s390x spec of an s390x host (the AP parts need its LPAR fields). */
export function s390xSpec(spec: HostSpec): S390xHostSpec {
  if (spec.arch !== 's390x') throw new Error(`not an s390x host (arch ${spec.arch})`);
  return spec;
}

/** The POWER spec of a ppc64le host (the PCI part needs its PHBs). */
export function ppc64leSpec(spec: HostSpec): Ppc64leHostSpec {
  if (spec.arch !== 'ppc64le') throw new Error(`not a ppc64le host (arch ${spec.arch})`);
  return spec;
}
