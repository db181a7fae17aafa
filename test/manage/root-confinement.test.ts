// --root never reaches outside its directory: `..` above the root and symlinks leading out
// are refused, absolute link targets resolve inside the root (as in a chroot); fuzzed.

import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError } from '../../src/core/errno.js';
import { RootBackend, RootEscapeError } from '../../src/manage/root-backend.js';
import { tempDir } from './manage-helpers.js';

function jail(): { root: string; outside: string } {
  const base = tempDir('vfioctl-jail-');
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'SECRET');
  mkdirSync(join(root, 'sys/bus/ap'), { recursive: true });
  mkdirSync(join(root, 'etc/mdevctl.d/matrix'), { recursive: true });
  writeFileSync(join(root, 'sys/bus/ap/apmask'), '0xff\n');
  writeFileSync(join(root, 'etc/passwd'), 'inside\n');
  symlinkSync('../../outside', join(root, 'sys/escape-rel'));
  symlinkSync(outside, join(root, 'sys/escape-host-abs'));
  symlinkSync('/etc', join(root, 'sys/abs-etc'));
  symlinkSync('../bus/../../..', join(root, 'sys/bus/up'));
  symlinkSync('loop', join(root, 'sys/loop'));
  symlinkSync('../../sys/escape-rel', join(root, 'etc/mdevctl.d/evil'));
  return { root, outside };
}

const outsideState = (outside: string) => readdirSync(outside).map((n) => `${n}:${readFileSync(join(outside, n), 'utf8')}`);

describe('--root confinement', () => {
  it('refuses the escapes, resolves absolute links inside', () => {
    const { root } = jail();
    const b = new RootBackend(root);
    expect(() => b.read('/../outside/secret')).toThrow(RootEscapeError);
    expect(() => b.read('/sys/escape-rel/secret')).toThrow(RootEscapeError);
    expect(() => b.read('/sys/bus/up/x')).toThrow(RootEscapeError);
    expect(() => b.files.writeAtomic('/etc/mdevctl.d/evil/x', 'pwned')).toThrow(RootEscapeError);
    // an absolute target is a path inside the root, as in a chroot
    expect(b.read('/sys/abs-etc/passwd')).toBe('inside\n');
    expect(() => b.read('/sys/escape-host-abs/secret')).toThrow(/ENOENT/);
    expect(() => b.read('/sys/loop')).toThrow(/ELOOP/);
    expect(b.realpath('/sys/abs-etc/../sys/bus/ap/apmask')).toBe('/sys/bus/ap/apmask');
  });

  it('fuzz: no path of .., links and names reads or writes outside the root', () => {
    const { root, outside } = jail();
    const before = outsideState(outside);
    const b = new RootBackend(root);
    const segment = fc.constantFrom('..', '.', '', 'sys', 'etc', 'bus', 'ap', 'apmask', 'escape-rel', 'escape-host-abs', 'abs-etc', 'up', 'loop', 'outside', 'secret', 'passwd', 'mdevctl.d', 'matrix', 'evil', 'x');
    const pathArb = fc.tuple(fc.boolean(), fc.array(segment, { minLength: 0, maxLength: 8 })).map(([abs, parts]) => `${abs ? '/' : ''}${parts.join('/')}`);
    const op = fc.constantFrom('read', 'readdir', 'readlink', 'realpath', 'stat', 'lstat', 'exists', 'write', 'cfg-read', 'cfg-list', 'cfg-write', 'cfg-remove');
    fc.assert(
      fc.property(pathArb, op, (path, o) => {
        let result: unknown;
        try {
          switch (o) {
            case 'read': result = b.read(path); break;
            case 'readdir': result = b.readdir(path); break;
            case 'readlink': result = b.readlink(path); break;
            case 'realpath': result = b.realpath(path); break;
            case 'stat': result = b.stat(path); break;
            case 'lstat': result = b.lstat(path); break;
            case 'exists': result = b.exists(path); break;
            case 'write': b.write(path, 'pwned'); break;
            case 'cfg-read': result = b.files.read(path); break;
            case 'cfg-list': result = b.files.list(path); break;
            case 'cfg-write': b.files.writeAtomic(path, 'pwned'); break;
            case 'cfg-remove': b.files.remove(path); break;
          }
        } catch (e) {
          if (!isKernelError(e) && !(e instanceof Error && /EISDIR|ENOTDIR|ENOENT|EEXIST|EINVAL/.test(e.message))) throw e;
        }
        const text = result instanceof Uint8Array ? Buffer.from(result).toString() : JSON.stringify(result ?? null);
        expect(text).not.toContain('SECRET');
        if (o === 'realpath' && typeof result === 'string') expect(result.startsWith('/') && !result.split('/').includes('..')).toBe(true);
        expect(outsideState(outside)).toEqual(before);
      }),
      { numRuns: 1500 },
    );
  });
});
