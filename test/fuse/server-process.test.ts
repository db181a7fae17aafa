// The server as its own process, as users run it: kill -9 (readers get ENOTCONN at once,
// nothing hangs, the mount point is recovered by umount or by the next mount), --daemon
// with commands forwarded to it, and SIGTERM unmounting cleanly, also while busy.

import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ping, socketPath } from '../../src/fuse/control-socket.js';
import { cleanupDirs, cli, cliScript, mounted, readState, sh, skipNote, startCli, twinDir, waitFor } from './helpers.js';

const skip = skipNote('FUSE server process');
const ENOTCONN = 'Transport endpoint is not connected';
// a request in flight when the connection dies fails ECONNABORTED, later ones ENOTCONN
const DEAD = /Transport endpoint is not connected|Software caused connection abort/;

async function serving(state: string, mnt: string): Promise<number> {
  expect(await waitFor(async () => mounted(mnt) && (await ping(socketPath(state), 500))?.mount === mnt, 10_000)).toBe(true);
  return (await ping(socketPath(state)))!.pid;
}

describe.skipIf(skip)('the FUSE server process', () => {
  afterAll(cleanupDirs);

  it('kill -9: readers fail with ENOTCONN within 2 s, nothing hangs, umount recovers', async () => {
    const t = await twinDir();
    const srv = await startCli(t.state, 'mount', t.mnt);
    await serving(t.state, t.mnt);
    expect(srv.err()).toContain(`serving ${t.state} at ${t.mnt}`);
    const readers = [1, 2, 3].map(() => sh(`n=0; while cat ${t.mnt}/bus/ap/apmask >/dev/null; do n=$((n+1)); done; echo $n`, 10_000));
    const inside = sh(`cd ${t.mnt}/bus/ap && while read -r l < apmask; do :; done`, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = performance.now();
    srv.child.kill('SIGKILL');
    for (const r of [...(await Promise.all(readers)), await inside]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(DEAD);
      expect(performance.now() - killedAt).toBeLessThan(2000);
    }
    expect(Number((await readers[0]!).stdout)).toBeGreaterThan(0);
    const ls = await sh(`ls ${t.mnt}`, 3000);
    expect(ls.stderr).toContain(ENOTCONN);
    expect(ls.ms).toBeLessThan(2000);
    // the dead server's socket is stale: commands run on the state file as usual
    expect(await cli(t.state, 'sys', 'read', '/sys/bus/ap/aqmask')).toMatchObject({ code: 0, stdout: `0x${'f'.repeat(64)}\n` });
    expect(await cli(t.state, 'umount', t.mnt)).toEqual({ code: 0, stdout: '', stderr: `vfioctl: ${t.mnt}: its server had died; unmounted\n` });
    expect(mounted(t.mnt)).toBe(false);
    expect(existsSync(socketPath(t.state))).toBe(false);
    expect(await cli(t.state, 'umount', t.mnt)).toMatchObject({ code: 1, stderr: `vfioctl: umount ${t.mnt}: not mounted\n` });
  });

  it('--daemon serves in the background; commands go through it; mount recovers a dead mount', async () => {
    const t = await twinDir();
    const script = await cliScript();
    const daemon = await sh(`node ${script} --state ${t.state} mount ${t.mnt} --daemon`, 15_000);
    expect(daemon.code).toBe(0);
    expect(daemon.stderr).toMatch(new RegExp(`^vfioctl: serving ${t.state} at ${t.mnt} \\(pid \\d+\\)`));
    const pid = await serving(t.state, t.mnt);
    // a second mount of the same state or the same directory is refused
    const again = await sh(`node ${script} --state ${t.state} mount ${t.dir}`, 15_000);
    expect(again).toMatchObject({ code: 1, stderr: `vfioctl: ${t.state} is already served at ${t.mnt} (pid ${pid})\n` });
    const sameDir = await sh(`node ${script} --state ${t.dir}/other.json mount ${t.mnt}`, 15_000);
    expect(sameDir).toMatchObject({ code: 1, stderr: `vfioctl: ${t.mnt} is already mounted, serving ${t.state} (pid ${pid})\n` });
    // the CLI's write goes through the server: the mount sees it at once, and the other way
    expect(await cli(t.state, 'sys', 'write', '/sys/bus/ap/apmask', '-5,-6')).toMatchObject({ code: 0 });
    expect((await sh(`cat ${t.mnt}/bus/ap/apmask`)).stdout).toBe(`0xf9${'f'.repeat(62)}\n`);
    expect((await sh(`echo -4 > ${t.mnt}/bus/ap/aqmask`)).code).toBe(0);
    expect((await cli(t.state, 'sys', 'read', '/sys/bus/ap/aqmask')).stdout).toBe(`0xf7${'f'.repeat(62)}\n`);
    // libvirt's --jsonfile=/dev/stdin: the client's stdin reaches the command in the server
    const json = '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"5"},{"assign_domain":"4"}]}';
    const U = '22222222-3333-4444-8555-666666666666';
    const define = await sh(`printf '%s' '${json}' | node ${script} --state ${t.state} mdev define -u ${U} -p matrix --jsonfile=/dev/stdin && node ${script} --state ${t.state} mdev start -u ${U}`);
    expect(define).toMatchObject({ code: 0, stderr: '' });
    expect((await sh(`cat ${t.mnt}/devices/vfio_ap/matrix/${U}/matrix`)).stdout).toBe('05.0004\n');
    process.kill(pid, 'SIGKILL');
    expect(await waitFor(async () => (await sh(`cat ${t.mnt}/bus/ap/apmask`, 3000)).stderr.includes(ENOTCONN), 3000)).toBe(true);
    // mounting again over the dead mount detaches it first
    const revived = await sh(`node ${script} --state ${t.state} mount ${t.mnt} --daemon`, 15_000);
    expect(revived.code).toBe(0);
    expect(revived.stderr).toContain(`vfioctl: detached the dead mount at ${t.mnt}\n`);
    await serving(t.state, t.mnt);
    expect((await sh(`cat ${t.mnt}/bus/ap/aqmask`)).stdout).toBe(`0xf7${'f'.repeat(62)}\n`);
    expect((await sh(`echo -0xab > ${t.mnt}/bus/ap/aqmask`)).code).toBe(0);
    expect(await cli(t.state, 'umount', t.mnt)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(mounted(t.mnt)).toBe(false);
    expect(existsSync(socketPath(t.state))).toBe(false);
    // the server saved the twin before it went
    expect(JSON.parse(readState(t.state)).parts.ap).toBeDefined();
    expect((await cli(t.state, 'sys', 'read', '/sys/bus/ap/aqmask')).stdout).toBe(`0xf7${'f'.repeat(40)}ef${'f'.repeat(20)}\n`);
  });

  it('SIGTERM unmounts cleanly, also while a shell sits inside the mount', async () => {
    const t = await twinDir();
    const idle = await startCli(t.state, 'mount', t.mnt);
    await serving(t.state, t.mnt);
    idle.child.kill('SIGTERM');
    expect(await idle.exited).toBe(0);
    expect(mounted(t.mnt)).toBe(false);
    expect(existsSync(socketPath(t.state))).toBe(false);

    const busy = await startCli(t.state, 'mount', t.mnt);
    await serving(t.state, t.mnt);
    const shell = sh(`cd ${t.mnt}/bus/ap && sleep 1.5; cat apmask`, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const at = performance.now();
    busy.child.kill('SIGTERM');
    expect(await busy.exited).toBe(0);
    expect(performance.now() - at).toBeLessThan(2000);
    expect(mounted(t.mnt)).toBe(false);
    const r = await shell;
    expect(r.stderr).toMatch(DEAD);
  });
});
