import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_UUID, DEMO_UUID_2 } from '../../src/cli/commands/demo.js';
import { runCli, twinCli } from './helpers.js';

describe('vfioctl demo', () => {
  it('narrates the kernel documentation flow as a shell transcript', async () => {
    const r = await runCli(['demo']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const m = `/sys/devices/vfio_ap/matrix/${DEMO_UUID}`;
    const steps = [
      '$ echo -5,-6 > /sys/bus/ap/apmask\n',
      '$ echo -4,-0xab > /sys/bus/ap/aqmask\n',
      `$ echo ${DEMO_UUID} > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n`,
      `$ echo 5 > ${m}/assign_adapter\n`,
      `$ echo 4 > ${m}/assign_domain\n`,
      `$ echo 0xab > ${m}/assign_domain\n`,
      `$ echo 0xab > ${m}/assign_control_domain\n`,
      `$ cat ${m}/matrix\n05.0004\n05.00ab\n`,
      `$ cat ${m}/guest_matrix\n05.0004\n05.00ab\n`,
      `$ readlink ${m}/iommu_group\n../../../../kernel/iommu_groups/0\n`,
      `$ echo 5 > /sys/devices/vfio_ap/matrix/${DEMO_UUID_2}/assign_adapter\nbash: echo: write error: Address already in use\n# write(2) failed with EADDRINUSE\n`,
      `vfio_ap_mdev ${DEMO_UUID_2}: Userspace may not assign queue 05.00ab to mdev: already assigned to ${DEMO_UUID}\n`,
      // the guest part: realize programs the CRYCB, the guest sees exactly its matrix
      'open_device: vfio_ap_mdev_open_device took the KVM of group 0\n',
      '$ cat /sys/devices/ap/card05/05.0004/status\nin use\n',
      'APM 0x0400000000000000000000000000000000000000000000000000000000000000\n',
      "No 'ap-bus' bus found for device 'vfio-ap'\n",
      'failed to open /dev/vfio/0: Device or resource busy\n',
      `$ echo 6 > ${m}/assign_adapter\n`,
      '06.00ab  CEX5A Accelerator online            0\n',
      // the guest signs on its passthrough queue, the host verifies on a queue it kept
      '$ vfioctl guest guest1 crypto rsa-crt --p $P --q $Q --dp $DP --dq $DQ --qinv $QINV --input $IN\nc4fa9274496da9969687508cf249e406b9d351adafc158212aa691046054322ad4336199ec63ce4eecfaf4389ddfe8384dd8272ea94d34e39e6e60b9c97c155e\n',
      '05.0004 rc=00 (normal) queue-empty=1 replies-pending=0 irq=0\n',
      '06.0004  CEX5A Accelerator online            1\n',
      `$ vfioctl host crypto rsa-me --modulus $N --exponent 010001 --input $SIGNATURE\n${'0'.repeat(104)}7666696f63746c2064656d6f\n`,
      '05.0047  CEX5C CCA-Coproc  online            1        0     11     08 S--D--N-F- cex4queue  \n',
      '06.0004  CEX5A Accelerator in use            -        -     11     08 SMC-A-N-F- vfio_ap    \n',
      '(qemu) device_del hostdev0\n',
      'APM 0x0000000000000000000000000000000000000000000000000000000000000000\n',
      '$ cat /sys/devices/ap/card05/05.0004/status\nassigned\n',
    ];
    let at = 0;
    for (const step of steps) {
      const found = r.stdout.indexOf(step, at);
      expect(found, step).toBeGreaterThan(at - 1);
      at = found + step.length;
    }
  });

  it('is deterministic and does not need or touch a state file', async () => {
    const { state, cli } = twinCli();
    const first = await cli('demo');
    expect((await cli('demo')).stdout).toBe(first.stdout);
    expect(existsSync(state)).toBe(false);
  });
});
