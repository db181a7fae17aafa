// The twin's sysfs mounted for real: the kernel documentation's shell sequences run by
// bash through the mount, one truth with the CLI, and 8 shells at once. The server runs in
// this test process (TwinServer); the shells are real processes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { TwinServer } from '../../src/fuse/twin-server.js';
import { checkInvariants } from '../kernel/ops.js';
import { cleanupDirs, cli, cliScript, readState, sh, skipNote, twinDir, type TwinDir } from './helpers.js';

const UUID_A = '62177883-f1bb-47f0-914d-32a22e3a8804';
const UUID_B = '669d9b23-fe1b-4ecb-be08-a2fabca99b71';
const TYPE = 'devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough';
const skip = skipNote('FUSE mount (in-process server)');

describe.skipIf(skip)('the twin mounted with FUSE', () => {
  let t: TwinDir;
  let server: TwinServer;

  beforeAll(async () => {
    t = await twinDir();
    server = await TwinServer.start({ dir: t.mnt, store: t.store, runCli: (argv, io, env) => main(argv, io, env), log: (l) => console.error(l) });
  });

  afterAll(async () => {
    if (server) await server.stop();
    await cleanupDirs();
  });

  it('holds the /sys top level and answers ls, stat and readlink like sysfs', async () => {
    const r = await sh(`cd ${t.mnt} && ls && stat -c '%A %s %n' bus/ap/apmask ${TYPE}/create && readlink class/mdev_bus/matrix`);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      ['bus', 'class', 'devices', 'kernel', `-rw-r--r-- 4096 bus/ap/apmask`, `--w------- 4096 ${TYPE}/create`, '../../devices/vfio_ap/matrix', ''].join('\n'),
    );
  });

  it('runs the documentation sequence: reserve, create with uuidgen, assign, read matrix', async () => {
    // uuidgen (uuid-runtime) when installed; the kernel's random UUID otherwise: same bytes to create
    const gen = 'if command -v uuidgen >/dev/null; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi';
    const r = await sh(
      [
        `cd ${t.mnt}`,
        'echo -5,-6 > bus/ap/apmask',
        'echo -4,-0xab > bus/ap/aqmask',
        'cat bus/ap/apmask bus/ap/aqmask',
        `(${gen}) > ${TYPE}/create`,
        `echo ${UUID_A} > ${TYPE}/create`,
        `cd devices/vfio_ap/matrix/${UUID_A}`,
        'echo 5 > assign_adapter',
        'echo 4 > assign_domain',
        'printf 0xab > assign_domain',
        'echo 0xab > assign_control_domain',
        'cat matrix control_domains',
        'cat ../mdev_supported_types/vfio_ap-passthrough/available_instances',
        'ls ../../../../bus/mdev/devices | wc -l',
      ].join(' && '),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [`0xf9${'f'.repeat(62)}`, `0xf7${'f'.repeat(40)}ef${'f'.repeat(20)}`, '05.0004', '05.00ab', '00ab', '65534', '2', ''].join('\n'),
    );
  });

  it("refuses writes with the kernel's errno, printed by bash exactly", async () => {
    const m = `${t.mnt}/devices/vfio_ap/matrix/${UUID_B}`;
    expect((await sh(`echo ${UUID_B} > ${t.mnt}/${TYPE}/create && echo 0xab > ${m}/assign_domain`)).code).toBe(0);
    const inUse = await sh(`echo 5 > ${m}/assign_adapter`);
    expect(inUse).toMatchObject({ code: 1, stderr: 'bash: line 1: echo: write error: Address already in use\n' });
    // adapter 5 may go back to the host (its domains are still out of aqmask), domain 4 may not
    expect((await sh(`echo +5 > ${t.mnt}/bus/ap/apmask`)).code).toBe(0);
    const busy = await sh(`echo +4 > ${t.mnt}/bus/ap/aqmask`);
    expect(busy).toMatchObject({ code: 1, stderr: 'bash: line 1: echo: write error: Device or resource busy\n' });
    expect((await sh(`echo -5 > ${t.mnt}/bus/ap/apmask`)).code).toBe(0);
    const twice = await sh(`echo ${UUID_B} > ${t.mnt}/${TYPE}/create`);
    expect(twice.stderr).toMatch(/^bash: line 1: echo: write error: /);
    expect((await sh(`cat ${m}/matrix`)).stdout).toBe('.00ab\n');
    const unreadable = await sh(`cat ${t.mnt}/${TYPE}/create`);
    expect(unreadable).toMatchObject({ code: 1, stderr: `cat: ${t.mnt}/${TYPE}/create: Permission denied\n` });
    const noNew = await sh(`echo 1 > ${t.mnt}/bus/ap/newfile`);
    expect(noNew.stderr).toBe(`bash: line 1: ${t.mnt}/bus/ap/newfile: Permission denied\n`);
    const rm = await sh(`rm -f ${t.mnt}/bus/ap/apmask`);
    expect(rm.stderr).toBe(`rm: cannot remove '${t.mnt}/bus/ap/apmask': Operation not permitted\n`);
  });

  it('is one truth with the CLI: changes through the mount show in sys read, and the other way', async () => {
    const m = `/sys/devices/vfio_ap/matrix/${UUID_A}`;
    const read = await cli(t.state, 'sys', 'read', `${m}/matrix`);
    expect(read).toEqual({ code: 0, stdout: '05.0004\n05.00ab\n', stderr: '' });
    expect(await cli(t.state, 'sys', 'write', `${m}/assign_adapter`, '6')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await sh(`cat ${t.mnt}/devices/vfio_ap/matrix/${UUID_A}/matrix`)).stdout).toBe('05.0004\n05.00ab\n06.0004\n06.00ab\n');
    // a refused write through the CLI reads as the CLI always reports it
    const refused = await cli(t.state, 'sys', 'write', `/sys/devices/vfio_ap/matrix/${UUID_B}/assign_adapter`, '6');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('EADDRINUSE (Address already in use)');
    expect((await sh(`echo 6 > ${t.mnt}/devices/vfio_ap/matrix/${UUID_A}/unassign_adapter`)).code).toBe(0);
    expect((await cli(t.state, 'sys', 'read', `${m}/matrix`)).stdout).toBe('05.0004\n05.00ab\n');
    const dmesg = await cli(t.state, 'dmesg');
    expect(dmesg.stdout).toContain(`Userspace may not assign queue 06.00ab to mdev: already assigned to ${UUID_A}`);
    // the state file follows once the server has saved
    await server.flush();
    expect(JSON.parse(readState(t.state)).parts.ap.vfioAp).toEqual(JSON.parse(JSON.stringify((server.twin.snapshot().parts['ap'] as { vfioAp: unknown }).vfioAp)));
  });

  it('serves commands started inside the mount, and leaves --root commands on the real root', async () => {
    const script = await cliScript();
    const inside = await sh(`cd ${t.mnt}/bus/ap && node ${script} --state ${t.state} sys read /sys/bus/ap/apmask && node ${script} --state ${t.state} sys read apmask`);
    expect(inside.stdout).toBe(`0xf9${'f'.repeat(62)}\n`);
    expect(inside.stderr).toBe('vfioctl: read apmask: ENOENT (No such file or directory)\n');
    // --root DIR reads DIR/sys, here the mount itself: not forwarded, so nothing waits on itself
    const types = await sh(`node ${script} --state ${t.state} mdev types --root ${t.dir}`);
    expect(types).toMatchObject({ code: 0, stderr: '' });
    expect(types.stdout).toContain('vfio_ap-passthrough\n    Available instances: 6553');
  });

  it('runs mdev commands inside the server: started devices appear in the mount, removals show in mdev list', async () => {
    const U = '11111111-2222-4333-8444-555555555555';
    expect(await cli(t.state, 'mdev', 'define', '-u', U, '-p', 'matrix', '-t', 'vfio_ap-passthrough')).toMatchObject({ code: 0, stderr: '' });
    expect(await cli(t.state, 'mdev', 'modify', '-u', U, '--addattr=assign_domain', '--value=0x47')).toMatchObject({ code: 0, stderr: '' });
    expect(await cli(t.state, 'mdev', 'start', '-u', U)).toMatchObject({ code: 0, stderr: '' });
    expect((await sh(`cat ${t.mnt}/bus/mdev/devices/${U}/matrix`)).stdout).toBe('.0047\n');
    expect((await cli(t.state, 'mdev', 'list')).stdout).toContain(`${U} matrix vfio_ap-passthrough manual (defined)`);
    expect((await sh(`echo 1 > ${t.mnt}/devices/vfio_ap/matrix/${U}/remove && ls ${t.mnt}/bus/mdev/devices`)).stdout).not.toContain(U);
    expect((await cli(t.state, 'mdev', 'list')).stdout).not.toContain(U);
    // saving the served twin keeps what other commands stored next to it (the mdev definitions)
    await server.flush();
    expect(JSON.stringify(JSON.parse(readState(t.state)).files)).toContain(U);
    expect((await cli(t.state, 'mdev', 'list', '--defined')).stdout).toContain(U);
  });

  it('serves 8 concurrent shells writing and reading without torn reads; invariants hold', async () => {
    const seconds = 10;
    const apmask = (await sh(`cat ${t.mnt}/bus/ap/apmask`)).stdout;
    // adapter 0x10 is not in the configuration: its apmask bit flips freely, so every read
    // of apmask must be exactly one of two values
    expect(apmask.length).toBe(67);
    const flipped = `${apmask.slice(0, 6)}${(parseInt(apmask.slice(6, 8), 16) ^ 0x80).toString(16).padStart(2, '0')}${apmask.slice(8)}`;
    const M = `${t.mnt}/devices/vfio_ap/matrix`;
    const worker = (i: number): string => `
      end=$((SECONDS+${seconds})); ops=0; bad=0; refused=0
      ms=(${UUID_A} ${UUID_B}); ids=(5 6); doms=(4 0xab 0x47)
      while [ $SECONDS -lt $end ]; do
        m=${M}/\${ms[RANDOM%2]}
        case $((RANDOM % 6)) in
          0) echo \${ids[RANDOM%2]} > $m/assign_adapter ;;
          1) echo \${ids[RANDOM%2]} > $m/unassign_adapter ;;
          2) echo \${doms[RANDOM%3]} > $m/assign_domain ;;
          3) echo \${doms[RANDOM%3]} > $m/unassign_domain ;;
          4) if [ $((RANDOM%2)) = 0 ]; then echo -0x10 > ${t.mnt}/bus/ap/apmask; else echo +0x10 > ${t.mnt}/bus/ap/apmask; fi ;;
          5) : ;;
        esac 2>/dev/null || refused=$((refused+1))
        v=$(cat ${t.mnt}/bus/ap/apmask)
        [ "$v" = "${apmask.trim()}" ] || [ "$v" = "${flipped.trim()}" ] || { bad=$((bad+1)); echo "torn apmask: $v" >&2; }
        while IFS= read -r line; do
          [[ $line =~ ^[0-9a-f]{2}\\.[0-9a-f]{4}$|^[0-9a-f]{2}\\.$|^\\.[0-9a-f]{4}$ ]] || { bad=$((bad+1)); echo "torn matrix line: $line" >&2; }
        done < $m/matrix
        ops=$((ops+1))
      done
      echo "${i} $ops $bad $refused"`;
    // meanwhile vfioctl commands run inside the server (writes through the mount wait for them)
    let cliRounds = 0;
    const deadline = Date.now() + seconds * 1000;
    const commands = (async () => {
      while (Date.now() < deadline) {
        const bit = cliRounds % 2 === 0 ? '-0x10' : '+0x10';
        expect(await cli(t.state, 'sys', 'write', '/sys/bus/ap/aqmask', bit)).toMatchObject({ code: 0, stderr: '' });
        expect((await cli(t.state, 'sys', 'read', '/sys/bus/ap/aqmask')).stdout).toMatch(/^0x[0-9a-f]{64}\n$/);
        cliRounds++;
      }
    })();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sh(worker(i), (seconds + 10) * 1000)));
    await commands;
    expect(cliRounds).toBeGreaterThan(5);
    let total = 0;
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const [, ops, bad] = r.stdout.trim().split(' ').map(Number);
      expect(bad).toBe(0);
      expect(ops).toBeGreaterThan(10);
      total += ops!;
    }
    console.log(`8 shells, ${seconds} s: ${total} rounds (each a write, a cat and a read loop); ${cliRounds} CLI write+read pairs`);
    checkInvariants(server.twin);
    // the matrices as read through the mount are the twin's, and share no APQN
    const a = (await sh(`cat ${M}/${UUID_A}/matrix`)).stdout.split('\n').filter((l) => /^..\.....$/.test(l));
    const b = (await sh(`cat ${M}/${UUID_B}/matrix`)).stdout.split('\n').filter((l) => /^..\.....$/.test(l));
    expect(a.filter((x) => b.includes(x))).toEqual([]);
  });
});
