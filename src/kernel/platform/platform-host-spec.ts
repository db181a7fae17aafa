// The ARM part of a HostSpec: the platform devices of the machine's device tree (their
// node, compatible strings, `reg` ranges, GIC interrupts and other properties), plus any
// other nodes the tree needs (fixed clocks, the root's model), validated field by field.

import { z } from 'zod';
import { commonSpecFields } from '../host-spec-common.js';
import { platformDeviceName } from './of-name.js';

export { nodeBaseName, platformDeviceName } from './of-name.js';

/** A node path: `/`-separated node names (`name` or `name@unit`), as in a .dts file. */
const NODE_NAME_RE = /^[A-Za-z0-9,._+-]+(@[A-Za-z0-9,._+-]+)?$/;
export const MAX_SPI = 987;
const U32 = 0xffff_ffff;

const nodePath = z
  .string()
  .refine((p) => p === '/' || (p.startsWith('/') && p.slice(1).split('/').every((n) => NODE_NAME_RE.test(n))), {
    message: 'expected a device-tree node path such as /smb/xgmac@e0700000',
  });

const cell = z.number().int().min(0).max(U32);
const address = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A property value: a string, a string list, 32-bit cells, or raw bytes as hex. */
export const propertyValueSchema = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(cell),
  z.strictObject({ bytes: z.string().regex(/^([0-9a-fA-F]{2})*$/, 'expected an even number of hex digits') }),
]);
export type PropertyValue = z.infer<typeof propertyValueSchema>;

/** Properties the other fields of a platform device set. */
const COMPUTED = new Set(['compatible', 'reg', 'interrupts', 'name']);

const properties = z.record(
  z.string().regex(/^[A-Za-z0-9,._+#?-]+$/, 'expected a property name'),
  propertyValueSchema,
);

export const platformDeviceSchema = z.strictObject({
  node: nodePath.refine((p) => p !== '/', { message: 'a device cannot be the root node' }),
  compatible: z.array(z.string().min(1)).min(1),
  reg: z.array(z.tuple([address, address.min(1)])).default([]),
  interrupts: z.array(z.strictObject({ spi: z.number().int().min(0).max(MAX_SPI), trigger: z.enum(['level', 'edge']) })).default([]),
  properties: properties.default({}),
  iommuGroup: z.string().min(1).optional(),
});

export const dtNodeSchema = z.strictObject({ node: nodePath, properties: properties.default({}) });

/** An ARM spec (aarch64 or 32-bit arm): the fields every arch has, and the device tree's. */
export function platformSpecSchema<A extends 'aarch64' | 'arm'>(arch: A) {
  return z
    .strictObject({
      ...commonSpecFields,
      arch: z.literal(arch),
      platformDevices: z.array(platformDeviceSchema).default([]),
      nodes: z.array(dtNodeSchema).default([]),
    })
    .superRefine((spec, ctx) => {
      const paths = new Set<string>();
      const names = new Set<string>();
      spec.platformDevices.forEach((d, i) => {
        if (paths.has(d.node)) ctx.addIssue({ code: 'custom', path: ['platformDevices', i, 'node'], message: `duplicate node ${d.node}` });
        paths.add(d.node);
        const name = platformDeviceName(d);
        if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['platformDevices', i, 'node'], message: `duplicate device name ${name}` });
        names.add(name);
        for (const key of Object.keys(d.properties)) {
          if (COMPUTED.has(key)) ctx.addIssue({ code: 'custom', path: ['platformDevices', i, 'properties', key], message: `'${key}' is set by the device's own field` });
        }
      });
      spec.nodes.forEach((n, i) => {
        if (paths.has(n.node)) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'node'], message: `duplicate node ${n.node}` });
        paths.add(n.node);
      });
    });
}

export type PlatformDeviceSpec = z.output<typeof platformDeviceSchema>;
export type DtNodeSpec = z.output<typeof dtNodeSchema>;

/** The ARM machine with every default filled in. */
export interface PlatformMachine {
  platformDevices: PlatformDeviceSpec[];
  nodes: DtNodeSpec[];
}
