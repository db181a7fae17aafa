// The ARM host twin's platform bus, read as the kernel documentation and a shell see it:
// devices named from the device tree, their sysfs files, /sys/firmware/devicetree/base,
// IOMMU groups, binding vfio-platform with driver_override, and reset_required.

import { describe, expect, it } from 'vitest';
import { Host } from '../../../src/kernel/host.js';
import { parseHostSpec, presetSpec } from '../../../src/kernel/host-spec.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { Shell, boot } from '../sh.js';
import { openDevice } from './platform-vfio.js';

const now = (): number => 1_700_000_000_000;
const P = '/sys/bus/platform';
const XGBE = '/sys/devices/platform/smb/e0700000.xgmac';

describe('seattle (aarch64): devices from the device tree', () => {
  it('devices carry the names of_device_make_bus_id gives them, under their simple-bus parent', () => {
    const sh = boot('seattle');
    expect(sh.ls(`${P}/devices`)).toEqual(['e0300000.sata', 'e0700000.xgmac', 'e0900000.xgmac', 'smb']);
    expect(sh.readlink(`${P}/devices/e0700000.xgmac`)).toBe('../../../devices/platform/smb/e0700000.xgmac');
    expect(sh.ls(XGBE)).toEqual(['driver', 'driver_override', 'iommu_group', 'modalias', 'of_node', 'power', 'subsystem', 'uevent']);
    expect(sh.readlink(`${XGBE}/of_node`)).toBe('../../../../firmware/devicetree/base/smb/xgmac@e0700000');
    expect(sh.readlink(`${XGBE}/driver`)).toBe('../../../../bus/platform/drivers/amd-xgbe');
    expect(sh.cat(`${XGBE}/driver_override`)).toBe('(null)\n');
    expect(sh.cat(`${XGBE}/modalias`)).toBe('of:NxgmacT(null)Camd,xgbe-seattle-v1a\n');
    expect(sh.cat(`${XGBE}/uevent`)).toBe(
      'DRIVER=amd-xgbe\nOF_NAME=xgmac\nOF_FULLNAME=/smb/xgmac@e0700000\nOF_COMPATIBLE_0=amd,xgbe-seattle-v1a\nOF_COMPATIBLE_N=1\nMODALIAS=of:NxgmacT(null)Camd,xgbe-seattle-v1a\n',
    );
    expect(sh.ls(`${P}/drivers`)).toEqual(['amd-xgbe', 'calxedaxgmac', 'vfio-platform']);
    expect(sh.ls(`${P}`)).toEqual(['devices', 'drivers', 'drivers_autoprobe', 'drivers_probe', 'uevent']);
  });

  it('4.19 shows the node type as <NULL> in modalias', () => {
    const sh = boot('seattle', 'legacy');
    expect(sh.cat(`${XGBE}/modalias`)).toBe('of:NxgmacT<NULL>Camd,xgbe-seattle-v1a\n');
  });

  it('the device tree is under /sys/firmware/devicetree/base as binary big-endian cells and NUL-terminated strings', () => {
    const sh = boot('seattle');
    const node = '/sys/firmware/devicetree/base/smb/xgmac@e0700000';
    expect(sh.cat(`${node}/compatible`)).toBe('amd,xgbe-seattle-v1a\0');
    expect(sh.cat(`${node}/name`)).toBe('xgmac\0');
    expect(sh.cat(`${node}/clock-names`)).toBe('dma_clk\0ptp_clk\0');
    const reg = Buffer.from(sh.cat(`${node}/reg`) as string, 'latin1');
    expect(reg.length).toBe(5 * 16);
    expect([reg.readUInt32BE(0), reg.readUInt32BE(4), reg.readUInt32BE(8), reg.readUInt32BE(12)]).toEqual([0, 0xe0700000, 0, 0x80000]);
    const irqs = Buffer.from(sh.cat(`${node}/interrupts`) as string, 'latin1');
    expect([irqs.readUInt32BE(0), irqs.readUInt32BE(4), irqs.readUInt32BE(8), irqs.readUInt32BE(16), irqs.readUInt32BE(20)]).toEqual([0, 325, 4, 346, 1]);
    expect(sh.cat(`${node}/mac-address`)).toBe('\x02\xa1\xa2\xa3\xa4\xa5');
    expect(sh.cat(`${node}/dma-coherent`)).toBe('');
    expect(sh.cat('/sys/firmware/devicetree/base/smb/clk250mhz_0/compatible')).toBe('fixed-clock\0');
    expect(sh.cat('/proc/device-tree/smb/xgmac@e0700000/phy-mode')).toBe('xgmii\0');
  });

  it('each device is alone in its SMMU group; bus parents have none', () => {
    const sh = boot('seattle');
    expect(sh.readlink(`${XGBE}/iommu_group`)).toBe('../../../../kernel/iommu_groups/0');
    expect(sh.ls('/sys/kernel/iommu_groups')).toEqual(['0', '1', '2']);
    expect(sh.ls('/sys/kernel/iommu_groups/1/devices')).toEqual(['e0900000.xgmac']);
    expect(sh.ls('/sys/devices/platform/smb')).not.toContain('iommu_group');
    expect(sh.ls('/dev/vfio')).toEqual(['vfio']);
  });
});

describe('binding vfio-platform (spec vfio-core §1.10)', () => {
  it('driver_override + unbind + drivers_probe: the device joins VFIO and /dev/vfio/N appears', () => {
    const sh = boot('seattle');
    expect(sh.echo('vfio-platform', `${XGBE}/driver_override`)).toBe(14);
    expect(sh.echo('e0700000.xgmac', `${P}/drivers/amd-xgbe/unbind`)).toBe(15);
    expect(sh.ls('/dev/vfio')).toEqual(['vfio']);
    expect(sh.logged(() => expect(sh.echo('e0700000.xgmac', `${P}/drivers_probe`)).toBe(15))).toEqual([]);
    expect(sh.readlink(`${XGBE}/driver`)).toBe('../../../../bus/platform/drivers/vfio-platform');
    expect(sh.ls('/dev/vfio')).toEqual(['0', 'vfio']);
    expect(sh.ls(`${P}/drivers/vfio-platform`)).toEqual(['bind', 'e0700000.xgmac', 'uevent', 'unbind']);
    expect(sh.echo('e0700000.xgmac', `${P}/drivers/vfio-platform/unbind`)).toBe(15);
    expect(sh.ls('/dev/vfio')).toEqual(['vfio']);
  });

  it('bind needs driver_override: vfio-platform has no ID table', () => {
    const sh = boot('seattle');
    sh.echo('e0700000.xgmac', `${P}/drivers/amd-xgbe/unbind`);
    expect(sh.echo('e0700000.xgmac', `${P}/drivers/vfio-platform/bind`)).toBe('ENODEV');
    sh.echo('vfio-platform', `${XGBE}/driver_override`);
    expect(sh.echo('e0700000.xgmac', `${P}/drivers/vfio-platform/bind`)).toBe(15);
    expect(sh.echo('e0700000.xgmac', `${P}/drivers/vfio-platform/bind`)).toBe('EBUSY');
  });

  it('a device without a reset module is refused with ENOENT while reset_required is set', () => {
    const sh = boot('seattle');
    const SATA = '/sys/devices/platform/smb/e0300000.sata';
    expect(sh.cat('/sys/module/vfio_platform/parameters/reset_required')).toBe('Y\n');
    sh.echo('vfio-platform', `${SATA}/driver_override`);
    expect(sh.logged(() => expect(sh.echo('e0300000.sata', `${P}/drivers/vfio-platform/bind`)).toBe('ENOENT'))).toEqual([
      'vfio-platform e0300000.sata: No reset function found for device e0300000.sata',
      'vfio-platform e0300000.sata: probe with driver vfio-platform failed with error -2',
    ]);
    // drivers_probe reports only errors from before a probe: the device just stays driverless
    expect(sh.echo('e0300000.sata', `${P}/drivers_probe`)).toBe(14);
    expect(sh.readlink(`${SATA}/driver`)).toBe('ENOENT');
    const legacy = boot('seattle', 'legacy');
    legacy.echo('vfio-platform', `${SATA}/driver_override`);
    expect(legacy.logged(() => expect(legacy.echo('e0300000.sata', `${P}/drivers/vfio-platform/bind`)).toBe('ENODEV'))).toEqual([
      'vfio-platform e0300000.sata: No reset function found for device e0300000.sata',
      'vfio-platform: probe of e0300000.sata failed with error -2',
    ]);
  });

  it('vfio_platform.reset_required=0 on the command line lets it bind (the parameter is 0444)', () => {
    const spec = parseHostSpec({ ...presetSpec('seattle'), cmdline: 'vfio_platform.reset_required=0' });
    const sh = new Shell(Host.boot(spec, { now }));
    expect(sh.cat('/sys/module/vfio_platform/parameters/reset_required')).toBe('N\n');
    expect(sh.echo('Y', '/sys/module/vfio_platform/parameters/reset_required')).toBe('EACCES');
    sh.echo('vfio-platform', '/sys/devices/platform/smb/e0300000.sata/driver_override');
    expect(sh.echo('e0300000.sata', `${P}/drivers/vfio-platform/bind`)).toBe(14);
  });

  it('a device without an IOMMU group (a bus node) is refused with EINVAL once no reset is required', () => {
    const spec = parseHostSpec({ ...presetSpec('seattle'), cmdline: 'vfio_platform.reset_required=0' });
    const sh = new Shell(Host.boot(spec, { now }));
    sh.echo('vfio-platform', '/sys/devices/platform/smb/driver_override');
    expect(sh.logged(() => expect(sh.echo('smb', `${P}/drivers/vfio-platform/bind`)).toBe('EINVAL'))).toEqual([
      'vfio-platform smb: No IOMMU group for device smb',
      'vfio-platform smb: probe with driver vfio-platform failed with error -22',
    ]);
  });

  it('a host driver cannot take a device of a group user space owns (EBUSY); unbinding vfio-platform from an open device waits (EBUSY)', () => {
    const spec = parseHostSpec({
      arch: 'arm',
      platformDevices: [
        { node: '/soc/ethernet@fff50000', compatible: ['calxeda,hb-xgmac'], reg: [[0xfff50000, 0x1000]], iommuGroup: 'g' },
        { node: '/soc/ethernet@fff51000', compatible: ['calxeda,hb-xgmac'], reg: [[0xfff51000, 0x1000]], iommuGroup: 'g' },
      ],
    });
    const sh = new Shell(Host.boot(spec, { now }));
    for (const name of ['fff50000.ethernet', 'fff51000.ethernet']) sh.echo(name, `${P}/drivers/calxedaxgmac/unbind`);
    sh.echo('vfio-platform', '/sys/devices/platform/soc/fff50000.ethernet/driver_override');
    sh.echo('fff50000.ethernet', `${P}/drivers_probe`);
    const { p } = openDevice(sh, 'fff50000.ethernet');
    expect(sh.echo('fff51000.ethernet', `${P}/drivers/calxedaxgmac/bind`)).toBe('EBUSY');
    expect(sh.echo('fff50000.ethernet', `${P}/drivers/vfio-platform/unbind`)).toBe('EBUSY');
    p.exit();
    expect(sh.echo('fff50000.ethernet', `${P}/drivers/vfio-platform/unbind`)).toBe(18);
  });

  it('devices sharing an iommuGroup label share a group: the group is viable only when both are bound to VFIO or driverless', () => {
    const spec = parseHostSpec({
      arch: 'arm',
      platformDevices: [
        { node: '/soc/ethernet@fff50000', compatible: ['calxeda,hb-xgmac'], reg: [[0xfff50000, 0x1000]], iommuGroup: 'g' },
        { node: '/soc/ethernet@fff51000', compatible: ['calxeda,hb-xgmac'], reg: [[0xfff51000, 0x1000]], iommuGroup: 'g' },
      ],
    });
    const host = Host.boot(spec, { now });
    const sh = new Shell(host);
    expect(sh.ls('/sys/kernel/iommu_groups/0/devices')).toEqual(['fff50000.ethernet', 'fff51000.ethernet']);
    sh.echo('vfio-platform', '/sys/devices/platform/soc/fff50000.ethernet/driver_override');
    sh.echo('fff50000.ethernet', `${P}/drivers/calxedaxgmac/unbind`);
    sh.echo('fff50000.ethernet', `${P}/drivers_probe`);
    expect(host.vfio.group(0).viable()).toBe(false);
    sh.echo('fff51000.ethernet', `${P}/drivers/calxedaxgmac/unbind`);
    expect(host.vfio.group(0).viable()).toBe(true);
    expect(platformOf(host).device('fff51000.ethernet')!.driver).toBeUndefined();
  });

  it('a snapshot restores bindings, overrides and registers without probing or logging', () => {
    const sh = boot('midway');
    sh.echo('vfio-platform', '/sys/devices/platform/soc/fff51000.ethernet/driver_override');
    sh.echo('fff51000.ethernet', `${P}/drivers/calxedaxgmac/unbind`);
    sh.echo('fff51000.ethernet', `${P}/drivers_probe`);
    platformOf(sh.host).device('fff51000.ethernet')!.regions[0]!.write32(0xf1c, 0x1a061);
    const snap = JSON.parse(JSON.stringify(sh.host.snapshot()));
    const again = Host.restore(snap, { now });
    expect(JSON.parse(JSON.stringify(again.snapshot()))).toEqual(snap);
    const sh2 = new Shell(again);
    expect(sh2.ls('/dev/vfio')).toEqual(['1', 'vfio']);
    expect(sh2.cat('/sys/devices/platform/soc/fff51000.ethernet/driver_override')).toBe('vfio-platform\n');
  });
});
