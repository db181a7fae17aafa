// Contract tests: walk the served OpenAPI document and, for every operation and every status
// it declares, make a request that earns that status and check the answer against the
// declared schema. A status without a case fails the test, so the document and the server
// cannot drift apart. 401 is checked on a server with a token, 413 with a body over 1 MiB.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaErrors } from './json-schema.js';
import { mdevPath, serveTwin, TYPE_DIR, UUID_A, UUID_B, writeBody, type Served } from './helpers.js';

interface Req {
  method?: string;
  url: string;
  body?: unknown;
}

type Case = (s: Served) => Promise<Req> | Req;

const qemuArgv = ['-M', 's390-ccw-virtio', '-accel', 'kvm', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)}`];

/** A running VM whose guest has booted (or not, with -S), on mdev A holding 05.00ab. */
async function withVm(s: Served, stopped = false): Promise<string> {
  for (const [p, v] of [['/sys/bus/ap/apmask', '-5,-6'], [`${TYPE_DIR}/create`, UUID_A], [`${mdevPath(UUID_A)}/assign_adapter`, '5'], [`${mdevPath(UUID_A)}/assign_domain`, '0xab']] as const)
    await s.call('POST', '/api/v1/sys/write', writeBody(p, v));
  const r = await s.call('POST', '/api/v1/qemu', { argv: [...qemuArgv, ...(stopped ? ['-S'] : [])] });
  return r.json.vm as string;
}

/** Two mdevs on the same adapter, A holding 05.00ab: B taking domain 0xab is EADDRINUSE. */
async function conflict(s: Served): Promise<Req> {
  for (const [p, v] of [['/sys/bus/ap/apmask', '-5,-6'], [`${TYPE_DIR}/create`, UUID_A], [`${TYPE_DIR}/create`, UUID_B], [`${mdevPath(UUID_A)}/assign_adapter`, '5'], [`${mdevPath(UUID_A)}/assign_domain`, '0xab'], [`${mdevPath(UUID_B)}/assign_adapter`, '5']] as const)
    await s.call('POST', '/api/v1/sys/write', writeBody(p, v));
  return { method: 'POST', url: '/api/v1/sys/write', body: writeBody(`${mdevPath(UUID_B)}/assign_domain`, '0xab') };
}

const post = (url: string, body?: unknown): Req => ({ method: 'POST', url, body });

/** The cases by `METHOD path status`; 400, 401 and 413 are made for every operation below. */
const CASES: Record<string, Case> = {
  'GET /api/v1/sys/read 200': () => ({ url: '/api/v1/sys/read?path=/sys/bus/ap/apmask' }),
  'GET /api/v1/sys/read 403': () => ({ url: '/api/v1/sys/read?path=/sys/bus/ap/drivers/vfio_ap/bind' }),
  'GET /api/v1/sys/read 404': () => ({ url: '/api/v1/sys/read?path=/sys/nope' }),
  'GET /api/v1/sys/read 422': () => ({ url: '/api/v1/sys/read?path=/sys/bus' }),
  'POST /api/v1/sys/write 200': () => post('/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5')),
  'POST /api/v1/sys/write 403': () => post('/api/v1/sys/write', writeBody(`${TYPE_DIR}/name`, 'x')),
  'POST /api/v1/sys/write 404': () => post('/api/v1/sys/write', writeBody('/sys/nope', '1')),
  'POST /api/v1/sys/write 409': conflict,
  'POST /api/v1/sys/write 422': () => post('/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', 'zz')),
  'GET /api/v1/sys/ls 200': () => ({ url: '/api/v1/sys/ls?path=/sys/bus/ap' }),
  'GET /api/v1/sys/ls 404': () => ({ url: '/api/v1/sys/ls?path=/sys/nope' }),
  'GET /api/v1/sys/readlink 200': () => ({ url: '/api/v1/sys/readlink?path=/sys/bus/ap/devices/05.00ab' }),
  'GET /api/v1/sys/readlink 404': () => ({ url: '/api/v1/sys/readlink?path=/sys/nope' }),
  'GET /api/v1/sys/readlink 422': () => ({ url: '/api/v1/sys/readlink?path=/sys/bus/ap/apmask' }),
  'GET /api/v1/sys/realpath 200': () => ({ url: '/api/v1/sys/realpath?path=/sys/bus/ap/devices/05.00ab' }),
  'GET /api/v1/sys/realpath 404': () => ({ url: '/api/v1/sys/realpath?path=/sys/nope' }),
  'GET /api/v1/sys/stat 200': () => ({ url: '/api/v1/sys/stat?path=/dev/vfio/vfio' }),
  'GET /api/v1/sys/stat 404': () => ({ url: '/api/v1/sys/stat?path=/sys/nope' }),
  'GET /api/v1/dmesg 200': () => ({ url: '/api/v1/dmesg?since=0' }),
  'GET /api/v1/snapshot 200': () => ({ url: '/api/v1/snapshot' }),
  'PUT /api/v1/snapshot 204': async (s) => ({ method: 'PUT', url: '/api/v1/snapshot', body: (await s.call('GET', '/api/v1/snapshot')).json }),
  'PUT /api/v1/snapshot 422': () => ({ method: 'PUT', url: '/api/v1/snapshot', body: { version: 7 } }),
  'POST /api/v1/host/init 200': () => post('/api/v1/host/init', { preset: 'doc', profile: 'legacy' }),
  'POST /api/v1/host/init 422': () => post('/api/v1/host/init', { spec: { adapters: 'none' } }),
  'POST /api/v1/host/config 204': () => post('/api/v1/host/config', { op: 'add', resource: 'domain', id: 5 }),
  'POST /api/v1/host/config 422': () => post('/api/v1/host/config', { op: 'remove', resource: 'adapter', id: 9 }),
  'POST /api/v1/host/export 200': (s) => post('/api/v1/host/export', { dir: join(s.dir, 'root') }),
  'POST /api/v1/host/export 422': async (s) => {
    await s.call('POST', '/api/v1/host/export', { dir: join(s.dir, 'root') });
    return post('/api/v1/host/export', { dir: join(s.dir, 'root') });
  },
  'GET /api/v1/grid 200': () => ({ url: '/api/v1/grid' }),
  'GET /api/v1/grid 422': async (s) => {
    expect((await s.call('POST', '/api/v1/host/init', { preset: 'seattle' })).status).toBe(200);
    return { url: '/api/v1/grid' };
  },
  'POST /api/v1/cli 200': () => post('/api/v1/cli', { argv: ['ap', 'list'] }),
  'POST /api/v1/qemu 200': async (s) => {
    await withVm(s);
    await s.call('POST', '/api/v1/vms/vm0/stop');
    return post('/api/v1/qemu', { argv: qemuArgv });
  },
  'POST /api/v1/qemu 422': () => post('/api/v1/qemu', { argv: ['-device', 'vfio-ap,sysfsdev=/sys/nope'] }),
  'GET /api/v1/vms 200': async (s) => (await withVm(s), { url: '/api/v1/vms' }),
  'POST /api/v1/vms/{id}/monitor 200': async (s) => post(`/api/v1/vms/${await withVm(s)}/monitor`, { command: 'info status' }),
  'POST /api/v1/vms/{id}/monitor 404': () => post('/api/v1/vms/vm9/monitor', { command: 'info status' }),
  'POST /api/v1/vms/{id}/monitor 422': async (s) => post(`/api/v1/vms/${await withVm(s)}/monitor`, { command: 'device_del nope' }),
  'POST /api/v1/vms/{id}/stop 200': async (s) => post(`/api/v1/vms/${await withVm(s)}/stop`),
  'POST /api/v1/vms/{id}/stop 404': () => post('/api/v1/vms/vm9/stop'),
  'POST /api/v1/vms/{id}/reset 200': async (s) => post(`/api/v1/vms/${await withVm(s)}/reset`),
  'POST /api/v1/vms/{id}/reset 404': () => post('/api/v1/vms/vm9/reset'),
  'GET /api/v1/guests/{id}/lszcrypt 200': async (s) => ({ url: `/api/v1/guests/${await withVm(s)}/lszcrypt` }),
  'GET /api/v1/guests/{id}/lszcrypt 404': () => ({ url: '/api/v1/guests/vm9/lszcrypt' }),
  'GET /api/v1/guests/{id}/lszcrypt 422': async (s) => ({ url: `/api/v1/guests/${await withVm(s, true)}/lszcrypt` }),
  'GET /api/v1/guests/{id}/crycb 200': async (s) => ({ url: `/api/v1/guests/${await withVm(s)}/crycb` }),
  'GET /api/v1/guests/{id}/crycb 404': () => ({ url: '/api/v1/guests/vm9/crycb' }),
  'GET /api/v1/trace 200': async (s) => ({ url: `/api/v1/trace?vm=${await withVm(s)}` }),
  'POST /api/v1/mdev/{verb} 200': () => post('/api/v1/mdev/types', { parent: 'matrix' }),
  'POST /api/v1/mdev/{verb} 422': () => post('/api/v1/mdev/start', { uuid: UUID_B }),
  'POST /api/v1/ap/mask 200': () => post('/api/v1/ap/mask', { apmask: '-5' }),
  'POST /api/v1/ap/mask 422': async (s) => {
    await conflict(s);
    return post('/api/v1/ap/mask', { apmask: '+5' , aqmask: '+0xab' });
  },
  'GET /api/v1/events 200': () => ({ url: '/api/v1/events' }),
};

/** Input each operation must refuse with 400: a bad parameter, or a body that is not an object. */
function badInput(method: string, path: string, op: { parameters?: { name: string; in: string }[]; requestBody?: unknown }): Req {
  const query = op.parameters?.find((p) => p.in === 'query');
  const param = op.parameters?.find((p) => p.in === 'path');
  const url = path.replace('{id}', param?.name === 'id' ? 'no%20such!' : 'vm0').replace('{verb}', param?.name === 'verb' ? 'nope' : 'list');
  if (param) return { method, url, ...(op.requestBody ? { body: {} } : {}) };
  const bad: Record<string, string> = { path: 'relative', since: '-1', vm: '!', access_token: 'x'.repeat(5000) };
  if (query) return { method, url: `${url}?${query.name}=${encodeURIComponent(bad[query.name] ?? '')}` };
  return { method, url, body: [] };
}

interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

let doc: Doc;

beforeAll(async () => {
  const s = await serveTwin();
  doc = (await s.call('GET', '/api/v1/openapi.json')).json as Doc;
});

async function send(s: Served, req: Req, headers?: Record<string, string>): Promise<{ status: number; json: unknown; type: string | null }> {
  if (req.url === '/api/v1/events' || req.url.startsWith('/api/v1/events?')) {
    const ac = new AbortController();
    const res = await fetch(`${s.url}${req.url}`, { headers, signal: ac.signal });
    const type = res.headers.get('content-type');
    const status = res.status;
    const json = status === 200 ? undefined : await res.json();
    ac.abort();
    return { status, json, type };
  }
  const res = await fetch(`${s.url}${req.url}`, {
    method: req.method ?? 'GET',
    headers: { ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(req.body !== undefined ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') };
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with every route of the API', () => {
    expect((doc as unknown as { openapi: string }).openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(23);
  });

  it('has a case for every declared status of every operation, and each earns its status and schema', async () => {
    const missing: string[] = [];
    const failures: string[] = [];
    const dir = (await serveTwin()).dir;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'contract-token\n');
    const guarded = await serveTwin({ tokenFile });
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const M = method.toUpperCase();
        for (const [status, response] of Object.entries(op.responses)) {
          const key = `${M} ${path} ${status}`;
          let server: Served;
          let req: Req;
          let headers: Record<string, string> | undefined;
          if (status === '401') {
            server = guarded;
            req = { method: M, url: path.replace('{id}', 'vm0').replace('{verb}', 'list'), ...(op.requestBody ? { body: {} } : {}) };
          } else if (status === '413') {
            server = await serveTwin();
            req = { method: M, url: path.replace('{id}', 'vm0').replace('{verb}', 'list'), body: JSON.stringify({ pad: 'x'.repeat(1 << 20) }) };
          } else if (status === '400') {
            server = await serveTwin();
            req = badInput(M, path, op);
          } else {
            const make = CASES[key];
            if (!make) {
              missing.push(key);
              continue;
            }
            server = await serveTwin();
            req = await make(server);
            headers = undefined;
          }
          const r = await send(server, req, headers);
          if (String(r.status) !== status) {
            failures.push(`${key}: got ${r.status} ${JSON.stringify(r.json)}`);
            continue;
          }
          const schema = response.content?.['application/json']?.schema;
          if (schema) {
            const errors = schemaErrors(r.json, schema, doc.components.schemas);
            if (errors.length) failures.push(`${key}: ${errors.join('; ')}`);
          } else if (response.content?.['text/event-stream']) {
            if (!r.type?.startsWith('text/event-stream')) failures.push(`${key}: content-type ${r.type}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(failures).toEqual([]);
  }, 120_000);
});
