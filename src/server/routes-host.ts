// /api/v1/host, /dmesg, /snapshot, /grid and /cli: the host as a whole — boot it, change the
// LPAR's configuration, read the kernel log with a cursor, save and restore the whole twin,
// the adapter x domain matrix, and any vfioctl command line.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { apGrid } from '../api/ap-grid.js';
import { ApiError } from '../api/errors.js';
import { bootHost } from '../api/boot.js';
import { Twin, type TwinSnapshot } from '../api/twin.js';
import { findAp, HostConfigError } from '../kernel/ap/ap-subsystem.js';
import { common, json, problem422, rethrowUnless } from './responses.js';
import { CliBody, CommandResult, ConfigBody, ExportBody, DmesgQuery, DmesgResult, Grid, InitBody, InitResult, Snapshot } from './schemas.js';
import type { TwinService } from './twin-service.js';

const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

/** Commands that would leave this process or work around it: not through the API. */
const NOT_VIA_API = new Set(['serve', 'mount', 'umount', 'demo']);

const routes = {
  dmesg: createRoute({
    method: 'get',
    path: '/api/v1/dmesg',
    tags: ['host'],
    summary: 'the kernel log from a cursor on (`next` is the cursor of the next call)',
    request: { query: DmesgQuery },
    responses: { 200: json(DmesgResult, 'the lines'), ...common.params },
  }),
  getSnapshot: createRoute({
    method: 'get',
    path: '/api/v1/snapshot',
    tags: ['host'],
    summary: 'the whole twin as JSON',
    responses: { 200: json(Snapshot, 'the snapshot'), ...common.none },
  }),
  putSnapshot: createRoute({
    method: 'put',
    path: '/api/v1/snapshot',
    tags: ['host'],
    summary: 'replace the whole twin by a snapshot (reset between test cases)',
    request: body(Snapshot),
    responses: { 204: { description: 'restored and saved' }, ...common.body, ...problem422 },
  }),
  init: createRoute({
    method: 'post',
    path: '/api/v1/host/init',
    tags: ['host'],
    summary: 'boot a fresh twin from a preset or a HostSpec, replacing the served one',
    request: body(InitBody),
    responses: { 200: json(InitResult, 'booted and saved'), ...common.body, ...problem422 },
  }),
  config: createRoute({
    method: 'post',
    path: '/api/v1/host/config',
    tags: ['host'],
    summary: "the LPAR's AP configuration changes (an adapter, domain or control domain comes or goes), then the AP bus rescans",
    request: body(ConfigBody),
    responses: { 204: { description: 'changed and saved' }, ...common.body, ...problem422 },
  }),
  export: createRoute({
    method: 'post',
    path: '/api/v1/host/export',
    tags: ['host'],
    summary: "the twin's /sys as a real tree under DIR/sys, its configuration files under DIR/etc and DIR/run (vfioctl host export)",
    request: body(ExportBody),
    responses: { 200: json(CommandResult, 'exported: what the command printed'), 422: json(CommandResult, 'refused: what the command printed'), ...common.body },
  }),
  grid: createRoute({
    method: 'get',
    path: '/api/v1/grid',
    tags: ['host'],
    summary: 'the adapter x domain matrix with the owner of every queue, the control domains and the mdevs',
    responses: { 200: json(Grid, 'the matrix'), ...common.none, ...problem422 },
  }),
  cli: createRoute({
    method: 'post',
    path: '/api/v1/cli',
    tags: ['cli'],
    summary: 'run a vfioctl command line on the served twin (what the CLI prints, and its exit code)',
    request: body(CliBody),
    responses: { 200: json(CommandResult, 'the command ran (see exitCode)'), ...common.body },
  }),
};

export function hostRoutes(app: OpenAPIHono, svc: TwinService): void {
  app.openapi(routes.dmesg, async (c) => c.json(await svc.read((t) => t.dmesg(c.req.valid('query').since)), 200));
  app.openapi(routes.getSnapshot, async (c) => c.json(await svc.read((t) => t.snapshot() as Record<string, unknown>), 200));
  app.openapi(routes.putSnapshot, async (c) => {
    const snap = c.req.valid('json') as TwinSnapshot;
    try {
      let twin: Twin;
      try {
        twin = await Twin.restore(snap, { eagerVms: true, now: svc.store.clock.now });
      } catch (e) {
        throw new ApiError(`not a twin snapshot: ${(e as Error).message}`);
      }
      await svc.replaceTwin(twin, 'restore');
      return c.body(null, 204);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  app.openapi(routes.init, async (c) => {
    try {
      // the store's clock: a journal replay can pin it to each write's time
      const host = await bootHost({ ...c.req.valid('json'), now: svc.store.clock.now });
      await svc.replaceTwin(Twin.fromHost(host), 'host init');
      return c.json({ arch: host.spec.arch, profile: host.profile, generation: svc.live.generation }, 200);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  app.openapi(routes.config, async (c) => {
    const { op, resource, id, type } = c.req.valid('json');
    try {
      await svc.mutate((t) =>
        t.change(`host config ${op} ${resource} ${id}`, () => {
          const ap = findAp(t.host);
          if (!ap) throw new ApiError(`an ${t.host.spec.arch} host has no AP bus`);
          try {
            ap.configChange(op, resource, id, type);
          } catch (e) {
            if (e instanceof HostConfigError) throw new ApiError(`host config: ${e.message}`);
            throw e;
          }
        }),
      );
      return c.body(null, 204);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  app.openapi(routes.export, async (c) => {
    const { dir, force } = c.req.valid('json');
    const r = await svc.runCommand({ argv: ['host', 'export', ...(force ? ['--force'] : []), dir] });
    return r.exitCode === 0 ? c.json(r, 200) : c.json(r, 422);
  });
  app.openapi(routes.grid, async (c) => {
    try {
      const grid = await svc.read(async (t) => {
        if (!findAp(t.host)) throw new ApiError(`an ${t.host.spec.arch} host has no AP bus`);
        return { ...apGrid(t.host, await t.vms()), generation: t.generation };
      });
      return c.json(grid, 200);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  app.openapi(routes.cli, async (c) => {
    const { argv } = c.req.valid('json');
    const refused = argv.find((a) => a === '--state' || a.startsWith('--state=') || a === '--root' || a.startsWith('--root='));
    const word = argv.find((a) => !a.startsWith('-'));
    if (refused || (word && NOT_VIA_API.has(word)))
      return c.json({ error: 'bad request' as const, issues: [{ field: 'argv', message: `${refused ?? word} does not work through the API: it names another twin or process` }] }, 400);
    return c.json(await svc.runCommand({ argv }), 200);
  });
}
