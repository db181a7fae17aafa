// The library API in process, as a program that imports 'vfioctl' uses it: boot a twin,
// drive its sysfs, read refusals with their errno and log lines, page the kernel log,
// follow events, manage mdevs with mdevctl's functions, run QEMU and look into the guest,
// and reset the twin from a snapshot.

import { describe, expect, it } from 'vitest';
import {
  bootTwin,
  guestCrycb,
  LiveTwin,
  MdevOutput,
  mdevList,
  StateStore,
  SyscallFailure,
  vmMonitor,
  vmStop,
  vmTrace,
  type TwinEvent,
} from '../../src/api/index.js';
import { bootHost } from '../../src/api/boot.js';
import { mdevPath, tempDir, TYPE_DIR, UUID_A, UUID_B } from '../cli/helpers.js';

describe("import 'vfioctl'", () => {
  it('drives sysfs and throws the errno with the kernel line it logged', async () => {
    const twin = await bootTwin({ preset: 'doc' });
    await twin.write('/sys/bus/ap/apmask', '-5,-6\n');
    for (const u of [UUID_A, UUID_B]) {
      await twin.write(`${TYPE_DIR}/create`, u);
      await twin.write(`${mdevPath(u)}/assign_adapter`, '5');
    }
    await twin.write(`${mdevPath(UUID_A)}/assign_domain`, '0xab');
    const cursor = twin.dmesg().next;
    let failure: unknown;
    try {
      await twin.write(`${mdevPath(UUID_B)}/assign_domain`, '0xab');
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(SyscallFailure);
    const json = (failure as SyscallFailure).json;
    expect(json).toMatchObject({ errno: 'EADDRINUSE', code: 98, op: 'write' });
    expect(json.log).toEqual(twin.dmesg(cursor).entries.map((e) => e.line));
    expect(twin.readText(`${mdevPath(UUID_A)}/matrix`)).toBe('05.00ab\n');
    expect(twin.ls('/sys/bus/mdev/devices')).toEqual([UUID_A, UUID_B].sort());
    expect(twin.realpath(`/sys/bus/mdev/devices/${UUID_A}`)).toBe(mdevPath(UUID_A));
    expect(twin.stat(`/sys/bus/mdev/devices/${UUID_A}`).kind).toBe('link');
  });

  it('tells its listeners what changed', async () => {
    const twin = await bootTwin();
    const seen: TwinEvent[] = [];
    const off = twin.on((e) => seen.push(e));
    await twin.write(`${TYPE_DIR}/create`, UUID_A);
    off();
    await twin.write(`${TYPE_DIR}/create`, UUID_B);
    expect(seen.map((e) => e.type)).toEqual(['log', 'uevent', 'uevent', 'change']);
    expect(seen[1]).toMatchObject({ action: 'add', devpath: `/devices/vfio_ap/matrix/${UUID_A}`, properties: { SEQNUM: '1' } });
    expect(seen[2]).toMatchObject({ action: 'bind', properties: { DRIVER: 'vfio_ap_mdev' } });
  });

  it("manages mdevs with mdevctl's functions and keeps their config files", async () => {
    const twin = await bootTwin();
    await twin.write(`${TYPE_DIR}/create`, UUID_A);
    const out = new MdevOutput();
    await twin.manage('read', 'mdev list', (b) => mdevList({ b, out, readFile: () => new Uint8Array() }, { defined: false, dumpjson: false, verbose: false }));
    expect(out.stdout.join('').split('\n')[0]).toBe(`${UUID_A} matrix vfio_ap-passthrough manual`);
  });

  it('runs QEMU, talks to its monitor, shows the CRYCB and the trace, and restores a snapshot', async () => {
    const twin = await bootTwin();
    const clean = twin.snapshot();
    await twin.write('/sys/bus/ap/apmask', '-5');
    await twin.write(`${TYPE_DIR}/create`, UUID_A);
    await twin.write(`${mdevPath(UUID_A)}/assign_adapter`, '5');
    await twin.write(`${mdevPath(UUID_A)}/assign_domain`, '4');
    const q = await twin.qemu(['-M', 's390-ccw-virtio', '-accel', 'kvm', '-device', `vfio-ap,sysfsdev=${mdevPath(UUID_A)}`]);
    expect(q).toMatchObject({ exitCode: 0, vm: 'vm0' });
    expect((await guestCrycb(twin, 'vm0'))!.stdout).toMatch(/^format 2\nAPM 0x04/);
    expect((await vmMonitor(twin, 'vm0', 'info status'))!.stdout).toMatch(/running/);
    expect((await vmTrace(twin, 'vm0')).length).toBeGreaterThan(0);
    expect(await vmStop(twin, 'vm0')).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await vmStop(twin, 'vm0')).toBeUndefined();
    await twin.restore(clean);
    expect(twin.ls('/sys/bus/mdev/devices')).toEqual([]);
  });

  it('loads the twin a state file holds', async () => {
    const state = `${tempDir()}/twin.json`;
    await new StateStore(state).create(await bootHost({ preset: 'z16' }), false);
    const twin = await LiveTwin.load(state);
    expect(twin.readText('/sys/bus/ap/ap_max_domain_id')).toBe('84\n');
  });
});
