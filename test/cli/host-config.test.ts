import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { twinCli } from './helpers.js';

describe('vfioctl host config', () => {
  it('adds an adapter of a given type (hex id); the AP bus rescans and shows its card', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('host', 'config', 'add', 'adapter', '0x0a', '--type', 'CEX7P')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await cli('sys', 'read', '/sys/devices/ap/card0a/type')).stdout).toBe('CEX7P\n');
    expect((await cli('sys', 'ls', '/sys/devices/ap/card0a')).stdout.split('\n')).toContain('0a.0047');
  });

  it('removes a domain (decimal id) and its queues go away', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('host', 'config', 'remove', 'domain', '71')).code).toBe(0);
    const r = await cli('sys', 'read', '/sys/devices/ap/card05/05.0047/online');
    expect(r).toMatchObject({ code: 1, stderr: 'vfioctl: read /sys/devices/ap/card05/05.0047/online: ENOENT (No such file or directory)\n' });
  });

  it('changes control domains', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('host', 'config', 'add', 'control-domain', '0x10')).code).toBe(0);
    expect((await cli('sys', 'read', '/sys/bus/ap/ap_control_domain_mask')).stdout).toBe(
      '0x0800800000000000010000000000000000000000001000000000000000000001\n',
    );
  });

  it.each([
    [['frob', 'adapter', '1'], "unknown operation 'frob' (expected add or remove)"],
    [['add', 'card', '1'], "unknown resource 'card' (expected adapter, domain or control-domain)"],
    [['add', 'domain', '0x'], "invalid ID '0x' (expected a decimal or 0x-hex number)"],
    [['add', 'domain', '-1'], "invalid ID '-1' (expected a decimal or 0x-hex number)"],
    [['add', 'domain', '4'], 'domain 0x04 is already in the configuration'],
    [['remove', 'adapter', '7'], 'adapter 0x07 is not in the configuration'],
    [['add', 'adapter', '7', '--type', 'CEX9C'], "invalid card type 'CEX9C': expected CEX4..CEX8 followed by A, C or P"],
    [['add', 'domain', '7', '--type', 'CEX7C'], '--type applies only to adding an adapter'],
    [['add', 'domain', '256'], 'domain 256 is outside 0..255'],
  ])('refuses %j with "vfioctl: host config: <message>"', async (args, message) => {
    const { state, cli } = twinCli();
    await cli('host', 'init');
    const before = readFileSync(state, 'utf8');
    expect(await cli('host', 'config', ...args)).toMatchObject({ code: 1, stdout: '', stderr: `vfioctl: host config: ${message}\n` });
    expect(readFileSync(state, 'utf8')).toBe(before);
  });
});
