import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceHelp,
  formatDeviceList,
  formatMachineHelp,
  formatOptsListHelp,
  formatPropertiesHelp,
  MEMORY_OPTS,
  NAME_OPTS,
  objectPropertyHelp,
} from '../../../src/vmm/options/index.js';
import { DEVICE_LIST, DEVICES, fixtureCase, MACHINES, VFIO_AP, VFIO_CCW } from './qemu-7.2-data.js';

describe('device property help', () => {
  it('prints vfio-ap exactly as QEMU 7.2', () => {
    expect(deviceHelp('vfio-ap', DEVICES)).toEqual({ kind: 'text', stdout: 'vfio-ap options:\n  sysfsdev=<str>\n' });
    expect(fixtureCase('vfio-ap properties').stdout).toBe('vfio-ap options:\n  sysfsdev=<str>\n');
  });

  it('pads descriptions to column 24, shows defaults and hides QOM plumbing', () => {
    expect(deviceHelp('vfio-ccw', DEVICES)).toEqual({ kind: 'text', stdout: fixtureCase('properties with descriptions and defaults').stdout });
    expect(objectPropertyHelp({ name: 'force-orb-pfch', type: 'bool', description: '', defaultValue: 'false' }))
      .toBe('  force-orb-pfch=<bool>  -  (default: false)');
    expect(objectPropertyHelp({ name: 'use-disabled-flag', type: 'bool', defaultValue: 'true' }))
      .toBe('  use-disabled-flag=<bool> -  (default: true)');
  });

  it('resolves aliases and reports missing or abstract types', () => {
    expect(deviceHelp('virtio-rng', DEVICES)).toMatchObject({ kind: 'text', stdout: expect.stringMatching(/^virtio-rng-ccw options:\n/) });
    expect(deviceHelp('foo', DEVICES)).toEqual({ kind: 'error', message: "Device 'foo' not found" });
    expect(deviceHelp('ap-device', DEVICES)).toEqual({ kind: 'error', message: "Parameter 'typename' expects a non-abstract device type" });
    expect(deviceHelp('diag288', DEVICES)).toEqual({ kind: 'text', stdout: 'There are no options for diag288.\n' });
  });

  it('sorts property lines by bytes whatever the input order', () => {
    const shuffled = fc.sample(fc.shuffledSubarray([...VFIO_CCW.properties], { minLength: VFIO_CCW.properties.length }), 5);
    for (const properties of shuffled) {
      expect(deviceHelp('vfio-ccw', [{ ...VFIO_CCW, properties }])).toEqual(deviceHelp('vfio-ccw', [VFIO_CCW]));
    }
  });
});

describe('-device help', () => {
  it('re-renders the captured 7.2 listing from its entries in any order', () => {
    const expected = fixtureCase('device list').stdout;
    expect(formatDeviceList(DEVICE_LIST)).toBe(expected);
    for (const devices of fc.sample(fc.shuffledSubarray([...DEVICE_LIST], { minLength: DEVICE_LIST.length }), 5)) {
      expect(formatDeviceList(devices)).toBe(expected);
    }
  });

  it('lists vfio-ap under Misc with bus and description', () => {
    expect(formatDeviceList([VFIO_AP])).toBe(
      '\nMisc devices:\nname "vfio-ap", bus ap-bus, desc "VFIO-based AP device assignment"\n',
    );
  });

  it('skips non-user-creatable and abstract types unless asked, and puts uncategorised ones last', () => {
    const devices = [
      { name: 'ap-bridge', properties: [], bus: 'System', userCreatable: false },
      { name: 'Zeta', properties: [], categories: ['misc' as const] },
      { name: 'alpha', properties: [], categories: ['misc' as const, 'bridge' as const] },
      { name: 'ap-device', properties: [], abstract: true },
    ];
    expect(formatDeviceList(devices)).toBe(
      'Controller/Bridge/Hub devices:\nname "alpha"\n\nMisc devices:\nname "alpha"\nname "Zeta"\n',
    );
    expect(formatDeviceList(devices, true)).toMatch(/\nUncategorized devices:\nname "ap-bridge", bus System, no-user\n$/);
  });
});

describe('-machine help', () => {
  it('lists machines with the alias line before its target', () => {
    const expected = fixtureCase('machine list').stdout;
    expect(formatMachineHelp(undefined, MACHINES)).toBe(expected);
    for (const machines of fc.sample(fc.shuffledSubarray([...MACHINES], { minLength: MACHINES.length }), 5)) {
      expect(formatMachineHelp(undefined, machines)).toBe(expected);
    }
    expect(expected).toContain('s390-ccw-virtio      Virtual s390x machine (version 7.2) (alias of s390-ccw-virtio-7.2)\n');
  });

  it('prints the class properties of a known type or alias, the list otherwise', () => {
    const props = fixtureCase('machine properties').stdout;
    expect(props.startsWith('s390-ccw-virtio-7.2-machine options:\n')).toBe(true);
    expect(formatMachineHelp('s390-ccw-virtio', MACHINES)).toBe(props);
    expect(formatMachineHelp('s390-ccw-virtio-7.2', MACHINES)).toBe(props);
    expect(formatMachineHelp('foo', MACHINES)).toBe(fixtureCase('machine list').stdout);
  });

  it('orders families before standalone machines, newest first inside a family', () => {
    const out = formatMachineHelp(undefined, [
      { name: 'none', desc: 'empty machine' },
      { name: 'pc-1.0', desc: 'old', family: 'pc' },
      { name: 'pc-2.0', desc: 'new', family: 'pc', isDefault: true, deprecated: true },
    ]);
    expect(out).toBe('Supported machines are:\npc-2.0               new (default) (deprecated)\npc-1.0               old\nnone                 empty machine\n');
  });
});

describe('QemuOptsList help', () => {
  it('prints -name and -m help exactly', () => {
    expect(formatOptsListHelp(NAME_OPTS)).toBe(fixtureCase('help prints the list and exits 1').stdout);
    expect(formatOptsListHelp(MEMORY_OPTS)).toBe('memory options:\n  maxmem=<size>\n  size=<size>\n  slots=<num>\n');
    expect(formatOptsListHelp({ name: 'x', mergeLists: false, desc: [] })).toBe('There are no options for x.\n');
    expect(formatPropertiesHelp('t', [])).toBe('There are no options for t.\n');
  });
});
