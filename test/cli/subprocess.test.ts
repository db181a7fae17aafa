// Real processes: `node bin/vfioctl` built from the current sources into a private
// directory (so concurrent test files never race on dist/), then run many at once to
// prove the state lock: 20 concurrent `sys write` calls, each creating its own mdev.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBuild } from '../private-build.js';
import { TYPE_DIR, tempDir } from './helpers.js';

const run = promisify(execFile);

let bin: string;

let buildDir: string;

beforeAll(() => {
  // not helpers.tempDir: the build must outlive each test's cleanup
  buildDir = mkdtempSync(join(tmpdir(), 'vfioctl-build-'));
  bin = privateBuild(buildDir);
}, 120_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const vfioctl = (state: string, ...argv: string[]) =>
  run(process.execPath, [bin, ...argv], { env: { ...process.env, VFIOCTL_STATE: state } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('node bin/vfioctl as a real process', () => {
  it('runs, prints the errno line on stderr and exits 1', async () => {
    const state = join(tempDir(), 'twin.json');
    expect((await vfioctl(state, 'host', 'init')).code).toBe(0);
    const r = await vfioctl(state, 'sys', 'write', '/sys/bus/ap/ap_domain', '-1');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'vfioctl: write /sys/bus/ap/ap_domain: EINVAL (Invalid argument)\n' });
    expect(await vfioctl(state, 'sys', 'read', '/sys/bus/ap/ap_max_adapter_id')).toEqual({ code: 0, stdout: '255\n', stderr: '' });
  });

  it('loses no update when 20 processes write at once: all 20 mdevs exist afterwards', async () => {
    const state = join(tempDir(), 'twin.json');
    await vfioctl(state, 'host', 'init');
    const uuids = Array.from({ length: 20 }, (_, i) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const results = await Promise.all(uuids.map((u) => vfioctl(state, 'sys', 'write', `${TYPE_DIR}/create`, u)));
    expect(results.map((r) => r.code)).toEqual(uuids.map(() => 0));
    expect((await vfioctl(state, 'sys', 'ls', '/sys/bus/mdev/devices')).stdout).toBe(uuids.map((u) => `${u}\n`).join(''));
    expect((await vfioctl(state, 'sys', 'read', `${TYPE_DIR}/available_instances`)).stdout).toBe(`${65536 - 20}\n`);
    // every mdev got its own IOMMU group
    const groups = await Promise.all(uuids.map((u) => vfioctl(state, 'sys', 'readlink', `/sys/bus/mdev/devices/${u}/iommu_group`)));
    expect(new Set(groups.map((g) => g.stdout)).size).toBe(20);
  });

  it('runs the demo from the built entry point', async () => {
    const r = await vfioctl(join(tempDir(), 'unused.json'), 'demo');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bash: echo: write error: Address already in use\n');
  });

  it('ends quietly when the reader of its output goes away (| head), with the status coreutils get from SIGPIPE', async () => {
    const state = join(tempDir(), 'twin.json');
    expect((await vfioctl(state, 'host', 'init', '--preset', 'z16')).code).toBe(0);
    // the tree of a z16 host is far larger than a pipe's buffer
    const r = await run('bash', ['-c', `set -o pipefail; "$0" "$1" sys tree /sys | head -c 10 >/dev/null; echo "rc=$?"`, process.execPath, bin], {
      env: { ...process.env, VFIOCTL_STATE: state },
    });
    expect(r).toEqual({ stdout: 'rc=141\n', stderr: '' });
  });

  it('loads no built-in module a read does not use: no streams, child_process, crypto or net (issue 12 §1)', async () => {
    const dir = tempDir();
    const state = join(dir, 'twin.json');
    expect((await vfioctl(state, 'host', 'init')).code).toBe(0);
    // the list of what Node loaded, written as the process exits
    const hook = join(dir, 'loaded.mjs');
    writeFileSync(hook, "process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(process.env.LOADED, process.moduleLoadList.join('\\n')));\n");
    const loaded = async (...argv: string[]): Promise<string[]> => {
      const out = join(dir, 'loaded.txt');
      await run(process.execPath, ['--import', hook, bin, ...argv], { env: { ...process.env, VFIOCTL_STATE: state, LOADED: out } });
      return readFileSync(out, 'utf8').split('\n');
    };
    const unused = /^NativeModule (stream|child_process|crypto|net|internal\/fs\/streams)$/;
    for (const argv of [['sys', 'read', '/sys/bus/ap/apmask'], ['mdev', 'list', '--defined', '--root', dir]]) {
      const modules = await loaded(...argv);
      expect(modules).toContain('NativeModule fs');
      expect(modules.filter((m) => unused.test(m)), argv.join(' ')).toEqual([]);
    }
  });
});
