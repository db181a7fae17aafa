// The HTTP API as the kernel documentation's vfio-ap example reads, step by step: sysfs
// reads and writes with the kernel's errno and log lines, the log cursor, snapshots, host
// init and config, mdevctl's verbs, the CLI routed through the server, and the rules every
// request meets (400 naming the field, 404, 413, bearer tokens).

import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveTwin } from '../../src/api/live-twin.js';
import { runCli } from '../cli/helpers.js';
import { mdevPath, serveTwin, TYPE_DIR, UUID_A, UUID_B, writeBody } from './helpers.js';

describe('vfioctl serve: sysfs over HTTP', () => {
  it('reads, writes, lists, resolves links and stats like the syscalls do', async () => {
    const s = await serveTwin();
    expect((await s.call('GET', '/api/v1/sys/read?path=/sys/bus/ap/apmask')).json.text).toBe(`0x${'f'.repeat(64)}\n`);
    const w = await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5,-6'));
    expect(w.status).toBe(200);
    expect(w.json).toMatchObject({ path: '/sys/bus/ap/apmask', written: 6 });
    expect((await s.call('GET', '/api/v1/sys/read?path=/sys/bus/ap/apmask')).json.text).toBe(`0xf9${'f'.repeat(62)}\n`);
    const ls = await s.call('GET', '/api/v1/sys/ls?path=/sys/bus/ap/drivers/vfio_ap');
    expect(ls.json.names).toContain('05.00ab');
    const link = await s.call('GET', '/api/v1/sys/readlink?path=/sys/bus/ap/devices/05.00ab');
    expect(link.json.target).toBe('../../../devices/ap/card05/05.00ab');
    expect((await s.call('GET', '/api/v1/sys/realpath?path=/sys/bus/ap/devices/05.00ab')).json.realpath).toBe('/sys/devices/ap/card05/05.00ab');
    expect((await s.call('GET', '/api/v1/sys/stat?path=/sys/bus/ap/devices/05.00ab')).json.kind).toBe('link');
    expect((await s.call('GET', '/api/v1/sys/stat?path=/sys/bus/ap/apmask')).json).toMatchObject({ kind: 'file', mode: 0o644 });
  });

  it('answers a refused write with the errno JSON and the kernel log line it produced', async () => {
    const s = await serveTwin();
    await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5,-6'));
    for (const uuid of [UUID_A, UUID_B]) {
      expect((await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, uuid))).status).toBe(200);
      expect((await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(uuid)}/assign_adapter`, '5'))).status).toBe(200);
    }
    expect((await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_domain`, '0xab'))).status).toBe(200);
    const r = await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_B)}/assign_domain`, '0xab'));
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ errno: 'EADDRINUSE', code: 98, message: 'Address already in use', op: 'write', path: `${mdevPath(UUID_B)}/assign_domain` });
    expect(r.json.log).toHaveLength(1);
    expect(r.json.log[0]).toMatch(new RegExp(`vfio_ap_mdev ${UUID_B}: Userspace may not assign queue 05.00ab to mdev: already assigned to ${UUID_A}$`));
    expect((await s.call('GET', '/api/v1/sys/read?path=/nope')).json).toMatchObject({ errno: 'ENOENT', code: 2, op: 'read' });
    expect((await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_adapter`, 'zz'))).status).toBe(422);
  });

  it('pages the kernel log with a cursor', async () => {
    const s = await serveTwin();
    const first = await s.call('GET', '/api/v1/dmesg');
    const since = first.json.next;
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    const page = await s.call('GET', `/api/v1/dmesg?since=${since}`);
    expect(page.json.entries.map((e: { text: string }) => e.text)).toEqual([`vfio_ap_mdev ${UUID_A}: Adding to iommu group 0`]);
    expect(page.json.entries[0].seq).toBe(since);
    expect(page.json.next).toBe(since + 1);
    expect((await s.call('GET', `/api/v1/dmesg?since=${page.json.next}`)).json.entries).toEqual([]);
  });
});

describe('the whole twin', () => {
  it('GETs a snapshot and PUTs it back, so a suite resets between cases', async () => {
    const s = await serveTwin();
    const clean = (await s.call('GET', '/api/v1/snapshot')).json;
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    expect((await s.call('GET', '/api/v1/sys/ls?path=/sys/devices/vfio_ap/matrix')).json.names).toContain(UUID_A);
    expect((await s.call('PUT', '/api/v1/snapshot', clean)).status).toBe(204);
    expect((await s.call('GET', '/api/v1/sys/ls?path=/sys/devices/vfio_ap/matrix')).json.names).not.toContain(UUID_A);
    expect((await s.call('GET', '/api/v1/snapshot')).json).toEqual(clean);
    const bad = await s.call('PUT', '/api/v1/snapshot', { version: 99 });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatch(/^not a twin snapshot: /);
  });

  it('boots a preset, changes the LPAR configuration and shows the grid', async () => {
    const s = await serveTwin();
    const init = await s.call('POST', '/api/v1/host/init', { preset: 'z16' });
    expect(init.status).toBe(200);
    expect(init.json).toMatchObject({ arch: 's390x', profile: 'modern' });
    const grid = (await s.call('GET', '/api/v1/grid')).json;
    expect(grid.cells).toHaveLength(grid.adapters.length * grid.domains.length);
    expect((await s.call('POST', '/api/v1/host/init', { preset: 'nope' })).json.error).toMatch(/^unknown preset 'nope'/);
    await s.call('POST', '/api/v1/host/init', { preset: 'doc' });
    expect((await s.call('POST', '/api/v1/host/config', { op: 'add', resource: 'adapter', id: 7, type: 'CEX7C' })).status).toBe(204);
    expect((await s.call('GET', '/api/v1/grid')).json.adapters).toEqual([5, 6, 7]);
    const again = await s.call('POST', '/api/v1/host/config', { op: 'add', resource: 'adapter', id: 7 });
    expect(again.status).toBe(422);
    expect(again.json.error).toMatch(/^host config: /);
  });
});

/** A snapshot without an empty VMM section (one that never ran a VM has none). */
function sameTwin(snap: Record<string, unknown>): Record<string, unknown> {
  const vmm = snap.vmm as { vms: unknown[]; trace: unknown[] } | undefined;
  const { vmm: _vmm, ...rest } = snap;
  return vmm && (vmm.vms.length > 0 || vmm.trace.length > 0) ? snap : rest;
}

describe('durability', () => {
  it('keeps in the state file and its journal exactly the twin it serves, also after host init and a restore', async () => {
    const s = await serveTwin();
    const clean = (await s.call('GET', '/api/v1/snapshot')).json;
    await s.call('POST', '/api/v1/host/init', { preset: 'z16' });
    await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-0-3'));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_adapter`, '0x100'));
    expect(sameTwin((await LiveTwin.load(s.state)).snapshot())).toEqual(sameTwin((await s.call('GET', '/api/v1/snapshot')).json));
    await s.call('PUT', '/api/v1/snapshot', clean);
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_B));
    expect(sameTwin((await LiveTwin.load(s.state)).snapshot())).toEqual(sameTwin((await s.call('GET', '/api/v1/snapshot')).json));
  });
});

describe('management and QEMU', () => {
  it("runs mdevctl's verbs with mdevctl's output", async () => {
    const s = await serveTwin();
    await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5,-6'));
    const def = await s.call('POST', '/api/v1/mdev/define', {
      uuid: UUID_A,
      parent: 'matrix',
      jsonfile: { mdev_type: 'vfio_ap-passthrough', start: 'manual', attrs: [{ assign_adapter: '5' }, { assign_domain: '0xab' }] },
    });
    expect(def.json).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect((await s.call('POST', '/api/v1/mdev/start', { uuid: UUID_A })).status).toBe(200);
    expect((await s.call('GET', `/api/v1/sys/read?path=${mdevPath(UUID_A)}/matrix`)).json.text).toBe('05.00ab\n');
    const list = await s.call('POST', '/api/v1/mdev/list', {});
    expect(list.json.stdout.split('\n')[0]).toBe(`${UUID_A} matrix vfio_ap-passthrough manual (defined)`);
    const stopMissing = await s.call('POST', '/api/v1/mdev/stop', { uuid: UUID_B });
    expect(stopMissing.status).toBe(422);
    expect(stopMissing.json.exitCode).toBe(1);
  });

  it('starts QEMU from an argv, talks to its monitor, shows the guest and stops it', async () => {
    const s = await serveTwin();
    await s.call('POST', '/api/v1/sys/write', writeBody('/sys/bus/ap/apmask', '-5,-6'));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${TYPE_DIR}/create`, UUID_A));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_adapter`, '5'));
    await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_domain`, '0xab'));
    const bad = await s.call('POST', '/api/v1/qemu', { argv: ['-device', 'vfio-ap'] });
    expect(bad.status).toBe(422);
    expect(bad.json.stderr).toMatch(/^qemu-system-s390x: /);
    const q = await s.call('POST', '/api/v1/qemu', { argv: ['-M', 's390-ccw-virtio', '-accel', 'kvm', '-cpu', 'host', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)}`] });
    expect(q.status).toBe(200);
    const id = q.json.vm as string;
    expect((await s.call('GET', '/api/v1/vms')).json.map((v: { id: string }) => v.id)).toEqual([id]);
    expect((await s.call('GET', `/api/v1/guests/${id}/crycb`)).json.stdout).toMatch(/^format 2\nAPM 0x04/);
    expect((await s.call('GET', `/api/v1/guests/${id}/lszcrypt`)).json.stdout).toMatch(/05\.00ab/);
    expect((await s.call('GET', '/api/v1/grid')).json.mdevs[0].vm).toBe(id);
    expect((await s.call('POST', `/api/v1/vms/${id}/monitor`, { command: 'info status' })).json.stdout).toMatch(/running/);
    expect((await s.call('GET', `/api/v1/trace?vm=${id}`)).json.events.length).toBeGreaterThan(0);
    expect((await s.call('POST', `/api/v1/vms/${id}/stop`)).status).toBe(200);
    expect((await s.call('POST', `/api/v1/vms/${id}/stop`)).status).toBe(404);
  });
});

describe('one truth while serving', () => {
  it('runs CLI commands on the served state inside the server', async () => {
    const s = await serveTwin();
    const w = await runCli(['--state', s.state, 'sys', 'write', `${TYPE_DIR}/create`, UUID_A]);
    expect(w.code).toBe(0);
    expect((await s.call('GET', '/api/v1/sys/ls?path=/sys/devices/vfio_ap/matrix')).json.names).toContain(UUID_A);
    await s.call('POST', '/api/v1/sys/write', writeBody(`${mdevPath(UUID_A)}/assign_adapter`, '5'));
    expect((await runCli(['--state', s.state, 'sys', 'read', `${mdevPath(UUID_A)}/matrix`])).stdout).toBe('05.\n');
    const again = await runCli(['--state', s.state, 'serve', '--listen', '127.0.0.1:0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is already served at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
    const cli = await s.call('POST', '/api/v1/cli', { argv: ['dmesg'] });
    expect(cli.json.stdout).toMatch(/Adding to iommu group 0/);
    expect((await s.call('POST', '/api/v1/cli', { argv: ['--state', '/x', 'dmesg'] })).status).toBe(400);
  });
});

describe('every request', () => {
  it('gets 400 naming the field, 404 JSON for unknown routes and 413 over 1 MiB', async () => {
    const s = await serveTwin();
    const r = await s.call('POST', '/api/v1/sys/write', { path: 'relative', value: 1 });
    expect(r.status).toBe(400);
    expect(r.json.issues.map((i: { field: string }) => i.field).sort()).toEqual(['body.path', 'body.value']);
    expect((await s.call('POST', '/api/v1/sys/write', '{oops')).json).toEqual({ error: 'bad request', issues: [{ field: 'body', message: 'Malformed JSON in request body' }] });
    expect((await s.call('GET', '/api/v1/dmesg?since=-1')).json.issues[0].field).toBe('query.since');
    const nf = await s.call('GET', '/api/v1/nothing');
    expect(nf).toMatchObject({ status: 404, json: { error: 'no route GET /api/v1/nothing' } });
    const big = await s.call('POST', '/api/v1/sys/write', { path: '/sys/bus/ap/apmask', value: 'x'.repeat(1 << 20) });
    expect(big.status).toBe(413);
  });

  it('needs the bearer token when the server has one, and refuses non-loopback without one', async () => {
    const s0 = await serveTwin();
    const tokenFile = join(s0.dir, 'token');
    writeFileSync(tokenFile, 's3cret\n');
    const s = await serveTwin({ tokenFile });
    expect((await s.call('GET', '/api/v1/dmesg')).status).toBe(401);
    expect((await s.call('GET', '/api/v1/dmesg', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await s.call('GET', '/api/v1/dmesg', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
    await expect(serveTwin({ listen: '0.0.0.0:0' })).rejects.toThrow(/not a loopback address, without --token-file/);
  });

  it('answers only loopback Host names without a token (a rebound DNS name gets 403)', async () => {
    const s = await serveTwin();
    const { port } = new URL(s.url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/v1/dmesg', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`attacker.example:${port}`)).toBe(403);
  });
});
