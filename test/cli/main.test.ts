import { describe, expect, it } from 'vitest';
import { runCli, twinCli } from './helpers.js';
import pkg from '../../package.json' with { type: 'json' };

describe('vfioctl main: help, version, usage errors', () => {
  it('prints the version with --version', async () => {
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('prints help naming every command, the state lookup and the error format', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['host', 'sys', 'dmesg', 'ap', 'demo', '--state', 'VFIOCTL_STATE', 'XDG_STATE_HOME', '<ERRNO> (<strerror text>)'])
      expect(r.stdout).toContain(word);
    const sys = await runCli(['sys', '--help']);
    for (const word of ['read <path>', 'write [options] <path> <value>', 'ls <path>', 'readlink <path>', 'realpath <path>', 'tree [options] [path]'])
      expect(sys.stdout).toContain(word);
    expect((await runCli(['ap', 'list', '--help'])).stdout).toContain('-V, --verbose');
  });

  it('reports usage errors on one vfioctl: line and exits 2', async () => {
    const bogus = await runCli(['bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr.split('\n')[0]).toBe("vfioctl: unknown command 'bogus'");
    const missing = await runCli(['sys', 'read']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr.split('\n')[0]).toBe("vfioctl: missing required argument 'path'");
    expect((await runCli(['ap', 'list', '--bogus'])).stderr.split('\n')[0]).toBe("vfioctl: unknown option '--bogus'");
    // a command group without its subcommand shows the group's help as an error
    const bare = await runCli(['host']);
    expect(bare).toMatchObject({ code: 2, stdout: '' });
    expect(bare.stderr).toContain('Usage: vfioctl host [options] [command]');
    expect((await runCli(['help', 'sys'])).code).toBe(0);
  });

  it('takes --state after the command as well as before', async () => {
    const { state } = twinCli();
    expect((await runCli(['host', 'init', '--state', state])).code).toBe(0);
    expect((await runCli(['sys', 'read', '/sys/bus/ap/ap_domain', '--state', state])).stdout).toBe('4\n');
  });

  it('prints the kernel log with dmesg, one timestamped line per message', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const r = await cli('dmesg');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^(\[ *\d+\.\d{6}\] .+\n)+$/);
    expect(r.stdout).toContain('vfio_ap matrix: MDEV: Registered\n');
  });
});
