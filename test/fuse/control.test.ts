// The pieces around the mount that need no FUSE: the control socket protocol, the stdin
// hand-over of forwarded commands, and the mount table reader. Runs everywhere.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { closeControl, listenControl, ping, request, socketPath, NoServerError, type ControlRequest } from '../../src/fuse/control-socket.js';
import { forwardToServer, readsStdin, redirectStdin } from '../../src/fuse/forward.js';
import { findMount, readMountTable, servedState } from '../../src/fuse/mount-table.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'vfioctl-ctl-'));
  dirs.push(d);
  return d;
}

describe('control socket', () => {
  it('answers ping and run; a forwarded command prints exactly what the server captured', async () => {
    const state = join(temp(), 'twin.json');
    const seen: ControlRequest[] = [];
    const server = await listenControl(socketPath(state), async (req) => {
      seen.push(req);
      if (req.op === 'ping') return { ok: true, pid: 7, state, mount: '/mnt' };
      return { ok: true, code: 3, stdout: Buffer.from('out\xff', 'latin1').toString('base64'), stderr: Buffer.from('err\n').toString('base64') };
    });
    expect(await ping(socketPath(state))).toEqual({ ok: true, pid: 7, state, mount: '/mnt' });
    const io = bufferIo();
    const code = await forwardToServer({ state, argv: ['sys', 'read', '/sys/x'], cwd: '/tmp', env: { A: 'b' } }, io);
    expect(code).toBe(3);
    expect(io.stdout.bytes()).toEqual(Buffer.from('out\xff', 'latin1'));
    expect(io.stderr.text()).toBe('err\n');
    expect(seen[1]).toEqual({ v: 1, op: 'run', state, argv: ['sys', 'read', '/sys/x'], cwd: '/tmp', env: { A: 'b' } });
    await closeControl(server, socketPath(state));
    expect(await ping(socketPath(state))).toBeUndefined();
  });

  it('sends the caller stdin only when the command reads it', async () => {
    const state = join(temp(), 'twin.json');
    const seen: ControlRequest[] = [];
    const server = await listenControl(socketPath(state), async (req) => {
      seen.push(req);
      return { ok: true, code: 0, stdout: '', stderr: '' };
    });
    const io = bufferIo();
    const readStdin = (): Buffer => Buffer.from('{"x":1}');
    await forwardToServer({ state, argv: ['mdev', 'define', '--jsonfile=/dev/stdin'], readStdin }, io);
    await forwardToServer({ state, argv: ['sys', 'write', '/sys/bus/ap/apmask', '-'], readStdin: () => Buffer.from('no') }, io);
    expect(seen[0]).toMatchObject({ stdin: Buffer.from('{"x":1}').toString('base64') });
    expect(seen[1]).not.toHaveProperty('stdin');
    await closeControl(server, socketPath(state));
  });

  it('treats a missing or stale socket as no server, and replaces a stale one when listening', async () => {
    const state = join(temp(), 'twin.json');
    expect(await forwardToServer({ state, argv: ['dmesg'] }, bufferIo())).toBeUndefined();
    // a socket file nobody listens on, as kill -9 leaves it
    const leaver = `require('net').createServer().listen(${JSON.stringify(socketPath(state))}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', leaver]);
    expect(existsSync(socketPath(state))).toBe(true);
    expect(await forwardToServer({ state, argv: ['dmesg'] }, bufferIo())).toBeUndefined();
    await expect(request(socketPath(state), { v: 1, op: 'ping' })).rejects.toBeInstanceOf(NoServerError);
    const second = await listenControl(socketPath(state), async () => ({ ok: true, pid: 1, state, mount: '/m' }));
    expect((await ping(socketPath(state)))?.pid).toBe(1);
    // a live one is not replaced
    await expect(listenControl(socketPath(state), async () => ({}))).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await closeControl(second, socketPath(state));
  });

  it('reports a server error as one vfioctl line', async () => {
    const state = join(temp(), 'twin.json');
    const server = await listenControl(socketPath(state), async () => ({ ok: false, error: 'this server serves /a, not /b' }));
    const io = bufferIo();
    expect(await forwardToServer({ state, argv: ['dmesg'] }, io)).toBe(1);
    expect(io.stderr.text()).toBe('vfioctl: this server serves /a, not /b\n');
    await closeControl(server, socketPath(state));
  });
});

describe('stdin hand-over', () => {
  it('finds and redirects the stdin paths of libvirt and mdevctl callers', () => {
    expect(readsStdin(['mdev', 'define', '--parent=matrix', '--jsonfile=/dev/stdin'])).toBe(true);
    expect(readsStdin(['mdev', 'define', '--jsonfile', '-'])).toBe(true);
    expect(readsStdin(['mdev', 'define', '--jsonfile', '/proc/self/fd/0'])).toBe(true);
    expect(readsStdin(['sys', 'write', '/sys/x', '-'])).toBe(false);
    expect(redirectStdin(['define', '--jsonfile=/dev/stdin', '--jsonfile', '-', '/dev/fd/0', '-'], '/t/s')).toEqual([
      'define',
      '--jsonfile=/t/s',
      '--jsonfile',
      '/t/s',
      '/t/s',
      '-',
    ]);
  });
});

describe('mount table', () => {
  it('reads mountinfo with escaped paths and finds the topmost mount of a directory', () => {
    const text = [
      '22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw',
      '40 22 0:39 / /tmp/my\\040twin/sys rw,nosuid,nodev,noexec - fuse.vfioctl vfioctl:/tmp/my\\040twin/twin.json rw,user_id=0',
      '41 40 0:40 / /tmp/my\\040twin/sys rw - tmpfs tmpfs rw',
    ].join('\n');
    const table = readMountTable(text);
    expect(table[1]).toEqual({ dev: { major: 0, minor: 39 }, mountPoint: '/tmp/my twin/sys', fsType: 'fuse.vfioctl', source: 'vfioctl:/tmp/my twin/twin.json' });
    expect(findMount('/tmp/my twin/sys', table)?.fsType).toBe('tmpfs');
    expect(servedState(table[1]!)).toBe('/tmp/my twin/twin.json');
    expect(servedState(table[0]!)).toBeUndefined();
  });
});
