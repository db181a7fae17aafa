import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('vfioctl demo --arch ppc64le', () => {
  it('passes the adapter through, injects an error on the host and the guest recovers it', async () => {
    const r = await runCli(['demo', '--arch', 'ppc64le']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('vfio 0000:01:00.0: group 0 is not viable\n');
    expect(r.stdout).toContain('0000:01:00.0 PE#1 state=2 (EEH_PE_STATE_STOPPED_IO_DMA)\n');
    expect(r.stdout).toContain('0000:00:00.0 Class [ffff]: Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection [8086:10fb] (rev ff)\n');
    expect(r.stdout).toContain('verify: BAR0 read 0x00000000 state=0: recovered\n');
    expect(r.stdout).toMatch(/spapr_rtas +ibm,set-slot-reset\(0x1, 0x8000000, 0x20000000, 0x1\)\n.*vfio_eeh_as_op +VFIO_EEH_PE_OP 0x6 on container fd \d+ = 0\n/);
    // the transcript is the same every run
    expect((await runCli(['demo', '--arch', 'ppc64le'])).stdout).toBe(r.stdout);
  });

  it('refuses an architecture it has no demo for', async () => {
    expect(await runCli(['demo', '--arch', 'mips'])).toMatchObject({ code: 2, stderr: "vfioctl: demo: unknown arch 'mips' (s390x, aarch64, arm or ppc64le)\n" });
  });
});
