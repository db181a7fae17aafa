import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { NoStateError, StateStore } from '../../src/api/state-store.js';
import { Twin } from '../../src/api/twin.js';
import { isKernelError } from '../../src/core/errno.js';
import { Host } from '../../src/kernel/host.js';
import { presetSpec, s390xSpec } from '../../src/kernel/host-spec.js';
import { readText, writeText } from '../../src/kernel/syscall-surface.js';
import { tempDir, TYPE_DIR, UUID_A, UUID_B, mdevPath } from '../cli/helpers.js';

function freshStore(): StateStore {
  return new StateStore(join(tempDir(), 'nested', 'dir', 'twin.json'));
}

describe('StateStore', () => {
  it('creates the state (and its directory) from a booted twin, and restores it equal', async () => {
    const store = freshStore();
    const host = Host.boot(presetSpec('doc'));
    await store.create(host, false);
    const loaded = await store.load();
    expect(loaded.snapshot()).toEqual(host.snapshot());
    // the file holds the whole twin: the host kernel plus its (here: no) VMs
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(Twin.fromHost(host).snapshot())));
  });

  it('refuses to replace an existing state unless forced', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    await expect(store.create(Host.boot(presetSpec('z16')), false)).rejects.toThrow(ApiError);
    expect(s390xSpec((await store.load()).spec).adapters).toHaveLength(2);
    await store.create(Host.boot(presetSpec('z16')), true);
    expect(s390xSpec((await store.load()).spec).adapters).toHaveLength(8);
  });

  it('reports a missing state with the hint to run host init', async () => {
    const store = freshStore();
    await expect(store.load()).rejects.toThrow(NoStateError);
    await expect(store.update(() => 1)).rejects.toThrow(`no twin state at ${store.path}; run 'vfioctl host init' first`);
  });

  it('saves what an update changed, and leaves no temp or lock files behind', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    await store.update((host) => writeText(host.process(), '/sys/bus/ap/apmask', '-5\n'));
    expect(readText((await store.load()).process(), '/sys/bus/ap/apmask')).toMatch(/^0xfb/);
    expect(readdirSync(join(store.path, '..'))).toEqual(['twin.json']);
  });

  it('does not rewrite the file when a command changed nothing', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    const before = statSync(store.path).ino;
    await store.update((host) => readText(host.process(), '/sys/bus/ap/apmask'));
    // write-file-atomic renames a new inode into place on every save
    expect(statSync(store.path).ino).toBe(before);
  });

  it('keeps the kernel log of a refused write (EADDRINUSE) although the write failed', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    await store.update((host) => {
      const p = host.process();
      writeText(p, '/sys/bus/ap/apmask', '-5,-6\n');
      for (const uuid of [UUID_A, UUID_B]) writeText(p, `${TYPE_DIR}/create`, `${uuid}\n`);
      writeText(p, `${mdevPath(UUID_A)}/assign_adapter`, '5\n');
      writeText(p, `${mdevPath(UUID_A)}/assign_domain`, '4\n');
      writeText(p, `${mdevPath(UUID_B)}/assign_domain`, '4\n');
    });
    const err = await store
      .update((host) => writeText(host.process(), `${mdevPath(UUID_B)}/assign_adapter`, '5\n'))
      .catch((e: unknown) => e);
    expect(isKernelError(err, 'EADDRINUSE')).toBe(true);
    const host = await store.load();
    expect(host.log.format()).toContain(`Userspace may not assign queue 05.0004 to mdev: already assigned to ${UUID_A}`);
    expect(readText(host.process(), `${mdevPath(UUID_B)}/matrix`)).toBe('.0004\n');
  });

  it('does not save after an unexpected (non-kernel) failure', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    const before = readFileSync(store.path, 'utf8');
    await expect(
      store.update((host) => {
        writeText(host.process(), '/sys/bus/ap/apmask', '-5\n');
        throw new TypeError('bug');
      }),
    ).rejects.toThrow(TypeError);
    expect(readFileSync(store.path, 'utf8')).toBe(before);
  });

  it('names an unreadable state file', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    writeFileSync(store.path, '{"version": 1, "spec"');
    await expect(store.load()).rejects.toThrow(`twin state ${store.path} is unreadable`);
  });

  it('serialises concurrent updates in one process: none is lost', async () => {
    const store = freshStore();
    await store.create(Host.boot(presetSpec('doc')), false);
    const uuids = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    await Promise.all(uuids.map((u) => store.update((host) => writeText(host.process(), `${TYPE_DIR}/create`, `${u}\n`))));
    expect((await store.load()).process().readdir('/sys/bus/mdev/devices')).toEqual(uuids);
  });
});
