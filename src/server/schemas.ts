// The API's request and response shapes: one zod schema each, used both to validate
// requests and to generate the OpenAPI 3.1 document (so the two never disagree).

import { z } from '@hono/zod-openapi';

/** A sysfs (or /dev, /proc) path in the twin: absolute, no NUL. */
export const SysPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[^\0]*$/, 'must be an absolute path without NUL bytes')
  .openapi({ example: '/sys/bus/ap/apmask' });

export const PathQuery = z.object({ path: SysPath.openapi({ param: { name: 'path', in: 'query' } }) });

export const ErrnoError = z
  .object({
    errno: z.string().openapi({ example: 'EADDRINUSE' }),
    code: z.number().int().openapi({ example: 98 }),
    message: z.string().openapi({ example: 'Address already in use' }),
    op: z.enum(['read', 'write', 'ls', 'readlink', 'realpath', 'stat']),
    path: z.string(),
    log: z.array(z.string()).openapi({ description: 'the kernel log lines the call produced, as dmesg prints them' }),
  })
  .openapi('ErrnoError');

export const BadRequest = z
  .object({
    error: z.literal('bad request'),
    issues: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .openapi('BadRequest');

export const Problem = z.object({ error: z.string() }).openapi('Problem');

export const ReadResult = z.object({ path: z.string(), text: z.string(), base64: z.string() }).openapi('ReadResult');

export const WriteBody = z
  .object({
    path: SysPath,
    value: z.string().max(65536).optional().openapi({ description: 'text to write (echo VALUE > PATH)' }),
    base64: z.string().max(100_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').optional().openapi({ description: 'raw bytes instead of value' }),
    newline: z.boolean().default(true).openapi({ description: 'append a newline to value, as echo does (ignored for base64)' }),
  })
  .strict()
  .refine((b) => (b.value === undefined) !== (b.base64 === undefined), { message: 'give exactly one of value and base64', path: ['value'] })
  .openapi('WriteBody');

export const WriteResult = z.object({ path: z.string(), written: z.number().int(), log: z.array(z.string()) }).openapi('WriteResult');

export const LsResult = z.object({ path: z.string(), names: z.array(z.string()) }).openapi('LsResult');
export const LinkResult = z.object({ path: z.string(), target: z.string() }).openapi('LinkResult');
export const RealpathResult = z.object({ path: z.string(), realpath: z.string() }).openapi('RealpathResult');
export const StatResult = z
  .object({
    path: z.string(),
    kind: z.enum(['dir', 'file', 'link', 'chr']),
    mode: z.number().int(),
    size: z.number().int(),
    rdev: z.object({ major: z.number().int(), minor: z.number().int() }).optional(),
  })
  .openapi('StatResult');

export const DmesgQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).openapi({ param: { name: 'since', in: 'query' }, description: 'the cursor (next) of an earlier call' }),
});

export const LogLine = z.object({ seq: z.number().int(), usec: z.number().int(), text: z.string(), line: z.string() }).openapi('LogLine');
export const DmesgResult = z.object({ entries: z.array(LogLine), next: z.number().int() }).openapi('DmesgResult');

export const Snapshot = z.record(z.string(), z.unknown()).openapi('Snapshot', { description: 'the whole twin as JSON (kernel, VMs, configuration files)' });

export const InitBody = z
  .object({
    preset: z.string().min(1).max(64).optional().openapi({ example: 'doc' }),
    spec: z.record(z.string(), z.unknown()).optional().openapi({ description: 'a HostSpec (see the README)' }),
    profile: z.enum(['modern', 'legacy']).optional(),
  })
  .strict()
  .openapi('InitBody');

export const InitResult = z.object({ arch: z.string(), profile: z.string(), generation: z.number().int() }).openapi('InitResult');

export const ConfigBody = z
  .object({
    op: z.enum(['add', 'remove']),
    resource: z.enum(['adapter', 'domain', 'control-domain']),
    id: z.number().int().min(0).max(255),
    type: z.string().regex(/^CEX[0-9]+[ACP]$/, 'must be a card type such as CEX8C').optional(),
  })
  .strict()
  .openapi('ConfigBody');

export const ExportBody = z
  .object({
    dir: z.string().min(1).max(4096).regex(/^\/[^\0]*$/, 'must be an absolute path without NUL bytes').openapi({ description: "a directory on the server's machine: DIR/sys, DIR/etc and DIR/run are written" }),
    force: z.boolean().default(false).openapi({ description: 'replace an existing DIR/sys' }),
  })
  .strict()
  .openapi('ExportBody');

export const CommandResult = z
  .object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string() })
  .openapi('CommandResult', { description: "what the CLI command prints (mdevctl's or QEMU's exact text) and its exit code" });

const Uuid = z.string().regex(/^[0-9a-fA-F-]{1,64}$/, 'must be a UUID');

export const MdevVerbParam = z.object({
  verb: z.enum(['types', 'list', 'define', 'undefine', 'modify', 'start', 'stop', 'start-parent-mdevs', 'check']).openapi({ param: { name: 'verb', in: 'path' } }),
});

export const MdevBody = z
  .object({
    uuid: Uuid.optional(),
    parent: z.string().min(1).max(256).regex(/^[^\0\s]+$/, 'must be a device name').optional(),
    type: z.string().min(1).max(256).regex(/^[^\0\s]+$/, 'must be a type name').optional(),
    jsonfile: z.record(z.string(), z.unknown()).optional().openapi({ description: "the config mdevctl's --jsonfile would read" }),
    auto: z.boolean().optional(),
    manual: z.boolean().optional(),
    defined: z.boolean().optional(),
    dumpjson: z.boolean().optional(),
    verbose: z.boolean().optional(),
    live: z.boolean().optional(),
    force: z.boolean().optional(),
    addattr: z.string().min(1).max(256).optional(),
    delattr: z.boolean().optional(),
    index: z.number().int().min(0).max(0xffff_ffff).optional(),
    value: z.string().max(65536).optional(),
  })
  .strict()
  .openapi('MdevBody');

export const MaskBody = z
  .object({
    apmask: z.string().min(1).max(1024).optional().openapi({ example: '-5,-6' }),
    aqmask: z.string().min(1).max(1024).optional(),
    persistent: z.boolean().default(false),
  })
  .strict()
  .openapi('MaskBody');

export const CliBody = z
  .object({ argv: z.array(z.string().max(65536).regex(/^[^\0]*$/, 'must not contain NUL')).min(1).max(256) })
  .strict()
  .openapi('CliBody', { description: 'a vfioctl command line (without the program name), run on the served twin' });

export const QemuBody = z
  .object({ argv: z.array(z.string().max(65536).regex(/^[^\0]*$/, 'must not contain NUL')).max(1024) })
  .strict()
  .openapi('QemuBody', { description: "qemu-system-s390x's arguments" });

export const QemuResult = CommandResult.extend({ vm: z.string().optional() }).openapi('QemuResult');

export const VmParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a VM id').openapi({ param: { name: 'id', in: 'path' } }) });

export const MonitorBody = z.object({ command: z.string().min(1).max(4096) }).strict().openapi('MonitorBody');

export const VmRow = z
  .object({ id: z.string(), pid: z.number().int(), status: z.string(), profile: z.string(), machine: z.string(), accel: z.string(), argv: z.array(z.string()), devices: z.array(z.unknown()) })
  .openapi('Vm');

export const TraceQuery = z.object({ vm: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a VM id').optional().openapi({ param: { name: 'vm', in: 'query' } }) });
export const TraceResult = z
  .object({ events: z.array(z.object({ seq: z.number().int(), vm: z.string(), event: z.string(), detail: z.string() })), text: z.string() })
  .openapi('TraceResult');

const MatrixIds = z.object({ adapters: z.array(z.number().int()), domains: z.array(z.number().int()), controlDomains: z.array(z.number().int()) });
export const Grid = z
  .object({
    adapters: z.array(z.number().int()),
    types: z.array(z.string()),
    domains: z.array(z.number().int()),
    controlDomains: z.array(z.number().int()),
    apmask: z.string(),
    aqmask: z.string(),
    mdevs: z.array(z.object({ uuid: z.string(), matrix: MatrixIds, guestMatrix: MatrixIds, vm: z.string().nullable() })),
    cells: z.array(z.number().int()).openapi({ description: 'owner code per adapter x domain, row-major: 0 no queue, 1 host zcrypt, 2 vfio_ap free, 3 unbound, 4+i mdevs[i]' }),
    generation: z.number().int(),
  })
  .openapi('Grid');
