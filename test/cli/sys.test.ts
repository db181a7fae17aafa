import { describe, expect, it } from 'vitest';
import { mdevPath, TYPE_DIR, twinCli, UUID_A, UUID_B } from './helpers.js';

const A = mdevPath(UUID_A);
const B = mdevPath(UUID_B);

/** A doc twin with adapters 5, 6 and domains 4, 0xab freed for vfio_ap. */
async function reservedTwin(): Promise<ReturnType<typeof twinCli>> {
  const t = twinCli();
  await t.cli('host', 'init');
  expect((await t.cli('sys', 'write', '/sys/bus/ap/apmask', '-5,-6')).code).toBe(0);
  expect((await t.cli('sys', 'write', '/sys/bus/ap/aqmask', '-4,-0xab')).code).toBe(0);
  return t;
}

describe('vfioctl sys read', () => {
  it('prints the bytes exactly, adding no newline', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    const r = await cli('sys', 'read', '/sys/bus/ap/ap_max_domain_id');
    expect(r.bytes).toEqual(Buffer.from('255\n'));
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    // an empty matrix is a 0-byte file
    expect((await cli('sys', 'read', `${A}/matrix`)).bytes).toHaveLength(0);
  });

  it.each([
    ['/sys/bus/ap/nope', 'ENOENT (No such file or directory)'],
    ['/sys/bus/ap', 'EISDIR (Is a directory)'],
    ['/sys/bus/ap/drivers/vfio_ap/bind', 'EACCES (Permission denied)'],
    ['/sys/bus/ap/apmask/x', 'ENOTDIR (Not a directory)'],
  ])('fails on %s with the errno line', async (path, errno) => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('sys', 'read', path)).toEqual({ code: 1, stdout: '', bytes: Buffer.alloc(0), stderr: `vfioctl: read ${path}: ${errno}\n` });
  });
});

describe('vfioctl sys write', () => {
  it('takes values that begin with "-" without needing --', async () => {
    const { cli } = await reservedTwin();
    expect((await cli('sys', 'read', '/sys/bus/ap/apmask')).stdout).toBe('0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n');
    expect((await cli('sys', 'read', '/sys/bus/ap/aqmask')).stdout).toBe('0xf7ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff\n');
  });

  it('accepts --no-newline anywhere, and writes the value alone', async () => {
    const { cli } = await reservedTwin();
    expect((await cli('sys', 'write', '--no-newline', `${TYPE_DIR}/create`, UUID_A)).code).toBe(0);
    expect((await cli('sys', 'write', `${A}/assign_adapter`, '--no-newline', '5')).code).toBe(0);
    // kstrtoul accepts the bare number as well as one with "\n"
    expect((await cli('sys', 'write', `${A}/assign_domain`, '0xab')).code).toBe(0);
    expect((await cli('sys', 'read', `${A}/matrix`)).stdout).toBe('05.00ab\n');
  });

  it('writes VALUE plus a newline in a single write(2), as echo does', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    // create's length check: 36 or 37 bytes; "uuid\n" is 37, "uuid\n\n" would be 38
    expect((await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A)).code).toBe(0);
    const r = await cli('sys', 'write', `${TYPE_DIR}/create`, `${UUID_B}\n`);
    expect(r.stderr).toBe(`vfioctl: write ${TYPE_DIR}/create: EINVAL (Invalid argument)\n`);
  });

  it('prints the exact errno line for a conflicting assignment, and the kernel log keeps its line', async () => {
    const { cli } = await reservedTwin();
    for (const uuid of [UUID_A, UUID_B]) await cli('sys', 'write', `${TYPE_DIR}/create`, uuid);
    await cli('sys', 'write', `${A}/assign_adapter`, '5');
    await cli('sys', 'write', `${A}/assign_domain`, '4');
    await cli('sys', 'write', `${B}/assign_adapter`, '5');
    const r = await cli('sys', 'write', `${B}/assign_domain`, '4');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`vfioctl: write ${B}/assign_domain: EADDRINUSE (Address already in use)\n`);
    const log = (await cli('dmesg')).stdout.split('\n');
    expect(log.at(-2)).toMatch(
      new RegExp(`^\\[ *\\d+\\.\\d{6}\\] vfio_ap_mdev ${UUID_B}: Userspace may not assign queue 05.0004 to mdev: already assigned to ${UUID_A}$`),
    );
    expect((await cli('sys', 'read', `${B}/matrix`)).stdout).toBe('05.\n');
  });

  it.each([
    ['/sys/bus/ap/apmask', '-256', 'EINVAL (Invalid argument)'],
    ['/sys/bus/ap/ap_max_domain_id', '1', 'EACCES (Permission denied)'],
    ['/sys/bus/ap/nope', '1', 'ENOENT (No such file or directory)'],
    ['/sys/bus/ap', '1', 'EISDIR (Is a directory)'],
  ])('fails on %s <- %s with the errno line', async (path, value, errno) => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('sys', 'write', path, value)).toMatchObject({ code: 1, stdout: '', stderr: `vfioctl: write ${path}: ${errno}\n` });
  });

  it('refuses a missing VALUE and extra operands as usage errors', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect(await cli('sys', 'write', '/sys/bus/ap/apmask')).toMatchObject({ code: 2 });
    expect((await cli('sys', 'write', '/sys/bus/ap/apmask', '1', '2')).code).toBe(2);
  });
});

describe('vfioctl sys ls, readlink, realpath', () => {
  it('lists one name per line in byte order', async () => {
    const { cli } = await reservedTwin();
    const r = await cli('sys', 'ls', '/sys/bus/ap/drivers/vfio_ap');
    expect(r.stdout).toBe(['05.0004', '05.0047', '05.00ab', '05.00ff', '06.0004', '06.0047', '06.00ab', '06.00ff', 'bind', 'uevent', 'unbind', ''].join('\n'));
  });

  it('follows a symlinked directory and prints a non-directory path as ls does', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('sys', 'ls', '/sys/bus/ap/devices/card05')).stdout.split('\n')).toContain('05.00ff');
    expect((await cli('sys', 'ls', '/sys/bus/ap/apmask')).stdout).toBe('/sys/bus/ap/apmask\n');
    expect((await cli('sys', 'ls', '/sys/nope')).stderr).toBe('vfioctl: ls /sys/nope: ENOENT (No such file or directory)\n');
  });

  it('reads links with their relative targets and resolves the four mdev paths to one directory', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    expect((await cli('sys', 'readlink', `${A}/iommu_group`)).stdout).toBe('../../../../kernel/iommu_groups/0\n');
    expect((await cli('sys', 'readlink', `/sys/bus/mdev/devices/${UUID_A}`)).stdout).toBe(`../../../devices/vfio_ap/matrix/${UUID_A}\n`);
    for (const p of [A, `/sys/bus/mdev/devices/${UUID_A}`, `/sys/bus/mdev/drivers/vfio_ap_mdev/${UUID_A}`, `${TYPE_DIR}/devices/${UUID_A}`])
      expect((await cli('sys', 'realpath', p)).stdout).toBe(`${A}\n`);
    expect((await cli('sys', 'realpath', `${A}/iommu_group`)).stdout).toBe('/sys/kernel/iommu_groups/0\n');
  });

  it('fails with readlink and realpath errno lines', async () => {
    const { cli } = twinCli();
    await cli('host', 'init');
    expect((await cli('sys', 'readlink', '/sys/bus/ap/apmask')).stderr).toBe('vfioctl: readlink /sys/bus/ap/apmask: EINVAL (Invalid argument)\n');
    expect((await cli('sys', 'realpath', '/sys/bus/nope')).stderr).toBe('vfioctl: realpath /sys/bus/nope: ENOENT (No such file or directory)\n');
  });
});

describe('commands that need a twin', () => {
  it.each([['sys', 'read', '/sys/bus/ap/apmask'], ['sys', 'write', '/sys/bus/ap/apmask', '-5'], ['sys', 'ls', '/sys'], ['sys', 'tree'], ['dmesg'], ['ap', 'list'], ['host', 'config', 'add', 'domain', '1'], ['host', 'export', '/tmp/x']])(
    '%j without a state tells the user to run host init',
    async (...argv) => {
      const { state, cli } = twinCli();
      expect(await cli(...argv)).toMatchObject({ code: 1, stdout: '', stderr: `vfioctl: no twin state at ${state}; run 'vfioctl host init' first\n` });
    },
  );
});
