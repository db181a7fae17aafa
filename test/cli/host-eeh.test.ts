import { describe, expect, it } from 'vitest';
import { twinCli } from './helpers.js';

describe('vfioctl host eeh', () => {
  it('a p9 twin: inject freezes the PE of both adapter functions; state prints BDF PE#N state=S (NAME)', async () => {
    const { cli } = twinCli();
    expect((await cli('host', 'init', '--preset', 'p9')).stdout).toMatch(/\(ppc64le, 2 PHBs, 2 PEs\)/);
    expect(await cli('host', 'eeh', 'state', '0000:01:00.0')).toMatchObject({ code: 0, stdout: '0000:01:00.0 PE#1 state=0 (EEH_PE_STATE_NORMAL)\n' });
    expect(await cli('host', 'eeh', 'inject', '0000:01:00.0', '--type', '64', '--func', '0x10')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await cli('host', 'eeh', 'state', '01:00.1')).stdout).toBe('0000:01:00.1 PE#1 state=2 (EEH_PE_STATE_STOPPED_IO_DMA)\n');
    expect((await cli('host', 'eeh', 'state', '0001:01:00.0')).stdout).toBe('0001:01:00.0 PE#1 state=0 (EEH_PE_STATE_NORMAL)\n');
    expect((await cli('sys', 'read', '/sys/bus/pci/devices/0000:01:00.0/eeh_pe_state')).stdout).toBe('0x00000000 0x00000000\n');
  });

  it.each([
    [['inject', '0000:09:00.0'], 'no PCI function 0000:09:00.0'],
    [['inject', '0000:01:00.0', '--type', '16'], "invalid --type '16' (expected 32 or 64)"],
    [['inject', '0000:01:00.0', '--func', '20'], 'injecting into 0000:01:00.0 failed: EINVAL (Invalid argument)'],
    [['state', '0000:00:00.0'], '0000:00:00.0 is in no EEH PE'],
    [['freeze', '0000:01:00.0'], "unknown operation 'freeze' (expected inject or state)"],
  ])('%j is refused: %s', async (args, message) => {
    const { cli } = twinCli();
    await cli('host', 'init', '--preset', 'p9');
    const r = await cli('host', 'eeh', ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`vfioctl: host eeh: ${message}\n`);
  });

  it('an s390x twin has no PCI part', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('host', 'eeh', 'state', '0000:01:00.0')).stderr).toBe('vfioctl: host eeh: the twin is not a POWER host (arch s390x)\n');
  });
});
