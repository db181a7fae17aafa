// The POWER9 twin as Documentation/driver-api/vfio.rst walks it: PCI functions in sysfs,
// one IOMMU group per PE, unbinding from the host driver and binding to vfio-pci through
// driver_override or new_id, and a group that is viable only when every function left
// its host driver.

import { describe, expect, it } from 'vitest';
import { encodeGroupStatus, decodeGroupStatus, VFIO_GROUP_GET_STATUS } from '../../../src/core/vfio-uapi.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { parseHostSpec } from '../../../src/kernel/host-spec.js';
import { boot } from '../sh.js';

const ETH0 = '0000:01:00.0';
const ETH1 = '0000:01:00.1';
const NVME = '0001:01:00.0';
const DEV = '/sys/bus/pci/devices';

function viable(sh: ReturnType<typeof boot>, group: number): boolean | string {
  try {
    const fd = sh.sys.open(`/dev/vfio/${group}`, O_RDWR);
    try {
      const st = encodeGroupStatus({ argsz: 8 });
      sh.sys.ioctl(fd, VFIO_GROUP_GET_STATUS, st);
      return (decodeGroupStatus(st).flags & 1) === 1;
    } finally {
      sh.sys.close(fd);
    }
  } catch (e) {
    return (e as { code: string }).code;
  }
}

describe('p9: PCI functions, PEs and IOMMU groups', () => {
  it('lists the root ports and functions with their ids, class, driver and group', () => {
    const sh = boot('p9');
    expect(sh.ls(DEV)).toEqual(['0000:00:00.0', ETH0, ETH1, '0001:00:00.0', NVME]);
    expect(sh.cat(`${DEV}/${ETH0}/vendor`)).toBe('0x8086\n');
    expect(sh.cat(`${DEV}/${ETH0}/device`)).toBe('0x10fb\n');
    expect(sh.cat(`${DEV}/${ETH0}/class`)).toBe('0x020000\n');
    expect(sh.cat(`${DEV}/${NVME}/class`)).toBe('0x010802\n');
    expect(sh.readlink(`${DEV}/${ETH0}/driver`)).toBe('../../../../bus/pci/drivers/ixgbe');
    expect(sh.readlink(`${DEV}/${NVME}/driver`)).toBe('../../../../bus/pci/drivers/nvme');
    expect(sh.readlink(`${DEV}/${ETH0}/iommu_group`)).toBe('../../../../kernel/iommu_groups/0');
    expect(sh.readlink(`${DEV}/${ETH1}/iommu_group`)).toBe('../../../../kernel/iommu_groups/0');
    expect(sh.readlink(`${DEV}/${NVME}/iommu_group`)).toBe('../../../../kernel/iommu_groups/1');
    expect(sh.ls('/sys/kernel/iommu_groups/0/devices')).toEqual([ETH0, ETH1]);
    expect(sh.cat(`${DEV}/${ETH0}/eeh_pe_config_addr`)).toBe('0x1\n');
    expect(sh.cat(`${DEV}/${ETH0}/eeh_mode`)).toBe('0x200\n');
    expect(sh.cat(`${DEV}/${ETH0}/eeh_pe_state`)).toBe('0x00000078 0x00000000\n');
    expect(sh.cat(`${DEV}/${ETH0}/driver_override`)).toBe('(null)\n');
    const res = (sh.cat(`${DEV}/${ETH0}/resource`) as string).split('\n');
    expect(res[0]).toBe('0x0000600000000000 0x000060000007ffff 0x000000000014220c');
    expect(res).toHaveLength(14);
    const cfg = sh.cat(`${DEV}/${ETH0}/config`) as string;
    expect(cfg.length).toBe(4096);
    expect(cfg.charCodeAt(0x0e)).toBe(0x80);
  });

  it('a group is viable only when both functions of the adapter left ixgbe', () => {
    const sh = boot('p9');
    expect(viable(sh, 0)).toBe('ENOENT');
    expect(sh.echo('vfio-pci', `${DEV}/${ETH0}/driver_override`)).toBe(9);
    expect(sh.echo(ETH0, '/sys/bus/pci/drivers/ixgbe/unbind')).toBe(13);
    expect(sh.echo(ETH0, '/sys/bus/pci/drivers_probe')).toBe(13);
    expect(sh.readlink(`${DEV}/${ETH0}/driver`)).toBe('../../../../bus/pci/drivers/vfio-pci');
    expect(viable(sh, 0)).toBe(false);
    expect(sh.echo(ETH1, '/sys/bus/pci/drivers/ixgbe/unbind')).toBe(13);
    expect(viable(sh, 0)).toBe(true);
  });

  it('new_id binds every unbound function it now matches; a second new_id is EEXIST; remove_id ENODEV when absent', () => {
    const sh = boot('p9');
    expect(sh.echo(NVME, '/sys/bus/pci/drivers/nvme/unbind')).toBe(13);
    expect(sh.echo('144d a822', '/sys/bus/pci/drivers/vfio-pci/new_id')).toBe(10);
    expect(sh.readlink(`${DEV}/${NVME}/driver`)).toBe('../../../../bus/pci/drivers/vfio-pci');
    expect(sh.echo('144d a822', '/sys/bus/pci/drivers/vfio-pci/new_id')).toBe('EEXIST');
    expect(sh.echo('144d', '/sys/bus/pci/drivers/vfio-pci/new_id')).toBe('EINVAL');
    expect(sh.echo('144d a822', '/sys/bus/pci/drivers/vfio-pci/remove_id')).toBe(10);
    expect(sh.echo('144d a822', '/sys/bus/pci/drivers/vfio-pci/remove_id')).toBe('ENODEV');
    expect(viable(sh, 1)).toBe(true);
  });

  it('vfio-pci refuses a root port (a bridge) and binding without an override is ENODEV', () => {
    const sh = boot('p9');
    expect(sh.echo('0000:00:00.0', '/sys/bus/pci/drivers/pcieport/unbind')).toBe(13);
    expect(sh.echo('0000:00:00.0', '/sys/bus/pci/drivers/vfio-pci/bind')).toBe('ENODEV');
    expect(sh.echo('vfio-pci', `${DEV}/0000:00:00.0/driver_override`)).toBe(9);
    expect(sh.echo('0000:00:00.0', '/sys/bus/pci/drivers/vfio-pci/bind')).toBe('EINVAL');
  });
});

describe('a ppc64le HostSpec is checked field by field', () => {
  const bad = (input: unknown): string => {
    try {
      parseHostSpec(input);
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const fn = { slot: '01:00.0', vendor: 0x8086, device: 0x10fb, class: 0x020000 };

  it('names the field that is wrong', () => {
    expect(bad({ arch: 'ppc64le', phbs: [] })).toMatch(/^invalid host spec: phbs: /);
    expect(bad({ arch: 'ppc64le', phbs: [{ domain: 0 }, { domain: 0 }] })).toBe('invalid host spec: phbs[1].domain: duplicate domain 0');
    expect(bad({ arch: 'ppc64le', phbs: [{ domain: 0, pes: [{ pe: 1, functions: [fn, fn] }] }] })).toBe('invalid host spec: phbs[0].pes[0].functions[1].slot: duplicate slot 01:00.0');
    expect(bad({ arch: 'ppc64le', phbs: [{ domain: 0, pes: [{ pe: 1, functions: [{ ...fn, slot: '0000:01:00.0' }] }] }] })).toBe(
      'invalid host spec: phbs[0].pes[0].functions[0].slot: expected bus:device.function such as 01:00.0',
    );
    expect(bad({ arch: 'ppc64le', phbs: [{ domain: 0, pes: [{ pe: 1, functions: [{ ...fn, bars: [{ index: 0, size: 0x3000, kind: 'mem64' }] }] }] }] })).toBe(
      'invalid host spec: phbs[0].pes[0].functions[0].bars[0].size: expected a power of two',
    );
    expect(bad({ arch: 'ppc64le', phbs: [{ domain: 0, pes: [{ pe: 1, functions: [fn] }, { pe: 1, functions: [{ ...fn, slot: '02:00.0' }] }] }] })).toBe(
      'invalid host spec: phbs[0].pes[1].pe: duplicate PE 1',
    );
    expect(bad({ arch: 'ppc64le', eeh: false, phbs: [{ domain: 3, pes: [{ pe: 2, functions: [fn] }] }] })).toBe('accepted');
  });
});
