import { describe, expect, it } from 'vitest';
import { twinCli } from './helpers.js';

const ETH0 = '0000:01:00.0';

/** A p9 twin with the adapter's functions on vfio-pci and a pseries VM with the first one. */
async function running() {
  const t = twinCli();
  await t.cli('host', 'init', '--preset', 'p9');
  for (const bdf of [ETH0, '0000:01:00.1']) {
    await t.cli('sys', 'write', `/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
    await t.cli('sys', 'write', '/sys/bus/pci/drivers/ixgbe/unbind', bdf);
    await t.cli('sys', 'write', '/sys/bus/pci/drivers_probe', bdf);
  }
  const r = await t.cli('qemu', '-M', 'pseries', '-nodefaults', '-nographic', '-device', `vfio-pci,host=${ETH0}`);
  expect(r).toMatchObject({ code: 0, stdout: 'vm0\n', stderr: '' });
  return t;
}

describe('vfioctl guest (pseries)', () => {
  it('lspci, rtas, host inject, eeh recover, host state', async () => {
    const { cli } = await running();
    expect((await cli('guest', 'vm0', 'lspci')).stdout).toBe('0000:00:00.0 Ethernet controller [0200]: Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection [8086:10fb] (rev 01)\n');
    expect((await cli('guest', 'vm0', 'rtas', 'ibm,read-slot-reset-state2', '1', '0x8000000', '0x20000000')).stdout).toBe('status=0 0 1 1000\n');
    expect((await cli('guest', 'vm0', 'rtas', 'ibm,read-pci-config', '0', '0x8000000', '0x20000000', '4')).stdout).toBe(`status=0 ${0x10fb8086}\n`);
    expect((await cli('guest', 'vm0', 'rtas', 'ibm,read-slot-reset-state2', '1', '0x8000000')).stdout).toBe('status=-3 0 0 0\n');
    expect((await cli('guest', 'vm0', 'rtas', 'ibm,errinjct', '1')).stdout).toBe('status=-1\n');
    expect(await cli('host', 'eeh', 'inject', ETH0)).toMatchObject({ code: 0 });
    expect((await cli('host', 'eeh', 'state', ETH0)).stdout).toBe(`${ETH0} PE#1 state=2 (EEH_PE_STATE_STOPPED_IO_DMA)\n`);
    const r = await cli('guest', 'vm0', 'eeh', 'recover', '0000:00:00.0');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').at(-2)).toBe('verify: BAR0 read 0x00000000 state=0: recovered');
    expect((await cli('host', 'eeh', 'state', ETH0)).stdout).toBe(`${ETH0} PE#1 state=0 (EEH_PE_STATE_NORMAL)\n`);
    const trace = (await cli('trace')).stdout;
    expect(trace).toMatch(/spapr_rtas.*ibm,set-slot-reset/);
    expect(trace).toMatch(/vfio_eeh_as_op.*VFIO_EEH_PE_OP 0x6/);
  });

  it('refuses bad arguments and non-pseries VMs', async () => {
    const { cli } = await running();
    expect(await cli('guest', 'vm0', 'rtas', 'ibm,read-pci-config', 'x')).toMatchObject({ code: 2, stderr: "vfioctl: guest rtas: invalid argument 'x' (expected a 32-bit decimal or 0x-hex number)\n" });
    expect((await cli('guest', 'vm0', 'eeh', 'recover')).code).toBe(2);
    expect((await cli('guest', 'vm1', 'lspci')).stderr).toBe("vfioctl: no VM 'vm1' is running\n");
  });
});

describe('vfioctl vm (pseries)', () => {
  it('lists, resets and stops a pseries VM; stopping hands the PE back to the host', async () => {
    const { cli } = await running();
    const list = await cli('vm', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('vm0');
    const json = JSON.parse((await cli('vm', 'list', '--json')).stdout) as { phbs: unknown }[];
    expect(json[0]!.phbs).toEqual([{ index: 0, buid: '0x800000020000000', eeh: true }]);
    expect(await cli('host', 'eeh', 'inject', ETH0)).toMatchObject({ code: 0 });
    expect(await cli('vm', 'reset', 'vm0')).toMatchObject({ code: 0, stderr: '' });
    expect((await cli('host', 'eeh', 'state', ETH0)).stdout).toBe(`${ETH0} PE#1 state=0 (EEH_PE_STATE_NORMAL)\n`);
    expect(await cli('vm', 'stop', 'vm0')).toMatchObject({ code: 0 });
    expect((await cli('sys', 'ls', '/dev/vfio')).stdout).toBe('0\nvfio\n');
  });
});
