// The mdev core with vfio_ap as its parent: create/remove, the links that make four paths
// lead to one device, IOMMU groups and /dev/vfio/N.
import { describe, expect, it } from 'vitest';
import { boot, FakeKvm, MATRIX, state, TYPE, UUID1, UUID2, UUID3 } from '../sh.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';

const UPPER = '62177883-F1BB-47F0-914D-32A22E3A8804';

describe('the matrix device and its mdev type', () => {
  it('publishes the parent, the type and the class link', () => {
    const sh = boot();
    expect(sh.cat(`${TYPE}/name`)).toBe('VFIO AP Passthrough Device\n');
    expect(sh.cat(`${TYPE}/device_api`)).toBe('vfio-ap\n');
    expect(sh.cat(`${TYPE}/available_instances`)).toBe('65536\n');
    expect(sh.cat(`${TYPE}/description`)).toBe('ENOENT');
    expect(sh.ls(TYPE)).toEqual(['available_instances', 'create', 'device_api', 'devices', 'name']);
    expect(sh.cat(`${TYPE}/create`)).toBe('EACCES');
    expect(sh.ls(`${TYPE}/devices`)).toEqual([]);
    expect(sh.readlink('/sys/class/mdev_bus/matrix')).toBe('../../devices/vfio_ap/matrix');
    expect(sh.realpath('/sys/bus/matrix/devices/matrix')).toBe(MATRIX);
    expect(sh.cat(`${MATRIX}/features`)).toBe('guest_matrix hotplug ap_config\n');
    expect(sh.cat(`${MATRIX}/uevent`)).toBe('DRIVER=vfio_ap\n');
    expect(sh.ls('/sys/bus/matrix/drivers/vfio_ap')).toEqual(['matrix', 'uevent']); // suppress_bind_attrs
    expect(sh.dmesg()).toContain('vfio_ap matrix: MDEV: Registered');
  });

  it('legacy: no features file', () => {
    const sh = boot('doc', 'legacy');
    expect(sh.cat(`${MATRIX}/features`)).toBe('ENOENT');
    expect(sh.cat(`${TYPE}/available_instances`)).toBe('65536\n');
  });
});

describe('create', () => {
  it('names the device with the lower-case UUID and takes one instance', () => {
    const sh = boot();
    expect(sh.echo(UPPER, `${TYPE}/create`)).toBe(37);
    expect(sh.ls(MATRIX)).toContain(UUID1);
    expect(sh.ls(MATRIX)).not.toContain(UPPER);
    expect(sh.cat(`${TYPE}/available_instances`)).toBe('65535\n');
    expect(sh.ls(`${TYPE}/devices`)).toEqual([UUID1]);
    expect(sh.dmesg()).toContain(`vfio_ap_mdev ${UUID1}: Adding to iommu group 0`);
  });

  it('takes exactly 36 bytes, or 37 with any last byte', () => {
    const sh = boot();
    expect(sh.write(`${TYPE}/create`, UUID1)).toBe(36);
    expect(sh.write(`${TYPE}/create`, `${UUID2}x`)).toBe(37);
    expect(sh.write(`${TYPE}/create`, `${UUID3}\0`)).toBe(37);
    expect(sh.ls(`${TYPE}/devices`)).toEqual([UUID2, UUID1, UUID3].sort());
  });

  it.each([
    ['35 bytes', UUID1.slice(0, 35)],
    ['35 bytes + newline', `${UUID1.slice(0, 35)}\n`],
    ['38 bytes', `${UUID1}\n\n`],
    ['a bad dash', `${UUID1.slice(0, 8)}_${UUID1.slice(9)}\n`],
    ['a non-hex digit', `g${UUID1.slice(1)}\n`],
    ['braces', `{${UUID1.slice(1, 35)}}\n`],
    ['a NUL inside', `${UUID1.slice(0, 10)}\0${UUID1.slice(11)}\n`],
    ['spaces', ' '.repeat(36)],
  ])('refuses %s with EINVAL', (_name, buf) => {
    const sh = boot();
    const before = state(sh.host);
    expect(sh.write(`${TYPE}/create`, buf)).toBe('EINVAL');
    expect(state(sh.host)).toEqual(before);
  });

  it('refuses a UUID already in use with EEXIST, whatever its case', () => {
    const sh = boot();
    sh.mdev(UUID1);
    const before = state(sh.host);
    expect(sh.echo(UUID1, `${TYPE}/create`)).toBe('EEXIST');
    expect(sh.echo(UPPER, `${TYPE}/create`)).toBe('EEXIST');
    expect(state(sh.host)).toEqual(before);
  });

  it('answers EUSERS once no instance is left (modern mdev core counter)', () => {
    const sh = boot();
    (apOf(sh.host).vfioAp.mdevType as { maxInstances: number }).maxInstances = 2;
    sh.mdev(UUID1);
    sh.mdev(UUID2);
    expect(sh.cat(`${TYPE}/available_instances`)).toBe('0\n');
    expect(sh.echo(UUID3, `${TYPE}/create`)).toBe('EUSERS');
    expect(sh.echo(UUID1, `${TYPE}/create`)).toBe('EEXIST'); // the duplicate check comes first
  });

  it('legacy: vfio_ap counts instances itself and answers EPERM; the mdev core logs the group', () => {
    const sh = boot('doc', 'legacy');
    (apOf(sh.host).vfioAp.mdevType as { maxInstances: number }).maxInstances = 1;
    sh.mdev(UUID1);
    expect(sh.dmesg().slice(-2)).toEqual([`vfio_mdev ${UUID1}: Adding to iommu group 0`, `vfio_mdev ${UUID1}: MDEV: group_id = 0`]);
    const before = state(sh.host);
    expect(sh.echo(UUID2, `${TYPE}/create`)).toBe('EPERM');
    expect(state(sh.host)).toEqual(before);
    expect(sh.ls(MATRIX)).not.toContain(UUID2);
    expect(sh.ls('/sys/bus/mdev/devices')).toEqual([UUID1]);
    expect(sh.logged(() => sh.echo('1', `${MATRIX}/${UUID1}/remove`))).toEqual([
      `vfio_mdev ${UUID1}: Removing from iommu group 0`,
      `vfio_mdev ${UUID1}: MDEV: detaching iommu`,
    ]);
  });

  it('makes four paths that resolve to one directory, with the kernel link targets', () => {
    const sh = boot();
    const dir = sh.mdev(UPPER);
    expect(dir).toBe(`${MATRIX}/${UUID1}`);
    const paths = [
      dir,
      `/sys/bus/mdev/devices/${UUID1}`,
      `/sys/bus/mdev/drivers/vfio_ap_mdev/${UUID1}`,
      `${TYPE}/devices/${UUID1}`,
    ];
    for (const p of paths) expect(sh.realpath(p), p).toBe(dir);
    expect(sh.readlink(paths[1]!)).toBe(`../../../devices/vfio_ap/matrix/${UUID1}`);
    expect(sh.readlink(paths[2]!)).toBe(`../../../../devices/vfio_ap/matrix/${UUID1}`);
    expect(sh.readlink(paths[3]!)).toBe(`../../../${UUID1}`);
    expect(sh.readlink(`${dir}/mdev_type`)).toBe('../mdev_supported_types/vfio_ap-passthrough');
    expect(sh.readlink(`${dir}/driver`)).toBe('../../../../bus/mdev/drivers/vfio_ap_mdev');
    expect(sh.readlink(`${dir}/subsystem`)).toBe('../../../../bus/mdev');
    expect(sh.readlink(`${dir}/iommu_group`)).toBe('../../../../kernel/iommu_groups/0');
    expect(sh.realpath(`${dir}/iommu_group`)).toBe('/sys/kernel/iommu_groups/0');
    expect(sh.readlink(`/sys/kernel/iommu_groups/0/devices/${UUID1}`)).toBe(`../../../../devices/vfio_ap/matrix/${UUID1}`);
    expect(sh.realpath(`${paths[2]}/subsystem`)).toBe('/sys/bus/mdev');
    expect(sh.realpath(`${paths[1]}/mdev_type/devices/${UUID1}/matrix`)).toBe(`${dir}/matrix`);
    expect(sh.sys.stat('/dev/vfio/0')).toMatchObject({ kind: 'chr' });
    expect(sh.cat(`${dir}/uevent`)).toBe('DRIVER=vfio_ap_mdev\n');
    expect(sh.ls(dir)).toEqual([
      'ap_config',
      'assign_adapter',
      'assign_control_domain',
      'assign_domain',
      'control_domains',
      'driver',
      'guest_matrix',
      'iommu_group',
      'matrix',
      'mdev_type',
      'power',
      'remove',
      'subsystem',
      'uevent',
      'unassign_adapter',
      'unassign_control_domain',
      'unassign_domain',
    ]);
    for (const f of ['assign_adapter', 'unassign_adapter', 'assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain', 'remove'])
      expect(sh.sys.stat(`${dir}/${f}`).mode, f).toBe(0o200);
    for (const f of ['matrix', 'guest_matrix', 'control_domains']) expect(sh.sys.stat(`${dir}/${f}`).mode, f).toBe(0o444);
    expect(sh.sys.stat(`${dir}/ap_config`).mode).toBe(0o644);
  });

  it('gives each mdev its own IOMMU group, lowest free number first', () => {
    const sh = boot();
    sh.mdev(UUID1);
    sh.mdev(UUID2);
    expect(sh.readlink(`${MATRIX}/${UUID2}/iommu_group`)).toBe('../../../../kernel/iommu_groups/1');
    expect(sh.ls('/dev/vfio')).toEqual(['0', '1', 'vfio']);
    expect(sh.echo('1', `${MATRIX}/${UUID1}/remove`)).toBe(2);
    expect(sh.ls('/dev/vfio')).toEqual(['1', 'vfio']);
    expect(sh.ls('/sys/kernel/iommu_groups')).toEqual(['1']);
    sh.mdev(UUID3);
    expect(sh.readlink(`${MATRIX}/${UUID3}/iommu_group`)).toBe('../../../../kernel/iommu_groups/0');
  });

  it('legacy: the generic vfio_mdev driver', () => {
    const sh = boot('doc', 'legacy');
    const dir = sh.mdev(UUID1);
    expect(sh.readlink(`${dir}/driver`)).toBe('../../../../bus/mdev/drivers/vfio_mdev');
    expect(sh.realpath(`/sys/bus/mdev/drivers/vfio_mdev/${UUID1}`)).toBe(dir);
    expect(sh.ls('/sys/bus/mdev/drivers/vfio_ap_mdev')).toBe('ENOENT');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('ENOENT');
    expect(sh.cat(`${dir}/ap_config`)).toBe('ENOENT');
    expect(sh.cat(`${dir}/matrix`)).toBe('');
  });
});

describe('remove', () => {
  it('0 is a no-op, garbage EINVAL (also for an overflowing number), 1 removes', () => {
    const sh = boot();
    const dir = sh.mdev(UUID1);
    const before = state(sh.host);
    expect(sh.echo('0', `${dir}/remove`)).toBe(2);
    expect(sh.echo('0x0', `${dir}/remove`)).toBe(4);
    for (const bad of ['x', '-1', '1 ', '', '18446744073709551616']) expect(sh.echo(bad, `${dir}/remove`), bad).toBe('EINVAL');
    expect(state(sh.host)).toEqual(before);
    expect(sh.echo('01', `${dir}/remove`)).toBe(3);
    for (const p of [dir, `/sys/bus/mdev/devices/${UUID1}`, `/sys/bus/mdev/drivers/vfio_ap_mdev/${UUID1}`, `${TYPE}/devices/${UUID1}`])
      expect(sh.realpath(p), p).toBe('ENOENT');
    expect(sh.ls('/dev/vfio')).toEqual(['vfio']);
    expect(sh.ls('/sys/kernel/iommu_groups')).toEqual([]);
    expect(sh.cat(`${TYPE}/available_instances`)).toBe('65536\n');
    expect(sh.dmesg()).toContain(`vfio_ap_mdev ${UUID1}: Removing from iommu group 0`);
    // the UUID is free again
    expect(sh.echo(UUID1, `${TYPE}/create`)).toBe(37);
  });

  it('unlinks the queues and leaves them unassigned', () => {
    const sh = boot();
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    expect(sh.cat('/sys/devices/ap/card05/05.0004/status')).toBe('assigned\n');
    expect(sh.echo('1', `${dir}/remove`)).toBe(2);
    expect(sh.cat('/sys/devices/ap/card05/05.0004/status')).toBe('unassigned\n');
    expect(apOf(sh.host).vfioAp.queue(5, 4)?.mdev).toBeUndefined();
  });

  it('legacy: EBUSY while a guest holds the mdev, and the mdev stays', () => {
    const sh = boot('doc', 'legacy');
    const dir = sh.mdev(UUID1);
    sh.matrixMdev(UUID1).kvm = new FakeKvm();
    const before = state(sh.host);
    expect(sh.echo('1', `${dir}/remove`)).toBe('EBUSY');
    expect(state(sh.host)).toEqual(before);
    expect(sh.realpath(`/sys/bus/mdev/devices/${UUID1}`)).toBe(dir);
    expect(sh.ls(dir)).toContain('remove');
    sh.matrixMdev(UUID1).kvm = undefined;
    expect(sh.echo('1', `${dir}/remove`)).toBe(2);
  });
});

describe('file permissions on the twin', () => {
  it('EACCES reading write-only and writing read-only files, EISDIR writing a directory', () => {
    const sh = boot();
    const dir = sh.mdev(UUID1);
    for (const f of ['assign_adapter', 'unassign_domain', 'remove']) expect(sh.cat(`${dir}/${f}`), f).toBe('EACCES');
    for (const f of ['matrix', 'guest_matrix', 'control_domains']) expect(sh.echo('5', `${dir}/${f}`), f).toBe('EACCES');
    expect(sh.echo('5', `${TYPE}/available_instances`)).toBe('EACCES');
    expect(sh.echo('5', '/sys/bus/ap/ap_adapter_mask')).toBe('EACCES');
    expect(sh.cat('/sys/bus/ap/drivers/vfio_ap/bind')).toBe('EACCES');
    expect(sh.echo('5', dir)).toBe('EISDIR');
    expect(sh.echo('5', `/sys/bus/mdev/devices/${UUID1}`)).toBe('EISDIR');
    expect(sh.cat(`${dir}/matrix/`)).toBe('ENOTDIR');
    expect(sh.cat(`${dir}/nope`)).toBe('ENOENT');
  });
});
