// vfioctl export: QEMU's -device (both forms) and libvirt XML, validated with libvirt's own
// schemas through virt-xml-validate (Debian libvirt-clients) where it is installed.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, twinHarness, UUID_A, UUID_B } from './manage-helpers.js';

const missing = ['virt-xml-validate', 'xmllint'].filter((t) => spawnSync(t, ['--version']).error !== undefined);
const haveValidator = missing.length === 0;
if (!haveValidator) console.log(`virt-xml-validate checks skipped: ${missing.join(' and ')} not found (apt-get install libvirt-clients libxml2-utils)`);

function validate(xml: string, schema: 'nodedev' | 'domain'): { ok: boolean; out: string } {
  const file = join(tempDir(), `${schema}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('virt-xml-validate', [file, schema], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const JSON_A = '{"mdev_type":"vfio_ap-passthrough","start":"auto","attrs":[{"assign_adapter":"5"},{"assign_domain":"0xab"},{"assign_control_domain":"0xab"}]}';

describe('vfioctl export', () => {
  it('qemu: the -device argument, old style and libvirt JSON', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], JSON_A);
    expect(await h.cli(['export', 'qemu', UUID_A])).toEqual({ code: 0, stderr: '', stdout: `-device vfio-ap,sysfsdev=/sys/bus/mdev/devices/${UUID_A}\n` });
    expect((await h.cli(['export', 'qemu', UUID_A, '--json'])).stdout).toBe(
      `-device '{"driver":"vfio-ap","id":"hostdev0","sysfsdev":"/sys/bus/mdev/devices/${UUID_A}"}'\n`,
    );
    expect(await h.cli(['export', 'qemu', UUID_B])).toEqual({ code: 1, stdout: '', stderr: `Error: Mediated device ${UUID_B} is neither defined nor active\n` });
  });

  it('libvirt-nodedev: a defined device, and a running one without a definition (attributes from its matrix)', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], JSON_A);
    const nodedev = (await h.cli(['export', 'libvirt-nodedev', UUID_A])).stdout;
    expect(nodedev).toBe(
      [
        '<device>',
        '  <name>mdev_aaaaaaaa_0000_4000_8000_000000000001_matrix</name>',
        '  <parent>ap_matrix</parent>',
        "  <capability type='mdev'>",
        "    <type id='vfio_ap-passthrough'/>",
        `    <uuid>${UUID_A}</uuid>`,
        "    <attr name='assign_adapter' value='5'/>",
        "    <attr name='assign_domain' value='0xab'/>",
        "    <attr name='assign_control_domain' value='0xab'/>",
        '  </capability>',
        '</device>',
        '',
      ].join('\n'),
    );
    await h.cli(['mdev', 'start', '-u', UUID_B, '-p', 'matrix', '--jsonfile', '-'], '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"6"},{"assign_domain":"0x47"},{"assign_domain":"4"}]}');
    const live = (await h.cli(['export', 'libvirt-nodedev', UUID_B])).stdout;
    expect(live).toContain(`  <path>/sys/devices/vfio_ap/matrix/${UUID_B}</path>\n`);
    expect(live).toContain("    <attr name='assign_adapter' value='6'/>\n    <attr name='assign_domain' value='4'/>\n    <attr name='assign_domain' value='71'/>\n");
    if (haveValidator) {
      for (const doc of [nodedev, live]) {
        const v = validate(doc, 'nodedev');
        expect(v.ok, v.out).toBe(true);
      }
    }
  });

  it('libvirt-hostdev: valid inside a minimal s390x domain', async () => {
    const h = twinHarness();
    await h.cli(['mdev', 'define', '-u', UUID_A, '-p', 'matrix', '--jsonfile', '-'], JSON_A);
    const hostdev = (await h.cli(['export', 'libvirt-hostdev', UUID_A])).stdout;
    expect(hostdev).toBe(`<hostdev mode='subsystem' type='mdev' model='vfio-ap'>\n  <source>\n    <address uuid='${UUID_A}'/>\n  </source>\n</hostdev>\n`);
    if (!haveValidator) return;
    const domain = [
      "<domain type='kvm'>",
      '  <name>vfioctl-check</name>',
      "  <memory unit='KiB'>524288</memory>",
      '  <os>',
      "    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>",
      '  </os>',
      '  <devices>',
      ...hostdev.trimEnd().split('\n').map((l) => `    ${l}`),
      '  </devices>',
      '</domain>',
      '',
    ].join('\n');
    const v = validate(domain, 'domain');
    expect(v.ok, v.out).toBe(true);
  });
});
