// HostSpec: the machine the LPAR gives Linux (DESIGN.md, Seams), validated with a schema
// so a bad spec is refused with the field it is wrong in.

import { z } from 'zod';
import { CARD_TYPE_RE } from './ap/card-type.js';

export const PROFILES = ['modern', 'legacy'] as const;
export type Profile = (typeof PROFILES)[number];

export { CARD_TYPE_RE };

const id = z.number().int().min(0).max(255);

const adapterSchema = z.strictObject({
  id,
  type: z.string().regex(CARD_TYPE_RE, 'expected CEX4..CEX8 followed by A, C or P (e.g. CEX7C)'),
});

export const hostSpecSchema = z
  .strictObject({
    profile: z.enum(PROFILES).default('modern'),
    qci: z.boolean().default(true),
    apxa: z.boolean().default(true),
    maxAdapter: id.optional(),
    maxDomain: id.optional(),
    adapters: z.array(adapterSchema).default([]),
    usageDomains: z.array(id).default([]),
    controlDomains: z.array(id).optional(),
  })
  .superRefine((spec, ctx) => {
    const maxAdapter = spec.maxAdapter ?? (spec.apxa ? 255 : 63);
    const maxDomain = spec.maxDomain ?? (spec.apxa ? 255 : 15);
    const seen = new Set<number>();
    spec.adapters.forEach((a, i) => {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['adapters', i, 'id'], message: `duplicate adapter id ${a.id}` });
      seen.add(a.id);
      if (a.id > maxAdapter)
        ctx.addIssue({ code: 'custom', path: ['adapters', i, 'id'], message: `adapter id ${a.id} exceeds the maximum adapter id ${maxAdapter}` });
    });
    const domains = (key: 'usageDomains' | 'controlDomains', list: number[] | undefined) => {
      const dup = new Set<number>();
      list?.forEach((d, i) => {
        if (dup.has(d)) ctx.addIssue({ code: 'custom', path: [key, i], message: `duplicate domain ${d}` });
        dup.add(d);
        if (d > maxDomain) ctx.addIssue({ code: 'custom', path: [key, i], message: `domain ${d} exceeds the maximum domain id ${maxDomain}` });
      });
    };
    domains('usageDomains', spec.usageDomains);
    domains('controlDomains', spec.controlDomains);
  });

export type HostSpecInput = z.input<typeof hostSpecSchema>;

/** A validated spec with every default filled in. */
export interface HostSpec {
  profile: Profile;
  qci: boolean;
  apxa: boolean;
  maxAdapter: number;
  maxDomain: number;
  adapters: { id: number; type: string }[];
  usageDomains: number[];
  controlDomains: number[];
}

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
  return {
    profile: s.profile,
    qci: s.qci,
    apxa: s.apxa,
    maxAdapter: s.maxAdapter ?? (s.apxa ? 255 : 63),
    maxDomain: s.maxDomain ?? (s.apxa ? 255 : 15),
    adapters: [...s.adapters].sort((a, b) => a.id - b.id),
    usageDomains: [...s.usageDomains].sort((a, b) => a - b),
    controlDomains: [...(s.controlDomains ?? s.usageDomains)].sort((a, b) => a - b),
  };
}

const range = (first: number, last: number): number[] => Array.from({ length: last - first + 1 }, (_, i) => first + i);

/** Presets named in the CLI (`host init --preset`). */
export const PRESETS = {
  // The host of Documentation/arch/s390/vfio-ap.rst's examples.
  doc: {
    adapters: [
      { id: 0x05, type: 'CEX5C' },
      { id: 0x06, type: 'CEX5A' },
    ],
    usageDomains: [0x04, 0x47, 0xab, 0xff],
  },
  // A z16 LPAR: CEX8 adapters in all three modes and 85 domains (ap_max_domain_id 0x54).
  z16: {
    maxDomain: 84,
    adapters: [
      { id: 0x00, type: 'CEX8C' },
      { id: 0x01, type: 'CEX8C' },
      { id: 0x02, type: 'CEX8C' },
      { id: 0x03, type: 'CEX8P' },
      { id: 0x04, type: 'CEX8P' },
      { id: 0x05, type: 'CEX8A' },
      { id: 0x08, type: 'CEX8C' },
      { id: 0x09, type: 'CEX8P' },
    ],
    usageDomains: range(0, 84),
  },
  // The architectural maximum: 256 adapters x 256 domains.
  max: {
    adapters: range(0, 255).map((id) => ({ id, type: `CEX8${'CPA'[id % 3]}` })),
    usageDomains: range(0, 255),
  },
} as const satisfies Record<string, HostSpecInput>;

export type PresetName = keyof typeof PRESETS;

export function presetSpec(name: PresetName, profile?: Profile): HostSpec {
  return parseHostSpec({ ...PRESETS[name], ...(profile ? { profile } : {}) });
}
