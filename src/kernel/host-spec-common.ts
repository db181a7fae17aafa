// The HostSpec fields every architecture has: the behaviour profile and the kernel command line.

import { z } from 'zod';

export const PROFILES = ['modern', 'legacy'] as const;
export type Profile = (typeof PROFILES)[number];

export const commonSpecFields = {
  profile: z.enum(PROFILES).default('modern'),
  /** The kernel command line (/proc/cmdline); `module.param=value` words set built-in module parameters. */
  cmdline: z.string().regex(/^[^\n\0]*$/, 'expected one line of text').default(''),
};
