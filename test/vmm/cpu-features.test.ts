// The s390 CPU model's AP features on the twin: what KVM offers, QEMU's warnings and
// errors, and what the guest then sees (spec vfio-ap §5.7).

import { describe, expect, test } from 'vitest';
import { Host } from '../../src/kernel/host.js';
import { parseHostSpec } from '../../src/kernel/host-spec.js';
import { restoreVms } from '../../src/api/vm-host.js';
import { lszcrypt } from '../../src/guest/lszcrypt.js';
import { viewApqns } from '../../src/guest/guest-os.js';
import { AP_CPU, UUID_A, bootTwin, makeMdev } from './helpers.js';
import { s390Board } from '../../src/vmm/s390/board.js';

describe('CPU model features under KVM', () => {
  test('-cpu host has every AP feature the host offers, and the AP bridge', () => {
    const t = bootTwin();
    const r = t.vms.start([]);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'vm0\n', stderr: '' });
    const vm = t.vms.get('vm0')!;
    expect([...s390Board(vm).cpu.features].sort()).toEqual(['ap', 'apft', 'apqci', 'apqi']);
    expect(vm.devices().map((d) => d.typeName)).toContain('ap-bridge');
  });

  test("dependency warnings: 'apqci' requires 'ap', and QEMU starts", () => {
    const t = bootTwin();
    const r = t.vms.start(['-cpu', 'host,ap=off,apqci=on,apft=on,apqi=off']);
    expect(r).toEqual({
      exitCode: 0,
      stdout: 'vm0\n',
      stderr: "qemu-system-s390x: warning: 'apqci' requires 'ap'.\nqemu-system-s390x: warning: 'apft' requires 'ap'.\n",
      vm: expect.anything(),
    });
    // without `ap` there is no ap-bus
    const a = makeMdev(t, UUID_A, [5], [4]);
    expect(t.vms.start(['-cpu', 'host,ap=off,apqci=off,apft=off,apqi=off', '-device', `vfio-ap,sysfsdev=${a}`]).stderr).toBe(
      `qemu-system-s390x: -device vfio-ap,sysfsdev=${a}: No 'ap-bus' bus found for device 'vfio-ap'\n`,
    );
  });

  test('-accel tcg has no ap: no ap-bus, and ap=on is refused', () => {
    const t = bootTwin();
    const a = makeMdev(t, UUID_A, [5], [4]);
    expect(t.vms.start(['-accel', 'tcg', '-device', `vfio-ap,sysfsdev=${a}`]).stderr).toBe(
      `qemu-system-s390x: -device vfio-ap,sysfsdev=${a}: No 'ap-bus' bus found for device 'vfio-ap'\n`,
    );
    expect(t.vms.start(['-accel', 'tcg', '-cpu', 'qemu,ap=on,apqci=on'])).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'qemu-system-s390x: Some features requested in the CPU model are not available in the configuration: ap apqci  \n',
    });
    expect(t.vms.start(['-accel', 'tcg', '-cpu', 'host']).stderr).toBe('qemu-system-s390x: CPU definition requires KVM\n');
  });

  test('a host without QCI cannot offer apqci', () => {
    const host = Host.boot(parseHostSpec({ qci: false, apxa: false, adapters: [{ id: 5, type: 'CEX7C' }], usageDomains: [4] }));
    const vms = restoreVms(host, undefined);
    expect(vms.start(['-cpu', 'host,apqci=on']).stderr).toBe(
      'qemu-system-s390x: Some features requested in the CPU model are not available in the configuration: apqci  \n',
    );
    const r = vms.start([]);
    expect(r.exitCode).toBe(0);
    expect([...s390Board(r.vm!).cpu.features].sort()).toEqual(['ap', 'apft', 'apqi']);
  });
});

describe('what the guest sees depends on its CPU model', () => {
  function guestWith(cpu: string) {
    const t = bootTwin();
    const a = makeMdev(t, UUID_A, [5], [4, 0x47]);
    const r = t.vms.start(['-cpu', cpu, '-device', `vfio-ap,sysfsdev=${a}`]);
    expect(r.exitCode).toBe(0);
    return s390Board(t.vms.get('vm0')!).guest;
  }

  test('all features: every APQN of the CRYCB', () => {
    expect(viewApqns(guestWith(AP_CPU).view)).toEqual(['05.0004', '05.0047']);
  });

  test('without apqci only APQIs 0-15 are probed', () => {
    const g = guestWith('host,apqci=off');
    expect(viewApqns(g.view)).toEqual(['05.0004']);
    expect(g.view.qci).toBeUndefined();
  });

  test('without apft the guest cannot tell the card type: no devices', () => {
    const g = guestWith('host,apft=off');
    expect(viewApqns(g.view)).toEqual([]);
    expect(lszcrypt(g.view, false)).toEqual({ stdout: '', stderr: 'lszcrypt: No crypto card devices found.\n', exitCode: 1 });
  });

  test('without ap the guest has no AP bus at all', () => {
    const t = bootTwin();
    t.vms.start(['-cpu', 'host,ap=off']);
    expect(lszcrypt(s390Board(t.vms.get('vm0')!).guest.view, false).stderr).toBe('lszcrypt: Crypto device driver not available.\n');
  });

  test('-S: the guest boots only at cont', () => {
    const t = bootTwin();
    const a = makeMdev(t, UUID_A, [5], [4]);
    t.vms.start(['-S', '-device', `vfio-ap,sysfsdev=${a}`]);
    const vm = t.vms.get('vm0')!;
    expect(vm.status).toBe('paused');
    expect(s390Board(vm).guest.booted).toBe(false);
    expect(vm.monitor('info status').output).toBe('VM status: paused\n');
    vm.monitor('cont');
    expect(viewApqns(s390Board(vm).guest.view)).toEqual(['05.0004']);
  });
});
