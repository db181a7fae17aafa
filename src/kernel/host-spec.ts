// HostSpec: the machine a twin kernel boots on (DESIGN.md, Seams). `arch` picks the parts
// (s390x: the LPAR's AP configuration; aarch64/arm: the device tree's platform devices);
// every arch has a profile and a kernel command line. Validated with a schema so a bad
// spec is refused with the field it is wrong in; a spec without `arch` is s390x.

import { z } from 'zod';
import { normalizeS390x, s390xSpecSchema, S390X_PRESETS } from './ap/ap-host-spec.js';
import { platformSpecSchema } from './platform/platform-host-spec.js';
import { PLATFORM_PRESETS } from './platform/platform-presets.js';
import { ppc64leSpecSchema } from './pci/pci-host-spec.js';
import { PCI_PRESETS } from './pci/pci-presets.js';

export { CARD_TYPE_RE } from './ap/ap-host-spec.js';

export { PROFILES, type Profile } from './host-spec-common.js';
import type { Profile } from './host-spec-common.js';

/** Host architectures. */
export const ARCHES = ['s390x', 'aarch64', 'arm', 'ppc64le'] as const;
export type Arch = (typeof ARCHES)[number];

export const hostSpecSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('arch' in v) ? { ...v, arch: 's390x' } : v),
  z.discriminatedUnion('arch', [s390xSpecSchema, platformSpecSchema('aarch64'), platformSpecSchema('arm'), ppc64leSpecSchema]),
);

export type HostSpecInput = Record<string, unknown>;

export { ppc64leSpec, s390xSpec, type HostSpec, type PlatformHostSpec, type Ppc64leHostSpec, type S390xHostSpec } from './host-spec-types.js';
import type { HostSpec } from './host-spec-types.js';

export class HostSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostSpecError';
  }
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Validates untrusted input (parsed JSON); the error names the first bad field. */
export function parseHostSpec(input: unknown): HostSpec {
  const result = hostSpecSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = fieldPath(issue.path);
    throw new HostSpecError(`invalid host spec: ${where ? `${where}: ` : ''}${issue.message}`);
  }
  const s = result.data;
  const base = { profile: s.profile, cmdline: s.cmdline };
  if (s.arch === 's390x') return { arch: 's390x', ...base, ...normalizeS390x(s) };
  if (s.arch === 'ppc64le') return { arch: 'ppc64le', ...base, eeh: s.eeh, phbs: s.phbs };
  return { arch: s.arch, ...base, platformDevices: s.platformDevices, nodes: s.nodes };
}

/** Presets named in the CLI (`host init --preset`). */
export const PRESETS = { ...S390X_PRESETS, ...PLATFORM_PRESETS, ...PCI_PRESETS } as const satisfies Record<string, HostSpecInput>;

export type PresetName = keyof typeof PRESETS;

export function presetSpec(name: PresetName, profile?: Profile): HostSpec {
  return parseHostSpec({ ...PRESETS[name], ...(profile ? { profile } : {}) });
}
