// The POWER part of a HostSpec: the PCI host bridges (one PCI domain each) and, on each,
// the partitionable endpoints with their functions (BDF, ids, BARs, host driver). Every
// PHB also has its root port at 00:00.0, as PowerNV's PHB4 shows it.

import { z } from 'zod';
import { commonSpecFields } from '../host-spec-common.js';

const SLOT_RE = /^[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;
const u16 = z.number().int().min(0).max(0xffff);

export const pciBarSchema = z.strictObject({
  index: z.number().int().min(0).max(5),
  size: z.number().int().min(0x1000).max(2 ** 40).refine((n) => Number.isInteger(Math.log2(n)), { message: 'expected a power of two' }),
  kind: z.enum(['mem32', 'mem64']),
  prefetch: z.boolean().default(false),
});

export const pciFunctionSchema = z.strictObject({
  /** bus:device.function in the PHB's domain, lower-case hex ("01:00.0"). */
  slot: z.string().regex(SLOT_RE, 'expected bus:device.function such as 01:00.0'),
  vendor: u16,
  device: u16,
  subsystemVendor: u16.default(0),
  subsystemDevice: u16.default(0),
  /** The 24-bit class code (class, subclass, prog-if). */
  class: z.number().int().min(0).max(0xffffff),
  revision: z.number().int().min(0).max(0xff).default(0),
  bars: z.array(pciBarSchema).default([]),
  /** The host driver that claims it at boot (null: none). */
  driver: z.string().min(1).nullable().default(null),
  interruptPin: z.number().int().min(0).max(4).default(1),
});

export const peSchema = z.strictObject({
  /** The PE number on its PHB. */
  pe: z.number().int().min(0).max(0xfe),
  functions: z.array(pciFunctionSchema).min(1),
});

export const phbSchema = z.strictObject({
  domain: z.number().int().min(0).max(0xffff),
  pes: z.array(peSchema).default([]),
});

export const ppc64leSpecSchema = z
  .strictObject({
    ...commonSpecFields,
    arch: z.literal('ppc64le'),
    /** eeh_enabled(): the platform's EEH (off as with `eeh=off`). */
    eeh: z.boolean().default(true),
    phbs: z.array(phbSchema).min(1),
  })
  .superRefine((spec, ctx) => {
    const domains = new Set<number>();
    spec.phbs.forEach((phb, i) => {
      if (domains.has(phb.domain)) ctx.addIssue({ code: 'custom', path: ['phbs', i, 'domain'], message: `duplicate domain ${phb.domain}` });
      domains.add(phb.domain);
      const slots = new Set<string>(['00:00.0']);
      const pes = new Set<number>();
      phb.pes.forEach((pe, j) => {
        if (pes.has(pe.pe)) ctx.addIssue({ code: 'custom', path: ['phbs', i, 'pes', j, 'pe'], message: `duplicate PE ${pe.pe}` });
        pes.add(pe.pe);
        pe.functions.forEach((f, k) => {
          if (slots.has(f.slot)) ctx.addIssue({ code: 'custom', path: ['phbs', i, 'pes', j, 'functions', k, 'slot'], message: `duplicate slot ${f.slot}` });
          slots.add(f.slot);
        });
      });
    });
  });

export type PciFunctionSpec = z.output<typeof pciFunctionSchema>;
export type PciBarSpec = z.output<typeof pciBarSchema>;
export type PeSpec = z.output<typeof peSchema>;
export type PhbSpec = z.output<typeof phbSchema>;

/** The POWER machine with every default filled in. */
export interface Ppc64leMachine {
  eeh: boolean;
  phbs: PhbSpec[];
}
