// Peer test: Debian's mdevctl 1.2.0, unchanged, in a chroot whose /sys is the twin mounted
// with FUSE (ecosystem spec §1.11-§1.12): types, define --jsonfile, start, list, stop,
// undefine, and a start refused on an APQN conflict that leaves nothing half-created.
// The server runs as its own process (--daemon): mdevctl is started synchronously.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerUnavailable, preparePeerRoot, runMdevctl } from '../../bench/mdevctl-chroot.js';
import { cleanupDirs, cli, cliScript, mounted, sh, skipNote, twinDir, type TwinDir } from './helpers.js';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const C = 'cccccccc-0000-4000-8000-000000000003';
const T = 'vfio_ap-passthrough';
const fuseSkip = skipNote('mdevctl 1.2.0 over the FUSE mount');
const peerSkip = fuseSkip ? undefined : peerUnavailable();
if (peerSkip) console.warn(`[skip] mdevctl 1.2.0 over the FUSE mount: ${peerSkip}`);

describe.skipIf(fuseSkip || peerSkip)('mdevctl 1.2.0 in a chroot whose /sys is the mount', () => {
  let t: TwinDir;
  let root: string;
  const transcript: string[] = [];
  const mdevctl = (...args: string[]): { code: number; stdout: string; stderr: string } => {
    const r = runMdevctl(root, args);
    transcript.push(`$ mdevctl ${args.join(' ')}   (rc ${r.code})`, ...[r.stdout, r.stderr].filter(Boolean).map((x) => x.replace(/\n$/, '')));
    return r;
  };

  beforeAll(async () => {
    t = await twinDir();
    root = mkdtempSync(join(tmpdir(), 'vfioctl-fuse-root-'));
    t.extra.push(root);
    preparePeerRoot(root);
    mkdirSync(join(root, 'sys'));
    writeFileSync(join(root, 'a.json'), JSON.stringify({ mdev_type: T, start: 'auto', attrs: [{ assign_adapter: '5' }, { assign_adapter: '6' }, { assign_domain: '0xab' }, { assign_control_domain: '0xab' }] }));
    writeFileSync(join(root, 'c.json'), JSON.stringify({ mdev_type: T, start: 'manual', attrs: [{ assign_domain: '0xab' }, { assign_adapter: '6' }] }));
    const serve = await sh(`node ${await cliScript()} --state ${t.state} mount ${root}/sys --daemon`, 15_000);
    expect(serve.code, serve.stderr).toBe(0);
    expect(await cli(t.state, 'sys', 'write', '/sys/bus/ap/apmask', '-5,-6')).toMatchObject({ code: 0 });
    expect(await cli(t.state, 'sys', 'write', '/sys/bus/ap/aqmask', '-4,-0xab')).toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    console.log(`mdevctl 1.2.0 over the FUSE mount:\n${transcript.join('\n')}`);
    if (root && mounted(join(root, 'sys'))) await cli(t.state, 'umount', join(root, 'sys'));
    await cleanupDirs();
  });

  it('types: the matrix parent and its type, as vfioctl mdev prints them', async () => {
    const theirs = mdevctl('types');
    expect(theirs.code).toBe(0);
    expect(theirs.stdout).toBe(['matrix', `  ${T}`, '    Available instances: 65536', '    Device API: vfio-ap', '    Name: VFIO AP Passthrough Device', '', ''].join('\n'));
    expect((await cli(t.state, 'mdev', 'types')).stdout).toBe(theirs.stdout);
  });

  it('define --jsonfile, start: the twin creates the device and its matrix', async () => {
    expect(mdevctl('define', '-u', A, '-p', 'matrix', '--jsonfile', '/a.json')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mdevctl('start', '-u', A)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mdevctl('list')).toMatchObject({ code: 0, stdout: `${A} matrix ${T} auto (defined)\n\n` });
    expect((await cli(t.state, 'sys', 'read', `/sys/bus/mdev/devices/${A}/matrix`)).stdout).toBe('05.00ab\n06.00ab\n');
    expect((await cli(t.state, 'sys', 'read', `/sys/bus/mdev/devices/${A}/control_domains`)).stdout).toBe('00ab\n');
  });

  it('a start that conflicts on an APQN fails and leaves nothing half-created', async () => {
    const r = mdevctl('start', '-p', 'matrix', '--jsonfile', '/c.json', '-u', C);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Address already in use/);
    expect((await cli(t.state, 'sys', 'ls', '/sys/bus/mdev/devices')).stdout).toBe(`${A}\n`);
    expect((await cli(t.state, 'dmesg')).stdout).toContain(`Userspace may not assign queue 06.00ab to mdev: already assigned to ${A}`);
  });

  it('stop and undefine: the device goes from the twin, the definition from the chroot', async () => {
    expect(mdevctl('stop', '-u', A)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await cli(t.state, 'sys', 'ls', '/sys/bus/mdev/devices')).stdout).toBe('');
    expect(mdevctl('list')).toEqual({ code: 0, stdout: '\n', stderr: '' });
    expect(mdevctl('undefine', '-u', A)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mdevctl('list', '-d')).toEqual({ code: 0, stdout: '\n', stderr: '' });
  });
});
