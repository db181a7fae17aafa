// /api/v1/sys/*: the twin's sysfs as cat, echo, ls, readlink, realpath and stat see it.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { common, errnoResponses, json, rethrowUnless } from './responses.js';
import { LinkResult, LsResult, PathQuery, ReadResult, RealpathResult, StatResult, WriteBody, WriteResult } from './schemas.js';
import type { LiveTwin } from '../api/live-twin.js';
import type { TwinService } from './twin-service.js';

const get = <T extends z.ZodType, S extends 403 | 404 | 409 | 422>(name: string, summary: string, schema: T, errnos: S[]) =>
  createRoute({
    method: 'get',
    path: `/api/v1/sys/${name}`,
    tags: ['sysfs'],
    summary,
    request: { query: PathQuery },
    responses: { 200: json(schema, 'the answer'), ...errnoResponses(...errnos), ...common.params },
  });

const write = createRoute({
  method: 'post',
  path: '/api/v1/sys/write',
  tags: ['sysfs'],
  summary: 'one write(2) of value (plus a newline, as echo does) or of raw bytes',
  request: { body: { content: { 'application/json': { schema: WriteBody } }, required: true } },
  responses: { 200: json(WriteResult, 'the count the file accepted, and the kernel log lines the write produced'), ...errnoResponses(403, 404, 409, 422), ...common.body },
});

export function sysRoutes(app: OpenAPIHono, svc: TwinService): void {
  app.openapi(get('read', "a file's bytes (cat)", ReadResult, [403, 404, 422]), async (c) => {
    const { path } = c.req.valid('query');
    try {
      const bytes = Buffer.from(await svc.read((t) => t.read(path)));
      return c.json({ path, text: bytes.toString('utf8'), base64: bytes.toString('base64') }, 200);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  app.openapi(write, async (c) => {
    const body = c.req.valid('json');
    const data = body.base64 !== undefined ? Buffer.from(body.base64, 'base64') : Buffer.from(body.newline ? `${body.value}\n` : body.value!, 'utf8');
    try {
      const { written, log } = await svc.journaledWrite(body.path, data);
      return c.json({ path: body.path, written, log }, 200);
    } catch (e) {
      return rethrowUnless(c, e) as never;
    }
  });
  // ls, readlink, realpath and stat answer `{ path, …what the call returned }`
  const lookup = <T extends z.ZodType, S extends 403 | 404 | 409 | 422>(name: string, summary: string, schema: T, errnos: S[], answer: (t: LiveTwin, path: string) => object) =>
    app.openapi(get(name, summary, schema, errnos), async (c) => {
      const { path } = c.req.valid('query');
      try {
        return c.json({ path, ...(await svc.read((t) => answer(t, path))) }, 200) as never;
      } catch (e) {
        return rethrowUnless(c, e) as never;
      }
    });
  lookup('ls', 'a directory, one name per entry, sorted (ls)', LsResult, [404], (t, path) => ({ names: t.ls(path) }));
  lookup('readlink', "a symlink's target", LinkResult, [404, 422], (t, path) => ({ target: t.readlink(path) }));
  lookup('realpath', 'the path with every symlink resolved', RealpathResult, [404], (t, path) => ({ realpath: t.realpath(path) }));
  lookup('stat', 'lstat(2): kind, mode, size', StatResult, [404], (t, path) => t.stat(path));
}
