// The ARM twin through the CLI (issue 9's contract): host irq, host device regs, guest dt,
// guest interrupts, guest mmio, dumpdtb to a real file, and demo --arch; each invocation
// reloads the state, as a shell session does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dtcDecode, hasDtc } from '../dtc-peer.js';
import { decodeFdt, formatDts } from '../../src/core/fdt.js';
import { runCli, twinCli } from './helpers.js';

const D = '/sys/bus/platform/devices/fff51000.ethernet';

async function midwayWithGuest() {
  const t = twinCli();
  expect((await t.cli('host', 'init', '--preset', 'midway')).code).toBe(0);
  await t.cli('sys', 'write', `${D}/driver_override`, 'vfio-platform');
  await t.cli('sys', 'write', '/sys/bus/platform/drivers/calxedaxgmac/unbind', 'fff51000.ethernet');
  await t.cli('sys', 'write', '/sys/bus/platform/drivers_probe', 'fff51000.ethernet');
  const q = await t.cli('qemu', '-M', 'virt', '-accel', 'tcg', '-nographic', '-name', 'g', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet');
  expect(q).toMatchObject({ code: 0, stdout: 'g\n', stderr: '' });
  return t;
}

describe('host irq and host device regs', () => {
  it('drive a line and print the registers; bad devices, indexes and arches are refused', async () => {
    const t = await midwayWithGuest();
    expect(await t.cli('host', 'irq', 'fff51000.ethernet', '1')).toMatchObject({ code: 0, stdout: 'fff51000.ethernet interrupt 1 (SPI 81, level): asserted\n' });
    expect((await t.cli('guest', 'g', 'interrupts')).stdout).toContain(' 41:          1     GIC-0 145 Level     c000000.fff51000.ethernet\n');
    expect(await t.cli('host', 'irq', 'fff51000.ethernet', '3')).toMatchObject({ code: 1, stderr: 'vfioctl: host irq: fff51000.ethernet has no interrupt 3 (0..2)\n' });
    expect(await t.cli('host', 'irq', 'soc', '0')).toMatchObject({ code: 1, stderr: 'vfioctl: host irq: no platform device \'soc\' (devices: fff50000.ethernet, fff51000.ethernet, ffe08000.sata)\n' });
    expect(await t.cli('host', 'device', 'fff51000.ethernet', 'regs', '--region', '1')).toMatchObject({ code: 1, stderr: 'vfioctl: host device regs: fff51000.ethernet has no region 1 (0..0)\n' });
    expect((await t.cli('host', 'device', 'fff51000.ethernet', 'nope')).code).toBe(2);
    const s390 = twinCli();
    await s390.cli('host', 'init');
    expect(await s390.cli('host', 'irq', 'x', '0')).toMatchObject({ code: 1, stderr: 'vfioctl: host irq: an s390x host has no platform devices\n' });
  });
});

describe('guest dt, interrupts and mmio', () => {
  it('mmio reads and writes the passed-through registers; the guest count follows the handler', async () => {
    const t = await midwayWithGuest();
    expect(await t.cli('guest', 'g', 'mmio', 'write', 'fff51000.ethernet', 'f1c', '1a061')).toMatchObject({ code: 0, stdout: '' });
    expect(await t.cli('guest', 'g', 'mmio', 'read', 'fff51000.ethernet', '0xf1c')).toMatchObject({ code: 0, stdout: '0x0001a061\n' });
    expect((await t.cli('host', 'device', 'fff51000.ethernet', 'regs')).stdout).toBe('0x0f1c 0x0001a061\n');
    await t.cli('host', 'irq', 'fff51000.ethernet', '0');
    await t.cli('guest', 'g', 'mmio', 'read', 'fff51000.ethernet', '0');
    expect((await t.cli('guest', 'g', 'interrupts')).stdout).toContain(' 40:          2     GIC-0 144 Level');
    expect((await t.cli('trace')).stdout).toMatch(/vfio_platform_eoi +fff51000\.ethernet pin 0: GIC 144 lowered, host IRQ unmasked\n/);
  });

  it('refuses what a 32-bit register access cannot be', async () => {
    const t = await midwayWithGuest();
    const mmio = (...a: string[]) => t.cli('guest', 'g', 'mmio', ...a);
    expect(await mmio('peek', 'fff51000.ethernet', '0')).toMatchObject({ code: 2, stderr: "vfioctl: guest mmio: expected read or write, got 'peek'\n" });
    expect(await mmio('read', 'fff51000.ethernet', '2')).toMatchObject({ code: 1, stderr: 'vfioctl: guest mmio: offset 0x2 is not a 32-bit register of region 0 (size 0x1000)\n' });
    expect(await mmio('read', 'fff51000.ethernet', '1000')).toMatchObject({ code: 1 });
    expect(await mmio('write', 'fff51000.ethernet', '0')).toMatchObject({ code: 2, stderr: 'vfioctl: guest mmio: a write needs a VALUE (hex)\n' });
    expect(await mmio('write', 'fff51000.ethernet', '0', '100000000')).toMatchObject({ code: 1, stderr: "vfioctl: guest mmio: bad value '100000000' (32-bit hex)\n" });
    expect(await mmio('read', 'fff50000.ethernet', '0')).toMatchObject({ code: 1, stderr: 'vfioctl: guest mmio: fff50000.ethernet is not passed through to g (fff51000.ethernet)\n' });
    expect(await t.cli('guest', 'nope', 'dt')).toMatchObject({ code: 1, stderr: "vfioctl: no VM 'nope' is running\n" });
    expect(await t.cli('guest', 'g', 'lszcrypt')).toMatchObject({ code: 1, stderr: 'vfioctl: the guest of g is not an s390x guest (qemu-system-arm): its AP actions do not apply\n' });
  });

  it('dumpdtb writes a file that dtc decodes into exactly `guest ID dt`', async () => {
    const t = await midwayWithGuest();
    const file = join(t.dir, 'g.dtb');
    const r = await t.cli('qemu', '-M', `virt,dumpdtb=${file}`, '-accel', 'tcg', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet');
    // the running guest holds the device: a second QEMU cannot open its group
    expect(r.stderr).toBe('qemu-system-arm: -device vfio-calxeda-xgmac,host=fff51000.ethernet: vfio fff51000.ethernet: failed to open /dev/vfio/1: Device or resource busy\n');
    await t.cli('vm', 'stop', 'g');
    expect(await t.cli('qemu', '-M', `virt,dumpdtb=${file}`, '-accel', 'tcg', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet')).toMatchObject({
      code: 0,
      stderr: `qemu-system-arm: info: dtb dumped to ${file}. Exiting.\n`,
    });
    const q = await t.cli('qemu', '-M', 'virt', '-accel', 'tcg', '-name', 'h', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet');
    expect(q.code).toBe(0);
    const dt = (await t.cli('guest', 'h', 'dt')).stdout;
    // the two VMs differ only in /chosen's seeds (they come from the VM id)
    const noSeeds = (s: string) => s.replace(/\t\t(rng|kaslr)-seed = <[^>]*>;\n/g, '');
    expect(noSeeds(formatDts(decodeFdt(readFileSync(file))))).toBe(noSeeds(dt));
    if (hasDtc) expect(noSeeds(dtcDecode(file))).toBe(noSeeds(dt));
  });
});

describe('demo --arch', () => {
  it('aarch64: the XGBE over irqfd, counted once, reset at the end', async () => {
    const r = await runCli(['demo', '--arch', 'aarch64']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    for (const step of [
      '$ echo e0700000.xgmac > /sys/bus/platform/drivers_probe\n',
      'vfio-platform e0300000.sata: No reset function found for device e0300000.sata\n',
      '\t\te0700000.xgmac@0 {\n',
      '$ vfioctl host irq e0700000.xgmac 0\nguest1# cat /proc/interrupts\n           CPU0       \n 40:          1     GIC-0 144 Level     c000000.e0700000.xgmac\n',
      'irqfd-resample',
      '$ vfioctl host device e0700000.xgmac regs\n0x0000 0x00000003\n',
      '$ vfioctl host device e0700000.xgmac regs\n$ dmesg | tail -n 1\n',
    ])
      expect(r.stdout).toContain(step);
    expect((await runCli(['demo', '--arch', 'aarch64'])).stdout).toBe(r.stdout);
  });

  it('arm: the XGMAC on the eventfd path; an unknown arch is a usage error', async () => {
    const r = await runCli(['demo', '--arch', 'arm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vfio_platform_intp_interrupt');
    expect(r.stdout).toContain('(trapped: vfio_region_read)');
    expect(await runCli(['demo', '--arch', 'mips'])).toMatchObject({ code: 2, stderr: "vfioctl: demo: unknown arch 'mips' (s390x, aarch64, arm or ppc64le)\n" });
  });
});
