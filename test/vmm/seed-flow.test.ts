// The seed's scenario end to end, in both profiles: an mdev made as the kernel documentation
// makes it, `qemu-system-s390x -device vfio-ap,sysfsdev=…`, the CRYCB the driver programs,
// the guest's view, and what happens around it (one-device rule, busy group, remove, hot
// plug, reset). Every step goes through a snapshot/restore, as separate CLI calls would.

import { describe, expect, test } from 'vitest';
import { writeText } from '../../src/kernel/syscall-surface.js';
import { lszcrypt } from '../../src/guest/lszcrypt.js';
import { viewApqns } from '../../src/guest/guest-os.js';
import { formatTrace } from '../../src/vmm/trace.js';
import { AP_CPU, MATRIX, UUID_A, UUID_B, bootTwin, makeMdev, matrixOf, reload, shadowOf, type Twin } from './helpers.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';
import { s390Kvm } from '../../src/kernel/kvm/s390/kvm-s390.js';
import { s390Board } from '../../src/vmm/s390/board.js';

const ZERO = `0x${'0'.repeat(64)}`;

/** The four sysfsdev spellings of the kernel documentation (spec vfio-ap §2.3). */
function sysfsdevPaths(profile: 'modern' | 'legacy', uuid: string): string[] {
  return [
    `${MATRIX}/${uuid}`,
    `/sys/bus/mdev/devices/${uuid}`,
    `/sys/bus/mdev/drivers/${profile === 'modern' ? 'vfio_ap_mdev' : 'vfio_mdev'}/${uuid}`,
    `${MATRIX}/mdev_supported_types/vfio_ap-passthrough/devices/${uuid}`,
  ];
}

function crycbOf(t: Twin, id: string): { apm: string; aqm: string; adm: string } {
  const c = s390Board(t.vms.get(id)!).crycb();
  return { apm: c.apm.toHex(), aqm: c.aqm.toHex(), adm: c.adm.toHex() };
}

/** What the driver pushes: the filtered shadow (modern) or the matrix itself (4.20). */
function expectedCrycb(t: Twin, uuid: string): { apm: string; aqm: string; adm: string } {
  return t.host.profile === 'modern' ? shadowOf(t, uuid) : matrixOf(t, uuid);
}

function start(t: Twin, args: string[]): string {
  const r = t.vms.start(args);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout.trim();
}

describe.each(['modern', 'legacy'] as const)('seed flow, %s profile', (profile) => {
  test.each(sysfsdevPaths(profile, UUID_A))('sysfsdev=%s: the guest gets exactly its matrix', (path) => {
    let t = bootTwin(profile);
    makeMdev(t, UUID_A, [5], [4, 0x47], [4]);
    makeMdev(t, UUID_B, [6], [4]);
    t = reload(t);
    const id = start(t, ['-cpu', AP_CPU, '-device', `vfio-ap,sysfsdev=${path},id=hostdev0`]);
    expect(id).toBe('vm0');
    t = reload(t);
    const vm = t.vms.get('vm0')!;
    expect(crycbOf(t, 'vm0')).toEqual(expectedCrycb(t, UUID_A));
    expect(crycbOf(t, 'vm0').apm).toBe(`0x04${'0'.repeat(62)}`);
    // the device name is the path's last component: the UUID, for all four paths
    expect(s390Board(vm).vfioApDevices()[0]!.vdev.name).toBe(UUID_A);
    expect(viewApqns(s390Board(vm).guest.view)).toEqual(['05.0004', '05.0047']);
    expect(lszcrypt(s390Board(vm).guest.view, false).stdout).toBe(
      [
        'CARD.DOM TYPE  MODE        STATUS     REQUESTS',
        '----------------------------------------------',
        '05       CEX5C CCA-Coproc  online            0',
        '05.0004  CEX5C CCA-Coproc  online            0',
        '05.0047  CEX5C CCA-Coproc  online            0',
        '',
      ].join('\n'),
    );
    const trace = formatTrace(t.vms.trace.forVm('vm0'));
    const order = ['vfio_get_group', 'vfio_connect_container', 'kvm_vfio_group_add', 'vfio_get_device', profile === 'modern' ? 'vfio_device_open' : 'vfio_group_notify_set_kvm', 'crycb_masks_written'];
    const at = order.map((e) => trace.indexOf(` ${e} `));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(trace).toContain(profile === 'modern' ? 'open_device' : 'VFIO_GROUP_NOTIFY_SET_KVM');
    // the QEMU process exits: the kernel closes its files, the CRYCB is cleared
    t.vms.get('vm0')!.exit();
    t = reload(t);
    expect(t.vms.list()).toEqual([]);
    expect(apOf(t.host).vfioAp.byUuid.get(UUID_A)!.kvm).toBeUndefined();
    expect([...t.host.kvms.vms.values()].every((k) => s390Kvm(k).crycb.bytes.every((b) => b === 0))).toBe(true);
  });

  test('one vfio-ap device per guest: both QEMU messages', () => {
    const t = bootTwin(profile);
    const a = makeMdev(t, UUID_A, [5], [4]);
    const b = makeMdev(t, UUID_B, [6], [4]);
    let r = t.vms.start(['-device', `vfio-ap,sysfsdev=${a}`, '-device', `vfio-ap,sysfsdev=${b}`]);
    expect(r).toMatchObject({ exitCode: 1, stdout: '' });
    expect(r.stderr).toBe(`qemu-system-s390x: -device vfio-ap,sysfsdev=${b}: No 'ap-bus' bus found for device 'vfio-ap'\n`);
    r = t.vms.start(['-device', `vfio-ap,sysfsdev=${a}`, '-device', `vfio-ap,sysfsdev=${b},bus=ap-bus`]);
    expect(r.stderr).toBe(`qemu-system-s390x: -device vfio-ap,sysfsdev=${b},bus=ap-bus: Bus 'ap-bus' is full\n`);
    // the failed starts left nothing behind: the group of A is free again
    expect(t.vms.list()).toEqual([]);
    expect(apOf(t.host).vfioAp.byUuid.get(UUID_A)!.kvm).toBeUndefined();
    expect(start(t, ['-device', `vfio-ap,sysfsdev=${a}`])).toBe('vm0');
    const vm = t.vms.get('vm0')!;
    const prefix = profile === 'modern' ? 'Error: ' : '';
    if (profile === 'modern') {
      expect(vm.monitor(`device_add vfio-ap,sysfsdev=${b}`)).toEqual({ output: `${prefix}No 'ap-bus' bus found for device 'vfio-ap'\n`, error: true });
      expect(vm.monitor(`device_add vfio-ap,sysfsdev=${b},bus=ap-bus`)).toEqual({ output: `${prefix}Bus 'ap-bus' is full\n`, error: true });
    } else {
      // QEMU 3.1: vfio-ap is not hotpluggable, so qdev_get_device_class refuses it first
      expect(vm.monitor(`device_add vfio-ap,sysfsdev=${b}`)).toEqual({ output: "Parameter 'driver' expects pluggable device type\n", error: true });
    }
  });

  test('a second VM on the same mdev: the group is busy', () => {
    let t = bootTwin(profile);
    const a = makeMdev(t, UUID_A, [5], [4]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a}`]);
    t = reload(t);
    const r = t.vms.start(['-name', 'second', '-device', `vfio-ap,sysfsdev=${a}`]);
    const group = apOf(t.host).vfioAp.byUuid.get(UUID_A)!.vfio!.group.id;
    const prefix = profile === 'modern' ? `vfio ${UUID_A}: ` : '';
    expect(r).toEqual({ exitCode: 1, stdout: '', stderr: `qemu-system-s390x: -device vfio-ap,sysfsdev=${a}: ${prefix}failed to open /dev/vfio/${group}: Device or resource busy\n` });
    expect(t.vms.list().map((v) => v.id)).toEqual(['vm0']);
    expect(crycbOf(t, 'vm0')).toEqual(expectedCrycb(t, UUID_A));
  });

  test('remove while the guest runs', () => {
    let t = bootTwin(profile);
    const a = makeMdev(t, UUID_A, [5], [4, 0x47]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a},id=ap0`]);
    t = reload(t);
    if (profile === 'legacy') {
      // 4.20: the parent's remove refuses while a guest holds the mdev
      expect(() => writeText(t.sh, `${a}/remove`, '1')).toThrow(/EBUSY/);
      expect(crycbOf(t, 'vm0')).toEqual(matrixOf(t, UUID_A));
      return;
    }
    // modern: the request IRQ makes QEMU unplug the device, then the remove completes
    writeText(t.sh, `${a}/remove`, '1');
    expect(apOf(t.host).vfioAp.byUuid.has(UUID_A)).toBe(false);
    const vm = t.vms.get('vm0')!;
    expect(s390Board(vm).vfioApDevices()).toEqual([]);
    expect(crycbOf(t, 'vm0').apm).toBe(ZERO);
    expect(t.host.log.format()).toContain(`vfio_ap_mdev ${UUID_A}: Relaying device request to user (#0)`);
    expect(formatTrace(t.vms.trace.forVm('vm0'))).toMatch(/vfio_ap_req_notifier[\s\S]*vfio_device_close/);
    t = reload(t);
    s390Board(t.vms.get('vm0')!).guest.rescan();
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual([]);
  });

  test('reset with a checkstopped queue logs the reset failure', () => {
    let t = bootTwin(profile);
    const a = makeMdev(t, UUID_A, [5], [4, 0x47]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a}`]);
    apOf(t.host).bus.queue(5, 0x47)!.chkstop = true;
    t = reload(t);
    const vm = t.vms.get('vm0')!;
    vm.systemReset();
    const err = profile === 'modern' ? 'Input/output error' : 'Device or resource busy';
    expect(vm.takeStderr()).toBe(`qemu-system-s390x: vfio_ap_reset: failed to reset ${UUID_A} device: ${err}\n`);
    expect(formatTrace(t.vms.trace.forVm('vm0'))).toContain('VFIO_DEVICE_RESET');
    // the guest rebooted and still has its queues (a checkstopped one shows as such)
    expect(lszcrypt(s390Board(vm).guest.view, false).stdout).toContain('05.0047  CEX5C CCA-Coproc  chkstop           0');
  });
});

describe('hot plug and unplug (modern)', () => {
  test('assign/unassign while running: CRYCB follows the shadow, the guest sees it', () => {
    let t = bootTwin('modern');
    const a = makeMdev(t, UUID_A, [5], [4]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a}`]);
    t = reload(t);
    writeText(t.sh, `${a}/assign_adapter`, '6');
    expect(crycbOf(t, 'vm0')).toEqual(shadowOf(t, UUID_A));
    // the config-change notifier made the guest rescan at once
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual(['05.0004', '06.0004']);
    t = reload(t);
    writeText(t.sh, `${a}/assign_domain`, '0x47');
    t = reload(t);
    s390Board(t.vms.get('vm0')!).guest.rescan();
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual(['05.0004', '05.0047', '06.0004', '06.0047']);
    writeText(t.sh, `${a}/unassign_adapter`, '5');
    expect(crycbOf(t, 'vm0')).toEqual(shadowOf(t, UUID_A));
    t = reload(t);
    s390Board(t.vms.get('vm0')!).guest.rescan();
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual(['06.0004', '06.0047']);
  });

  test('device_del and device_add: visible to the guest after its rescan', () => {
    let t = bootTwin('modern');
    const a = makeMdev(t, UUID_A, [5], [4]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a},id=ap0`]);
    t = reload(t);
    expect(t.vms.get('vm0')!.monitor('device_del ap0')).toEqual({ output: '', error: false });
    expect(crycbOf(t, 'vm0').apm).toBe(ZERO);
    t = reload(t);
    s390Board(t.vms.get('vm0')!).guest.rescan();
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual([]);
    expect(t.vms.get('vm0')!.monitor('device_del ap0')).toEqual({ output: "Error: Device 'ap0' not found\n", error: true });
    expect(t.vms.get('vm0')!.monitor(`device_add vfio-ap,sysfsdev=${a},id=ap0`)).toEqual({ output: '', error: false });
    expect(crycbOf(t, 'vm0')).toEqual(shadowOf(t, UUID_A));
    t = reload(t);
    s390Board(t.vms.get('vm0')!).guest.rescan();
    expect(viewApqns(s390Board(t.vms.get('vm0')!).guest.view)).toEqual(['05.0004']);
  });

  test('legacy: assignments are refused while the guest runs, device_del is refused', () => {
    let t = bootTwin('legacy');
    const a = makeMdev(t, UUID_A, [5], [4]);
    start(t, ['-device', `vfio-ap,sysfsdev=${a},id=ap0`]);
    t = reload(t);
    expect(() => writeText(t.sh, `${a}/assign_adapter`, '6')).toThrow(/EBUSY/);
    expect(t.vms.get('vm0')!.monitor('device_del ap0')).toEqual({ output: "Device 'vfio-ap' does not support hotplugging\n", error: true });
    expect(crycbOf(t, 'vm0')).toEqual(matrixOf(t, UUID_A));
  });
});
