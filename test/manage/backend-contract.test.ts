// One contract for every SysfsBackend (DESIGN.md, Seams): the twin, and a real directory
// root over the same twin's `host export` tree. Same answers, same errnos.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKernelError, type ErrnoName } from '../../src/core/errno.js';
import { APCONFIG_LOCK, type SysfsBackend } from '../../src/manage/backend.js';
import { RootBackend } from '../../src/manage/root-backend.js';
import { TwinBackend } from '../../src/manage/twin-backend.js';
import { TwinFiles } from '../../src/manage/twin-files.js';
import { docHost, exportRoot, UUID_A } from './manage-helpers.js';

const MDEV = `/sys/bus/mdev/devices/${UUID_A}`;

function scenario(): { host: ReturnType<typeof docHost>; files: TwinFiles } {
  const host = docHost();
  const files = new TwinFiles();
  const b = new TwinBackend(host, files);
  b.write('/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID_A);
  b.write(`${MDEV}/assign_adapter`, '5');
  b.write(`${MDEV}/assign_domain`, '0xab');
  files.writeAtomic('/etc/mdevctl.d/matrix/bbbbbbbb-0000-4000-8000-000000000002', '{}');
  return { host, files };
}

function errno(fn: () => unknown): ErrnoName | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

const backends: [string, () => SysfsBackend][] = [
  ['twin', () => {
    const { host, files } = scenario();
    return new TwinBackend(host, files);
  }],
  ['real root (exported tree)', () => {
    const { host, files } = scenario();
    return new RootBackend(exportRoot(host, files));
  }],
];

describe.each(backends)('SysfsBackend contract: %s', (_name, make) => {
  it('reads files, directories and links as sysfs shows them', () => {
    const b = make();
    expect(b.read('/sys/bus/ap/apmask')).toMatch(/^0x[0-9a-f]{64}\n$/);
    expect(b.read('/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/name')).toBe('VFIO AP Passthrough Device\n');
    expect(b.read(`${MDEV}/matrix`)).toBe('05.00ab\n');
    expect(b.readdir('/sys/class/mdev_bus').sort()).toEqual(['matrix']);
    expect(b.readdir('/sys/bus/mdev/devices').sort()).toEqual([UUID_A]);
    expect(b.readlink(MDEV)).toBe(`../../../devices/vfio_ap/matrix/${UUID_A}`);
    expect(b.realpath(MDEV)).toBe(`/sys/devices/vfio_ap/matrix/${UUID_A}`);
    expect(b.realpath(`${MDEV}/mdev_type`)).toBe('/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough');
    expect(b.realpath('/sys/class/mdev_bus/matrix/../..')).toBe('/sys/devices');
    // mdevctl's canonical_basename: a device's parent and type
    expect(b.canonicalBasename(MDEV)).toBe(UUID_A);
    expect(b.canonicalBasename(MDEV, '..')).toBe('matrix');
    expect(b.canonicalBasename(MDEV, 'mdev_type')).toBe('vfio_ap-passthrough');
    expect(b.canonicalBasename('/sys/class/mdev_bus', 'matrix')).toBe('matrix');
    expect(b.stat(MDEV).kind).toBe('dir');
    expect(b.lstat(MDEV).kind).toBe('link');
    expect(b.stat('/sys/bus/ap/apmask')).toMatchObject({ kind: 'file', mode: 0o644 });
    expect(b.stat(`${MDEV}/assign_adapter`)).toMatchObject({ kind: 'file', mode: 0o200 });
    expect(b.exists(MDEV)).toBe(true);
    expect(b.exists('/sys/nope')).toBe(false);
  });

  it('fails with the same errno', () => {
    const b = make();
    expect(errno(() => b.read('/sys/nope'))).toBe('ENOENT');
    expect(errno(() => b.readdir('/sys/bus/ap/apmask'))).toBe('ENOTDIR');
    expect(errno(() => b.readlink('/sys/bus/ap/apmask'))).toBe('EINVAL');
    expect(errno(() => b.read('/sys/bus/ap/apmask/x'))).toBe('ENOTDIR');
    expect(errno(() => b.stat('/sys/bus/nope/x'))).toBe('ENOENT');
    expect(errno(() => b.write('/sys/bus/nope', '1'))).toBe('ENOENT');
    expect(errno(() => b.read('/sys/bus'))).toBe('EISDIR');
    expect(errno(() => b.canonicalBasename(MDEV, 'nope'))).toBe('ENOENT');
    expect(errno(() => b.canonicalBasename('/sys/bus/ap/apmask', '..'))).toBe('ENOTDIR');
  });

  it('writes an attribute in one write', () => {
    const b = make();
    expect(errno(() => b.write(`${MDEV}/assign_domain`, '0x47'))).toBe('ok');
  });

  it('keeps configuration files: atomic replace, list, remove, lock', () => {
    const b = make();
    const f = b.files;
    expect(f.read('/etc/mdevctl.d/matrix/nope')).toBeUndefined();
    expect(f.readText('/etc/mdevctl.d/matrix/nope')).toBeUndefined();
    expect(f.readText('/etc/mdevctl.d/matrix')).toBeUndefined();
    expect(f.readText('/etc/mdevctl.d/matrix/bbbbbbbb-0000-4000-8000-000000000002')).toBe('{}');
    expect(f.kind('/etc/mdevctl.d')).toBe('dir');
    expect(f.list('/etc/mdevctl.d/matrix')).toEqual(['bbbbbbbb-0000-4000-8000-000000000002']);
    f.writeAtomic(`/etc/mdevctl.d/new/${UUID_A}`, 'x');
    f.writeAtomic(`/etc/mdevctl.d/new/${UUID_A}`, '{"a":1}');
    expect(Buffer.from(f.read(`/etc/mdevctl.d/new/${UUID_A}`)!).toString()).toBe('{"a":1}');
    expect(f.kind(`/etc/mdevctl.d/new/${UUID_A}`)).toBe('file');
    expect(f.list('/etc/mdevctl.d/new')).toEqual([UUID_A]);
    expect(f.remove(`/etc/mdevctl.d/new/${UUID_A}`)).toBe(true);
    expect(f.remove(`/etc/mdevctl.d/new/${UUID_A}`)).toBe(false);
    expect(f.withLock(() => f.withLock(() => 42))).toBe(42);
    expect(f.kind(APCONFIG_LOCK)).toBe('file');
  });
});

describe('RootBackend lock', () => {
  it("holds ap-check's flock on run/lock/s390apconfig.lock while it runs", () => {
    const b = new RootBackend(exportRoot(docHost()));
    const lockFile = join(b.root, 'run/lock/s390apconfig.lock');
    const probe = () => spawnSync('flock', ['-x', '-n', lockFile, 'true']).status;
    const inside = b.files.withLock(() => probe());
    expect(inside).toBe(1);
    expect(probe()).toBe(0);
  });

  it('falls back to an O_EXCL lock file when flock is not used', () => {
    const b = new RootBackend(exportRoot(docHost()), { noFlock: true });
    const inside = b.files.withLock(() => b.files.kind(`${APCONFIG_LOCK}.vfioctl`));
    expect(inside).toBe('file');
    expect(b.files.kind(`${APCONFIG_LOCK}.vfioctl`)).toBeUndefined();
  });
});
