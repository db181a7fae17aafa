// The global options (--state, --root) stand anywhere on the command line; usage errors
// name the command whose help to read; every subcommand's help lists the global options.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, twinCli } from './helpers.js';

describe('global options and usage hints', () => {
  it('takes --root before the command, between group and verb, and after the arguments', async () => {
    const { cli, dir } = twinCli();
    await cli('host', 'init');
    const root = join(dir, 'root');
    expect((await cli('host', 'export', root)).code).toBe(0);
    const expected = (await cli('mdev', 'types')).stdout;
    expect(expected).toContain('vfio_ap-passthrough');
    for (const argv of [
      ['--root', root, 'mdev', 'types'],
      ['mdev', '--root', root, 'types'],
      ['mdev', 'types', '--root', root],
      [`--root=${root}`, 'mdev', 'types'],
    ])
      expect((await runCli(argv)).stdout, argv.join(' ')).toBe(expected);
  });

  it('ap list reads --root DIR/sys or $SYSFS_ROOT as lszcrypt does, without a twin state', async () => {
    const { cli, dir } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', '/sys/bus/ap/apmask', '-6');
    const twinView = (await cli('ap', 'list', '-V')).stdout;
    const root = join(dir, 'root');
    await cli('host', 'export', root);
    const noState = { VFIOCTL_STATE: join(dir, 'absent.json') };
    expect((await runCli(['ap', 'list', '-V', '--root', root], noState)).stdout).toBe(twinView);
    expect((await runCli(['ap', 'list', '-V'], { ...noState, SYSFS_ROOT: join(root, 'sys') })).stdout).toBe(twinView);
    // --root wins over SYSFS_ROOT
    expect((await runCli(['ap', 'list', '--root', root], { ...noState, SYSFS_ROOT: '/nonexistent' })).code).toBe(0);
  });

  it('a command that works on the twin only refuses --root with a usage error naming it', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const r = await cli('sys', 'read', '/sys/bus/ap/apmask', '--root', '/');
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(
      "vfioctl: sys read: --root works with the management commands (mdev, ap, export); sys read works on the twin\n(run 'vfioctl sys read --help' for usage)\n",
    );
  });

  it('usage errors end with the hint of the command they happened in', async () => {
    expect((await runCli(['mdev', 'list', '--bogus'])).stderr).toBe("vfioctl: unknown option '--bogus'\n(run 'vfioctl mdev list --help' for usage)\n");
    expect((await runCli(['sys', 'read'])).stderr).toBe("vfioctl: missing required argument 'path'\n(run 'vfioctl sys read --help' for usage)\n");
    expect((await runCli(['bogus'])).stderr).toBe("vfioctl: unknown command 'bogus'\n(run 'vfioctl --help' for usage)\n");
    const guest = await runCli(['guest', 'vm0', 'bogus']);
    expect(guest).toMatchObject({ code: 2, stderr: "vfioctl: guest: unknown action 'bogus' (lszcrypt, rescan, crycb, crypto, ap, rtas, lspci, eeh, dt, interrupts or mmio)\n(run 'vfioctl guest --help' for usage)\n" });
  });

  it("every subcommand's help lists the global options", async () => {
    for (const argv of [['sys', 'read', '--help'], ['mdev', 'list', '--help'], ['ap', 'list', '--help'], ['vm', 'stop', '--help']]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toMatch(/Global Options:\n(.*\n)*\s+--state <file>.*\n(.*\n)*\s+--root <dir>/);
    }
  });
});
