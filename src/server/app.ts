// The HTTP application: the routes of every group under /api/v1, generated OpenAPI 3.1 at
// /api/v1/openapi.json, the dashboard at /, and the rules every request meets: a bearer
// token when the server has one, bodies up to 1 MiB, 400 naming the bad field, 404 JSON.

import { OpenAPIHono } from '@hono/zod-openapi';
import { timingSafeEqual } from 'node:crypto';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from './body-limit.js';
import { dashboardPage } from './dashboard-page.js';
import { eventRoutes } from './routes-events.js';
import { hostRoutes } from './routes-host.js';
import { sysRoutes } from './routes-sys.js';
import { vmRoutes } from './routes-vm.js';
import type { TwinService } from './twin-service.js';

export const MAX_BODY = 1 << 20;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AppOptions {
  /** Every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  version?: string;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** zod's issue path as a field name: `body.spec.adapters[0].id`, `query.path`. */
function fieldName(target: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}.${String(k)}`), target === 'json' ? 'body' : target);
}

export function buildApp(svc: TwinService, opts: AppOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ field: fieldName(result.target, i.path), message: i.message }));
      return c.json({ error: 'bad request' as const, issues }, 400);
    },
  });
  const token = opts.token;
  if (token === undefined) {
    // without a token only loopback clients may call: a page that rebinds its own DNS name to
    // 127.0.0.1 still sends its own Host, so anything but a loopback name is refused
    app.use('*', async (c, next) => {
      const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
      if (!LOOPBACK_NAMES.has(host.toLowerCase()) && !/^127(\.\d{1,3}){3}$/.test(host)) return c.json({ error: `Host ${host} is not a loopback name: without a token only loopback clients are served` }, 403);
      await next();
    });
  } else {
    app.use('/api/*', async (c, next) => {
      const header = c.req.header('authorization') ?? '';
      const bearer = /^Bearer (.+)$/i.exec(header)?.[1] ?? (c.req.path === '/api/v1/events' ? c.req.query('access_token') : undefined);
      if (bearer === undefined || !sameToken(bearer, token)) {
        c.header('WWW-Authenticate', 'Bearer realm="vfioctl"');
        return c.json({ error: 'a valid bearer token is required (Authorization: Bearer <token>)' }, 401);
      }
      await next();
    });
  }
  app.use('/api/*', bodyLimit(MAX_BODY, (c) => c.json({ error: `the body is over ${MAX_BODY} bytes (1 MiB)` }, 413)));
  sysRoutes(app, svc);
  hostRoutes(app, svc);
  vmRoutes(app, svc);
  eventRoutes(app, svc);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'vfioctl',
      version: opts.version ?? '0',
      description: "The twin as a service: the kernel's sysfs, the kernel log, mdevctl, QEMU and the guests over HTTP/JSON. A refused system call answers with the kernel's errno and the log lines it produced.",
    },
    ...(token !== undefined ? { security: [{ bearer: [] }] } : {}),
  });
  app.get('/', (c) => c.html(dashboardPage()));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((e, c) => {
    if (e instanceof HTTPException && e.status === 400) return c.json({ error: 'bad request' as const, issues: [{ field: 'body', message: e.message }] }, 400);
    if (e instanceof HTTPException) return c.json({ error: e.message }, e.status as ContentfulStatusCode);
    return c.json({ error: `internal error: ${e.message}` }, 500);
  });
  return app;
}
