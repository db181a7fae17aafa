// The s390x part of a HostSpec: what the LPAR gives Linux (APXA, max ids, adapters with
// type and mode, usage and control domains), validated so a bad field is named.

import { z } from 'zod';
import { commonSpecFields } from '../host-spec-common.js';
import { CARD_TYPE_RE } from './card-type.js';

/** CEX4..CEX8 followed by A (accelerator), C (CCA coprocessor) or P (EP11 coprocessor). */
export { CARD_TYPE_RE };

const id = z.number().int().min(0).max(255);

const adapterSchema = z.strictObject({
  id,
  type: z.string().regex(CARD_TYPE_RE, 'expected CEX4..CEX8 followed by A, C or P (e.g. CEX7C)'),
});

/** An s390x spec: the fields every arch has, and the LPAR's. */
export const s390xSpecSchema = z
    .strictObject({
      ...commonSpecFields,
      arch: z.literal('s390x'),
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

/** The s390x machine with every default filled in. */
export interface S390xMachine {
  qci: boolean;
  apxa: boolean;
  maxAdapter: number;
  maxDomain: number;
  adapters: { id: number; type: string }[];
  usageDomains: number[];
  controlDomains: number[];
}

type Parsed = z.output<typeof s390xSpecSchema>;

export function normalizeS390x(s: Pick<Parsed, 'qci' | 'apxa' | 'maxAdapter' | 'maxDomain' | 'adapters' | 'usageDomains' | 'controlDomains'>): S390xMachine {
  return {
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

/** The s390x presets named in the CLI (`host init --preset`). */
export const S390X_PRESETS = {
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
} as const;
