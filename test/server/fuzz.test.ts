// fast-check throws random bodies, parameters and paths at every operation of the API: the
// server answers each with a status below 500 (a 4xx for bad input), never a 5xx, never a
// crash, and stays answering afterwards.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serveTwin, type Served } from './helpers.js';

const OPERATIONS: { method: string; path: string; query?: string; body: boolean }[] = [
  { method: 'GET', path: '/api/v1/sys/read', query: 'path', body: false },
  { method: 'POST', path: '/api/v1/sys/write', body: true },
  { method: 'GET', path: '/api/v1/sys/ls', query: 'path', body: false },
  { method: 'GET', path: '/api/v1/sys/readlink', query: 'path', body: false },
  { method: 'GET', path: '/api/v1/sys/realpath', query: 'path', body: false },
  { method: 'GET', path: '/api/v1/sys/stat', query: 'path', body: false },
  { method: 'GET', path: '/api/v1/dmesg', query: 'since', body: false },
  { method: 'PUT', path: '/api/v1/snapshot', body: true },
  { method: 'POST', path: '/api/v1/host/init', body: true },
  { method: 'POST', path: '/api/v1/host/config', body: true },
  { method: 'POST', path: '/api/v1/qemu', body: true },
  { method: 'POST', path: '/api/v1/vms/{id}/monitor', body: true },
  { method: 'POST', path: '/api/v1/vms/{id}/stop', body: false },
  { method: 'GET', path: '/api/v1/guests/{id}/lszcrypt', body: false },
  { method: 'GET', path: '/api/v1/trace', query: 'vm', body: false },
  { method: 'POST', path: '/api/v1/mdev/{verb}', body: true },
  { method: 'POST', path: '/api/v1/ap/mask', body: true },
];

/** Values shaped like the API's fields, and anything else JSON can carry. */
const fieldValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('/sys/bus/ap/apmask', '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', '-5', '0xab', 'doc', 'add', 'adapter', 'list', 'modern'),
  fc.string({ unit: 'binary' }),
  fc.integer(),
);
const keys = fc.constantFrom('path', 'value', 'base64', 'newline', 'preset', 'spec', 'profile', 'op', 'resource', 'id', 'type', 'argv', 'command', 'uuid', 'parent', 'jsonfile', 'apmask', 'aqmask', 'persistent', 'auto', 'index', 'x');
const body = fc.oneof(fc.dictionary(keys, fieldValue, { maxKeys: 5 }), fc.jsonValue(), fc.string({ unit: 'binary' }).map((s) => ({ raw: s })));
const segment = fc.oneof(fc.constantFrom('vm0', 'list', 'define', 'start', 'types', 'check'), fc.string({ unit: 'binary', maxLength: 20 }));

async function send(s: Served, method: string, url: string, payload?: unknown): Promise<number> {
  const raw = payload !== null && typeof payload === 'object' && 'raw' in payload ? String((payload as { raw: string }).raw) : undefined;
  const res = await fetch(`${s.url}${url}`, {
    method,
    headers: payload !== undefined ? { 'content-type': 'application/json' } : {},
    ...(payload !== undefined ? { body: raw ?? JSON.stringify(payload) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('fuzzing the API', () => {
  it('answers random bodies and parameters of every operation with a 4xx or success, never a 5xx', async () => {
    const s = await serveTwin();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), body, segment, fieldValue, async (op, b, seg, q) => {
        const path = op.path.replace(/\{[a-z]+\}/, encodeURIComponent(seg));
        const url = op.query ? `${path}?${op.query}=${encodeURIComponent(typeof q === 'string' ? q : JSON.stringify(q))}` : path;
        const status = await send(s, op.method, url, op.body ? b : undefined);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    expect(await send(s, 'GET', '/api/v1/dmesg')).toBe(200);
  }, 180_000);

  it('answers random paths with JSON 404s', async () => {
    const s = await serveTwin();
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (p, method) => {
        const status = await send(s, method, `/api/v1/zz${p}`);
        expect(status).toBe(404);
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
