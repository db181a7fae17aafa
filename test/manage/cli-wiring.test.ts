// The management commands through vfioctl's real entry point (main → buildProgram):
// host init, then mdev/ap mask/export on the twin, and --root over a `host export` tree.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { twinCli } from '../cli/helpers.js';

const U = 'aaaaaaaa-0000-4000-8000-000000000001';

describe('vfioctl main wiring', () => {
  it('mdev, ap mask and export work on a twin made by host init', async () => {
    const { cli, dir } = twinCli();
    expect((await cli('host', 'init', '--preset', 'doc')).code).toBe(0);
    expect((await cli('ap', 'mask', '--apmask', '-5,-6', '--aqmask', '-4,-0x47,-0xab,-0xff')).code).toBe(0);
    expect((await cli('ap', 'mask')).stdout).toBe('ATTRIBUTE  ACTIVE                     PERSISTENT\napmask     "0-4,7-255"                -\naqmask     "0-3,5-70,72-170,172-254"  -\n');
    expect(await cli('mdev', 'define', '-u', U, '-p', 'matrix', '-t', 'vfio_ap-passthrough', '-a')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    for (const [k, v] of [
      ['assign_adapter', '5'],
      ['assign_domain', '0xab'],
    ])
      expect((await cli('mdev', 'modify', '-u', U, `--addattr=${k}`, `--value=${v}`)).code).toBe(0);
    expect(await cli('mdev', 'start', '-u', U)).toMatchObject({ code: 0, stderr: '' });
    expect((await cli('sys', 'read', `/sys/bus/mdev/devices/${U}/matrix`)).stdout).toBe('05.00ab\n');
    expect((await cli('mdev', 'list')).stdout).toBe(`${U} matrix vfio_ap-passthrough auto (defined)\n\n`);
    expect((await cli('export', 'qemu', U)).stdout).toBe(`-device vfio-ap,sysfsdev=/sys/bus/mdev/devices/${U}\n`);
    // another command's save keeps the config files (Twin carries the files section)
    expect((await cli('sys', 'write', '/sys/bus/ap/apmask', '+7')).code).toBe(0);
    expect((await cli('mdev', 'list', '-d')).stdout).toBe(`${U} matrix vfio_ap-passthrough auto (active)\n\n`);
    // a real root: the exported sysfs with the twin's etc/mdevctl.d beside it
    const root = join(dir, 'root');
    expect((await cli('host', 'export', root)).code).toBe(0);
    expect((await cli('mdev', 'list', '--root', root)).stdout).toBe(`${U} matrix vfio_ap-passthrough auto (defined)\n\n`);
    expect((await cli('mdev', 'types', '--root', root)).stdout).toContain('Available instances: 65535\n');
    expect((await cli('mdev', 'stop', '-u', U)).code).toBe(0);
    expect((await cli('mdev', 'list')).stdout).toBe('\n');
  });
});
