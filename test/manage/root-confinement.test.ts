// --root never reaches outside its directory: `..` above the root and symlinks leading out
// are refused, absolute link targets resolve inside the root (as in a chroot); fuzzed.

import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKernelError } from '../../src/core/errno.js';
import { basename } from '../../src/manage/backend.js';
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

  it('fuzz: a backend that remembers its walks answers as a fresh one does', () => {
    const { root } = jail();
    // a directory big enough to be listed instead of looked up name by name, with links
    // that share their target directory (as sysfs's do) and links to links
    const many = join(root, 'sys/devices/many');
    mkdirSync(many, { recursive: true });
    mkdirSync(join(root, 'sys/bus/many'), { recursive: true });
    for (let i = 0; i < 24; i++) {
      mkdirSync(join(many, `d${i}`));
      writeFileSync(join(many, `d${i}`, 'attr'), `v${i}\n`);
      symlinkSync(`../../devices/many/d${i}`, join(root, 'sys/bus/many', `l${i}`));
      symlinkSync(`../d${(i + 1) % 24}`, join(many, `d${i}`, 'next'));
    }
    symlinkSync('l3', join(root, 'sys/bus/many/chain'));
    // a file among the links: looked up by readlink first once links are expected there
    writeFileSync(join(root, 'sys/bus/many/uevent'), 'u\n');
    const CHANGED = ['/etc/mdevctl.d/matrix/new', '/etc/mdevctl.d/matrix/x', '/etc/mdevctl.d/other/x', '/sys/bus/many/l3/new', '/sys/devices/many/d3/new', '/sys/devices/many/d3/attr'];
    // paths from places worth asking about twice, then a few steps on
    const start = fc.constantFrom('/', '/sys/bus/many', '/sys/bus/many/l1', '/sys/bus/many/l3', '/sys/bus/many/chain', '/sys/devices/many', '/sys/devices/many/d3', '/sys/devices/many/d7/next', '/etc/mdevctl.d/matrix', '/etc/mdevctl.d/evil', '/sys/bus/ap', '/sys/abs-etc', '/sys/escape-rel', '/sys/loop', '/sys/bus/up', ...CHANGED);
    const segment = fc.constantFrom('..', '.', '', 'attr', 'next', 'new', 'd3', 'l3', 'x', 'apmask', 'passwd', 'many', 'uevent', 'l5', 'l7');
    const pathArb = fc.tuple(start, fc.array(segment, { maxLength: 3 })).map(([s0, parts]) => [s0, ...parts].join('/').replace(/^\/\//, '/'));
    const query = fc.constantFrom('read', 'readdir', 'readlink', 'realpath', 'canonical', 'canonical-in', 'stat', 'lstat', 'exists', 'cfg-kind', 'cfg-list', 'cfg-kinds', 'cfg-read');
    // changes stay where they keep the tree's links (a file written over a link would end the test's interest)
    const change = fc.tuple(
      fc.constantFrom('write', 'cfg-write', 'cfg-remove'),
      fc.constantFrom(...CHANGED),
    );
    const answer = (fn: () => string): string => {
      try {
        return fn();
      } catch (e) {
        return isKernelError(e) ? `errno ${e.code}` : `error ${(e as Error).message}`;
      }
    };
    const ask = (b: RootBackend, o: string, path: string): unknown => {
      try {
        switch (o) {
          case 'read': return b.read(path);
          case 'readdir': return b.readdir(path);
          case 'readlink': return b.readlink(path);
          case 'realpath': return b.realpath(path);
          // the name given apart resolves as the joined path does
          case 'canonical': return b.canonicalBasename(path);
          case 'canonical-in':
            return ['..', 'attr', 'next'].map((n) => {
              const [x, y] = [answer(() => b.canonicalBasename(path, n)), answer(() => basename(b.realpath(`${path}/${n}`)))];
              return x === y ? x : `${x} != ${y}`;
            });
          case 'stat': return b.stat(path);
          case 'lstat': return b.lstat(path);
          case 'exists': return b.exists(path);
          case 'cfg-kind': return b.files.kind(path);
          case 'cfg-list': return b.files.list(path)?.sort();
          case 'cfg-kinds': return b.files.listKinds(path)?.sort();
          case 'cfg-read': return b.files.read(path)?.toString();
          case 'write': return b.write(path, 'w\n');
          case 'cfg-write': return b.files.writeAtomic(path, 'c');
          case 'cfg-remove': return b.files.remove(path);
        }
      } catch (e) {
        return isKernelError(e) ? `errno ${e.code}` : `error ${(e as Error).message.replace(/'.*'/, '')}`;
      }
    };
    const step = fc.oneof({ arbitrary: fc.tuple(query, pathArb), weight: 4 }, { arbitrary: change, weight: 1 });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const long = new RootBackend(root);
        for (const [o, path] of steps) {
          // a change goes through the long-lived backend; the next answers must see it
          if (o === 'write' || o === 'cfg-write' || o === 'cfg-remove') ask(long, o, path);
          else {
            const said = ask(long, o, path);
            expect(said, `${o} ${path}`).toEqual(ask(new RootBackend(root), o, path));
            if (o === 'canonical-in') expect(JSON.stringify(said), path).not.toContain(' != ');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

