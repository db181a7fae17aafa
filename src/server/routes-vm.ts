// /api/v1/qemu, /vms, /guests, /trace, /mdev and /ap: QEMU processes on the twin (start from
// an argv, monitor, stop, reset), what their guests see, the realize-flow trace, and the
// management commands (mdevctl's verbs with ap-check's rules, chzdev's AP masks), which run
// the CLI's own code so their output and exit codes are mdevctl's and chzdev's.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { guestCrycb, guestLszcrypt, notRunning, vmList, vmMonitor, vmReset, vmStop, vmTrace } from '../api/vm-commands.js';
import { formatTrace } from '../vmm/trace.js';
import type { CommandOutput } from '../vmm/vm-host.js';
import { common, json } from './responses.js';
import { CommandResult, MaskBody, MdevBody, MdevVerbParam, MonitorBody, QemuBody, QemuResult, TraceQuery, TraceResult, VmParam, VmRow } from './schemas.js';
import type { TwinService } from './twin-service.js';

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const noVm = json(CommandResult, 'no such VM is running (stderr says so)');
const failed = json(CommandResult, 'the command failed: exitCode, stdout and stderr as the CLI prints them');

const routes = {
  qemu: createRoute({
    method: 'post',
    path: '/api/v1/qemu',
    tags: ['vm'],
    summary: 'qemu-system-* ARGV…: the VM keeps running, or QEMU prints its exact error',
    request: body(QemuBody),
    responses: { 200: json(QemuResult, 'QEMU started: vm is its id'), 422: json(QemuResult, "QEMU refused: its exact stderr and exit code"), ...common.body },
  }),
  list: createRoute({ method: 'get', path: '/api/v1/vms', tags: ['vm'], summary: 'the running VMs', responses: { 200: json(VmRow.array(), 'the VMs'), ...common.none } }),
  monitor: createRoute({
    method: 'post',
    path: '/api/v1/vms/{id}/monitor',
    tags: ['vm'],
    summary: 'one HMP command',
    request: { params: VmParam, ...body(MonitorBody) },
    responses: { 200: json(CommandResult, "the monitor's output"), 404: noVm, 422: failed, ...common.body },
  }),
  stop: createRoute({ method: 'post', path: '/api/v1/vms/{id}/stop', tags: ['vm'], summary: 'the QEMU process exits (the kernel closes its files)', request: { params: VmParam }, responses: { 200: json(CommandResult, 'stopped'), 404: noVm, ...common.params } }),
  reset: createRoute({ method: 'post', path: '/api/v1/vms/{id}/reset', tags: ['vm'], summary: "QEMU's system_reset", request: { params: VmParam }, responses: { 200: json(CommandResult, 'reset'), 404: noVm, ...common.params } }),
  lszcrypt: createRoute({ method: 'get', path: '/api/v1/guests/{id}/lszcrypt', tags: ['guest'], summary: 'lszcrypt -V run inside the guest', request: { params: VmParam }, responses: { 200: json(CommandResult, "lszcrypt's output"), 404: noVm, 422: failed, ...common.params } }),
  crycb: createRoute({ method: 'get', path: '/api/v1/guests/{id}/crycb', tags: ['guest'], summary: "the guest's CRYCB masks", request: { params: VmParam }, responses: { 200: json(CommandResult, 'format, APM, AQM, ADM'), 404: noVm, ...common.params } }),
  trace: createRoute({ method: 'get', path: '/api/v1/trace', tags: ['vm'], summary: 'the realize-flow trace of every VM (or one)', request: { query: TraceQuery }, responses: { 200: json(TraceResult, 'the trace'), ...common.params } }),
  mdev: createRoute({
    method: 'post',
    path: '/api/v1/mdev/{verb}',
    tags: ['manage'],
    summary: "mdevctl's verbs (types, list, define, undefine, modify, start, stop, start-parent-mdevs) and check, with ap-check's rules",
    request: { params: MdevVerbParam, ...body(MdevBody) },
    responses: { 200: json(CommandResult, "mdevctl's output"), 422: failed, ...common.body },
  }),
  mask: createRoute({
    method: 'post',
    path: '/api/v1/ap/mask',
    tags: ['manage'],
    summary: "chzdev's AP masks (apmask/aqmask with +/- syntax); with neither, lszdev's table",
    request: body(MaskBody),
    responses: { 200: json(CommandResult, 'done'), 422: failed, ...common.body },
  }),
};

/** mdevctl's options as command-line words, in a fixed order (clap checks relations, not order). */
function mdevArgv(verb: string, b: z.infer<typeof MdevBody>, jsonfile: string | undefined): string[] {
  const argv = ['mdev', verb];
  if (verb === 'start-parent-mdevs') return [...argv, b.parent ?? ''];
  for (const [k, v] of Object.entries(b)) {
    if (k === 'jsonfile' || v === undefined || v === false) continue;
    argv.push(v === true ? `--${k}` : `--${k}=${String(v)}`);
  }
  if (jsonfile) argv.push(`--jsonfile=${jsonfile}`);
  return argv;
}

export function vmRoutes(app: OpenAPIHono, svc: TwinService): void {
  const answer = <C extends Context>(c: C, r: CommandOutput | undefined, id: string) =>
    !r ? c.json(notRunning(id), 404) : r.exitCode === 0 ? c.json(r, 200) : c.json(r, 422);
  app.openapi(routes.qemu, async (c) => {
    const r = await svc.mutate((t) => t.qemu(c.req.valid('json').argv));
    return r.exitCode === 0 ? c.json(r, 200) : c.json(r, 422);
  });
  app.openapi(routes.list, async (c) => c.json(await svc.read((t) => vmList(t)), 200));
  app.openapi(routes.monitor, async (c) => {
    const { id } = c.req.valid('param');
    return answer(c, await svc.mutate((t) => vmMonitor(t, id, c.req.valid('json').command)), id) as never;
  });
  app.openapi(routes.stop, async (c) => {
    const { id } = c.req.valid('param');
    return answer(c, await svc.mutate((t) => vmStop(t, id)), id) as never;
  });
  app.openapi(routes.reset, async (c) => {
    const { id } = c.req.valid('param');
    return answer(c, await svc.mutate((t) => vmReset(t, id)), id) as never;
  });
  app.openapi(routes.lszcrypt, async (c) => {
    const { id } = c.req.valid('param');
    return answer(c, await svc.read((t) => guestLszcrypt(t, id)), id) as never;
  });
  app.openapi(routes.crycb, async (c) => {
    const { id } = c.req.valid('param');
    return answer(c, await svc.read((t) => guestCrycb(t, id)), id) as never;
  });
  app.openapi(routes.trace, async (c) => {
    const events = await svc.read((t) => vmTrace(t, c.req.valid('query').vm));
    return c.json({ events, text: formatTrace(events) }, 200);
  });
  app.openapi(routes.mdev, async (c) => {
    const { verb } = c.req.valid('param');
    const b = c.req.valid('json');
    const argv = mdevArgv(verb, b, b.jsonfile ? '/dev/stdin' : undefined);
    const r = await svc.runCommand({ argv, ...(b.jsonfile ? { stdin: Buffer.from(JSON.stringify(b.jsonfile)) } : {}) });
    return r.exitCode === 0 ? c.json(r, 200) : c.json(r, 422);
  });
  app.openapi(routes.mask, async (c) => {
    const b = c.req.valid('json');
    const argv = ['ap', 'mask', ...(b.apmask !== undefined ? [`--apmask=${b.apmask}`] : []), ...(b.aqmask !== undefined ? [`--aqmask=${b.aqmask}`] : []), ...(b.persistent ? ['--persistent'] : [])];
    const r = await svc.runCommand({ argv });
    return r.exitCode === 0 ? c.json(r, 200) : c.json(r, 422);
  });
}
