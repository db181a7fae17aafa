// vfio-ap realize failures with QEMU's texts: QEMU 7.2+ (spec vfio-ap §5.3) and QEMU 3.1.

import { describe, expect, test } from 'vitest';
import { MATRIX, UUID_A, bootTwin, makeMdev } from './helpers.js';

function stderrOf(profile: 'modern' | 'legacy', device: string): string {
  const t = bootTwin(profile);
  makeMdev(t, UUID_A, [5], [4]);
  const r = t.vms.start(['-device', device]);
  expect(r.exitCode).toBe(1);
  expect(t.vms.list()).toEqual([]);
  return r.stderr;
}

describe('modern (QEMU 7.2+)', () => {
  test('sysfsdev that does not exist', () => {
    expect(stderrOf('modern', 'vfio-ap,sysfsdev=/x')).toBe('qemu-system-s390x: -device vfio-ap,sysfsdev=/x: vfio /x: no such host device: No such file or directory\n');
  });
  test('no sysfsdev at all: stat(NULL)', () => {
    expect(stderrOf('modern', 'vfio-ap')).toBe('qemu-system-s390x: -device vfio-ap: vfio (null): no such host device: Bad address\n');
  });
  test('a device without an IOMMU group', () => {
    expect(stderrOf('modern', `vfio-ap,sysfsdev=${MATRIX}`)).toBe(`qemu-system-s390x: -device vfio-ap,sysfsdev=${MATRIX}: vfio matrix: no iommu_group found: No such file or directory\n`);
  });
  test('unknown property', () => {
    expect(stderrOf('modern', 'vfio-ap,x-foo=1')).toBe("qemu-system-s390x: -device vfio-ap,x-foo=1: Property 'vfio-ap.x-foo' not found\n");
  });
  test('not a device type, abstract, not user-creatable', () => {
    expect(stderrOf('modern', 'vfio_ap')).toBe("qemu-system-s390x: -device vfio_ap: 'vfio_ap' is not a valid device model name\n");
    expect(stderrOf('modern', 'ap-device')).toBe("qemu-system-s390x: -device ap-device: Parameter 'driver' expects a non-abstract device type\n");
    expect(stderrOf('modern', 'ap-bridge')).toBe("qemu-system-s390x: -device ap-bridge: Parameter 'driver' expects a pluggable device type\n");
  });
  test('a trailing slash still names the mdev (g_path_get_basename)', () => {
    const t = bootTwin('modern');
    makeMdev(t, UUID_A, [5], [4]);
    expect(t.vms.start(['-device', `vfio-ap,sysfsdev=${MATRIX}/${UUID_A}/`]).exitCode).toBe(0);
  });
});

describe('legacy (QEMU 3.1)', () => {
  test('sysfsdev that does not exist: g_file_read_link fails', () => {
    expect(stderrOf('legacy', 'vfio-ap,sysfsdev=/x')).toBe(
      'qemu-system-s390x: -device vfio-ap,sysfsdev=/x: vfio-ap: no iommu_group found for /x: Failed to read the symbolic link “/x/iommu_group”: No such file or directory\n',
    );
  });
  test('unknown property: the type name is missing from the message', () => {
    expect(stderrOf('legacy', 'vfio-ap,x-foo=1')).toBe("qemu-system-s390x: -device vfio-ap,x-foo=1: Property '.x-foo' not found\n");
  });
  test('a trailing slash makes libc basename empty: GET_DEVICE_FD fails with the hint', () => {
    const err = stderrOf('legacy', `vfio-ap,sysfsdev=${MATRIX}/${UUID_A}/`);
    expect(err).toMatch(/^qemu-system-s390x: -device vfio-ap,sysfsdev=\S+: error getting device from group 0: .+\nVerify all devices in group 0 are bound to vfio-<bus> or pci-stub and not already in use\n$/);
  });
});
