// The VM command functions of the CLI contract, each call on a freshly restored twin (as
// separate `vfioctl` invocations would be).

import { describe, expect, test } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { guestCrycb, guestLszcrypt, guestRescan } from '../../src/cli/commands/guest.js';
import { qemu } from '../../src/cli/commands/qemu.js';
import { trace } from '../../src/cli/commands/trace.js';
import { vmList, vmMonitor, vmReset, vmStop } from '../../src/cli/commands/vm.js';
import { AP_CPU, UUID_A, UUID_B, bootTwin, makeMdev, reload, type Twin } from './helpers.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';

type Cmd<A> = (args: A, io: ReturnType<typeof bufferIo>, ctx: { vms: Twin['vms'] }) => number;

/** Runs one command on a reloaded twin; returns its output and the twin after it. */
function run<A>(t: Twin, cmd: Cmd<A>, args: A): { t: Twin; code: number; out: string; err: string } {
  const next = reload(t);
  const io = bufferIo();
  const code = cmd(args, io, { vms: next.vms });
  return { t: next, code, out: io.stdout.text(), err: io.stderr.text() };
}

describe('vfioctl qemu / vm / guest / trace', () => {
  test('the seed scenario through the command functions', () => {
    let t = bootTwin();
    const a = makeMdev(t, UUID_A, [5], [4, 0x47], [0x47]);
    makeMdev(t, UUID_B, [6], [4]);

    let r = run(t, qemu, { argv: ['-cpu', AP_CPU, '-device', `vfio-ap,sysfsdev=${a},id=hostdev0`] });
    expect(r).toMatchObject({ code: 0, out: 'vm0\n', err: '' });
    t = r.t;
    r = run(t, qemu, { argv: ['-name', 'web', '-device', 'vfio-ap,sysfsdev=/nope'] });
    expect(r).toMatchObject({ code: 1, out: '', err: 'qemu-system-s390x: -device vfio-ap,sysfsdev=/nope: vfio /nope: no such host device: No such file or directory\n' });
    t = r.t;

    r = run(t, guestCrycb, { id: 'vm0' });
    expect(r.out).toBe(
      ['format 2', `APM 0x04${'0'.repeat(62)}`, `AQM 0x08${'0'.repeat(14)}01${'0'.repeat(46)}`, `ADM 0x${'0'.repeat(17)}1${'0'.repeat(46)}`, ''].join('\n'),
    );
    r = run(r.t, guestLszcrypt, { id: 'vm0' });
    expect(r.out.split('\n').slice(2, -1).map((l) => l.split(' ')[0])).toEqual(['05', '05.0004', '05.0047']);
    r = run(r.t, guestLszcrypt, { id: 'vm0', verbose: true });
    expect(r.out).toContain('cex4queue');

    r = run(r.t, vmList, {});
    expect(r.out.split('\n')[0]).toMatch(/^ID\s+PID\s+STATUS\s+MACHINE\s+ACCEL\s+CPU\s+DEVICES$/);
    expect(r.out).toContain(`vfio-ap(hostdev0):${UUID_A}`);
    r = run(r.t, vmList, { json: true });
    const list = JSON.parse(r.out) as { id: string; status: string; devices: { id: string; name: string }[] }[];
    expect(list).toMatchObject([{ id: 'vm0', status: 'running', devices: [{ id: 'hostdev0', name: UUID_A }] }]);

    // hot unplug and plug from the monitor; the guest notices at its rescan
    r = run(r.t, vmMonitor, { id: 'vm0', command: 'device_del hostdev0' });
    expect(r).toMatchObject({ code: 0, out: '', err: '' });
    r = run(r.t, guestRescan, { id: 'vm0' });
    r = run(r.t, guestLszcrypt, { id: 'vm0' });
    expect(r).toMatchObject({ code: 1, err: 'lszcrypt: No crypto card devices found.\n' });
    r = run(r.t, vmMonitor, { id: 'vm0', command: `device_add vfio-ap,sysfsdev=/sys/bus/mdev/devices/${UUID_B},id=hostdev1` });
    expect(r).toMatchObject({ code: 0, out: '' });
    r = run(r.t, vmMonitor, { id: 'vm0', command: 'device_add vfio-ap,id=hostdev1' });
    expect(r).toMatchObject({ code: 1, out: "Duplicate ID 'hostdev1' for device\n" });
    r = run(r.t, vmMonitor, { id: 'vm0', command: 'frobnicate' });
    expect(r).toMatchObject({ code: 1, out: "unknown command: 'frobnicate'\n" });
    r = run(r.t, guestRescan, { id: 'vm0' });
    r = run(r.t, guestLszcrypt, { id: 'vm0' });
    expect(r.out.split('\n').slice(2, -1).map((l) => l.split(' ')[0])).toEqual(['06', '06.0004']);

    // reset: a checkstopped queue makes VFIO_DEVICE_RESET fail; QEMU only logs it
    apOf(r.t.host).bus.queue(6, 4)!.chkstop = true;
    r = run(r.t, vmReset, { id: 'vm0' });
    expect(r).toMatchObject({ code: 0, err: `qemu-system-s390x: vfio_ap_reset: failed to reset ${UUID_B} device: Input/output error\n` });

    r = run(r.t, trace, { vm: 'vm0' });
    expect(r.out).toContain('vfio_device_open');
    expect(r.out).toContain('crycb_masks_written');
    expect(r.out).toContain('qmp_device_del');
    expect(r.out.split('\n').every((l) => l === '' || / vm0 /.test(l))).toBe(true);

    r = run(r.t, vmStop, { id: 'vm0' });
    expect(r.code).toBe(0);
    r = run(r.t, vmList, { json: true });
    expect(JSON.parse(r.out)).toEqual([]);
    r = run(r.t, vmStop, { id: 'vm0' });
    expect(r).toMatchObject({ code: 1, err: "vfioctl: no VM 'vm0' is running\n" });
    expect([...r.t.host.kvms.vms.values()]).toEqual([]);
    r = run(r.t, trace, {});
    expect(r.out).toContain('qemu_exit');
  });

  test('VM ids: -name, else the first free vmN', () => {
    let t = bootTwin();
    for (const [argv, id] of [[[], 'vm0'], [['-name', 'db'], 'db'], [[], 'vm1'], [['-name', 'guest=web,debug-threads=on'], 'web']] as const) {
      const r = run(t, qemu, { argv: [...argv] });
      expect(r.out).toBe(`${id}\n`);
      t = r.t;
    }
    const r = run(t, qemu, { argv: ['-name', 'db'] });
    expect(r).toMatchObject({ code: 1, err: "qemu-system-s390x: a VM named 'db' is already running on the twin\n" });
  });

  test('help and version print and exit 0 without a VM', () => {
    const t = bootTwin();
    let r = run(t, qemu, { argv: ['-device', 'vfio-ap,help'] });
    expect(r).toMatchObject({ code: 0, out: 'vfio-ap options:\n  sysfsdev=<str>\n', err: '' });
    r = run(r.t, qemu, { argv: ['-version'] });
    expect(r.out).toMatch(/^QEMU emulator version 7\.2\.22/);
    expect(r.t.vms.list()).toEqual([]);
  });
});
