import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mdevPath, TYPE_DIR, twinCli, UUID_A } from './helpers.js';

describe('vfioctl host export', () => {
  it('writes DIR/sys from the stored twin and reports what it wrote', async () => {
    const { dir, cli } = twinCli();
    await cli('host', 'init');
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    const out = join(dir, 'root');
    const r = await cli('host', 'export', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^exported \\d+ directories, \\d+ files and \\d+ symlinks to ${out}/sys\\nexported 0 configuration files to ${out}/etc and ${out}/run\\n$`),
    );
    // the configuration tree is there too, so DIR is a whole fake root
    expect(existsSync(join(out, 'etc', 'mdevctl.d'))).toBe(true);
    expect(existsSync(join(out, 'run', 'lock'))).toBe(true);
    expect(readFileSync(join(out, 'sys/bus/ap/ap_max_adapter_id'), 'utf8')).toBe('255\n');
    expect(readlinkSync(join(out, `sys/bus/mdev/devices/${UUID_A}`))).toBe(`../../../devices/vfio_ap/matrix/${UUID_A}`);
    expect(lstatSync(join(out, `${mdevPath(UUID_A)}/assign_adapter`)).mode & 0o777).toBe(0o200);
    expect(existsSync(join(out, 'dev'))).toBe(false);
  });

  it('refuses to overwrite an existing DIR/sys unless --force, which replaces it', async () => {
    const { dir, cli } = twinCli();
    await cli('host', 'init');
    const out = join(dir, 'root');
    await cli('host', 'export', out);
    expect(await cli('host', 'export', out)).toMatchObject({ code: 1, stderr: `vfioctl: host export: ${out}/sys already exists; use --force to replace it\n` });
    await cli('sys', 'write', `${TYPE_DIR}/create`, UUID_A);
    expect((await cli('host', 'export', '--force', out)).code).toBe(0);
    expect(existsSync(join(out, `${mdevPath(UUID_A)}/matrix`))).toBe(true);
  });
});
