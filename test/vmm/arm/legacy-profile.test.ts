// The legacy profile (Linux 4.20, QEMU 3.1, spec vfio-core §4 and §6): 3.1's property
// texts, no dynamic sysbus check before realize (machine_init_done says it instead), and
// the /platform@c000000 node.

import { describe, expect, it } from 'vitest';
import { bindVfio, bootArm } from './arm-helpers.js';

const B = ['-nodefaults', '-nographic', '-accel', 'tcg'];

describe('QEMU 3.1 texts on a midway (4.20) twin', () => {
  const run = (args: string[]) => bootArm('midway', 'legacy').vms.start([...B, ...args]);

  it.each([
    [['-M', 'virt', '-device', 'vfio-platform,foo=1'], "qemu-system-arm: -device vfio-platform,foo=1: Property '.foo' not found\n"],
    [['-M', 'virt', '-device', 'vfio-platform,x-irqfd=maybe'], "qemu-system-arm: -device vfio-platform,x-irqfd=maybe: Invalid parameter type for 'x-irqfd', expected: boolean\n"],
    [['-M', 'virt', '-device', 'vfio-platform,mmap-timeout-ms=abc'], "qemu-system-arm: -device vfio-platform,mmap-timeout-ms=abc: Parameter 'mmap-timeout-ms' expects an int64 value or range\n"],
    [['-M', 'virt', '-device', 'vfio-platform'], 'qemu-system-arm: -device vfio-platform: vfio error: wrong host device name\n'],
    [['-M', 'virt', '-device', 'platform-bus-device'], "qemu-system-arm: -device platform-bus-device: Parameter 'driver' expects pluggable device type\n"],
  ])('%j', (args, stderr) => {
    expect(run(args)).toMatchObject({ exitCode: 1, stderr });
  });

  it('a machine without the allow-list realizes the device, then refuses it at machine done', () => {
    const t = bootArm('midway', 'legacy');
    bindVfio(t, 'fff51000.ethernet');
    const r = t.vms.start([...B, '-M', 'none', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet']);
    expect(r).toMatchObject({ exitCode: 1, stderr: "qemu-system-arm: Option '-device vfio-calxeda-xgmac' cannot be handled by this machine\n" });
    // the failed start left nothing open
    expect(t.host.vfio.group(1).opened).toBe(false);
  });

  it('-M help lists the machine types 3.1 had: virt is virt-3.1', () => {
    const r = run(['-M', 'help']);
    expect(r.stdout).toContain('virt                 QEMU 3.1 ARM Virtual Machine (alias of virt-3.1)\n');
    expect(r.stdout).not.toContain('virt-4.0');
  });
});
