// The vfs: namei-style path walk and the sysfs (kernfs) file contract of the syscall surface.
import { describe, expect, it, vi } from 'vitest';
import { KernelError } from '../../../src/core/errno.js';
import { O_RDONLY, O_RDWR, O_WRONLY } from '../../../src/kernel/syscall-surface.js';
import { Attr, Dir, Link, relativeTarget } from '../../../src/kernel/vfs/node.js';
import { MAXSYMLINKS } from '../../../src/kernel/vfs/path-walk.js';
import { PAGE_SIZE, Process } from '../../../src/kernel/vfs/process.js';
import { Vfs } from '../../../src/kernel/vfs/vfs.js';
import { errno } from '../sh.js';

function tree() {
  const vfs = new Vfs();
  const stored: string[] = [];
  const store = vi.fn((buf: string) => void stored.push(buf));
  const show = vi.fn(() => 'value\n');
  vfs.attach('/a/b/file', Attr.rw(show, store));
  vfs.attach('/a/b/ro', Attr.ro(() => 'ro\n'));
  vfs.attach('/a/b/wo', Attr.wo(() => undefined));
  vfs.link('/a/link', '/a/b'); // relative: b
  vfs.link('/c/d/deep', '/a/b/file'); // relative: ../../a/b/file
  vfs.attach('/abs', new Link('/a/b'));
  vfs.link('/a/b/up', '/a'); // ..
  vfs.link('/a/filelink', '/a/b/file');
  const p = new Process(vfs, 42);
  return { vfs, p, store, show, stored };
}

describe('relativeTarget (sysfs_create_link)', () => {
  it.each([
    ['/sys/bus/mdev/devices', '/sys/devices/vfio_ap/matrix/u', '../../../devices/vfio_ap/matrix/u'],
    ['/sys/devices/vfio_ap/matrix/u', '/sys/devices/vfio_ap/matrix/mdev_supported_types/t', '../mdev_supported_types/t'],
    ['/a', '/a/b', 'b'],
    ['/a/b', '/a', '..'],
    ['/a/b', '/x/y', '../../x/y'],
  ])('from %s to %s is %s', (dir, target, rel) => {
    expect(relativeTarget(dir, target)).toBe(rel);
  });
});

describe('path walk', () => {
  it('resolves relative and absolute links to the physical path', () => {
    const { p } = tree();
    expect(p.readlink('/a/link')).toBe('b');
    expect(p.readlink('/c/d/deep')).toBe('../../a/b/file');
    expect(p.realpath('/a/link/file')).toBe('/a/b/file');
    expect(p.realpath('/c/d/deep')).toBe('/a/b/file');
    expect(p.realpath('/abs/file')).toBe('/a/b/file');
    expect(p.realpath('/a/b/up/b/up/link')).toBe('/a/b');
    expect(p.realpath('/')).toBe('/');
    expect(p.realpath('/..')).toBe('/');
    expect(p.realpath('//a//./b/')).toBe('/a/b');
    expect(p.realpath('a/b')).toBe('/a/b');
  });

  it('takes `..` after a link from the link target (physical walk)', () => {
    const { p } = tree();
    expect(p.realpath('/a/link/..')).toBe('/a');
    expect(p.realpath('/a/link/../link/file')).toBe('/a/b/file');
    expect(errno(() => p.realpath('/c/d/deep/../ro'))).toBe('ENOTDIR'); // deep is a file
  });

  it('demands a directory after a slash: ENOTDIR', () => {
    const { p } = tree();
    expect(errno(() => p.realpath('/a/b/file/'))).toBe('ENOTDIR');
    expect(errno(() => p.realpath('/a/b/file/.'))).toBe('ENOTDIR');
    expect(errno(() => p.realpath('/a/b/file/..'))).toBe('ENOTDIR');
    expect(errno(() => p.realpath('/a/b/file/x'))).toBe('ENOTDIR');
    expect(errno(() => p.realpath('/a/filelink/'))).toBe('ENOTDIR');
    expect(errno(() => p.open('/a/b/file/', O_RDONLY))).toBe('ENOTDIR');
    expect(errno(() => p.readdir('/a/b/file'))).toBe('ENOTDIR');
  });

  it('follows a final link only for stat, or with a trailing slash', () => {
    const { p } = tree();
    expect(p.lstat('/a/link')).toEqual({ kind: 'link', mode: 0o777, size: 1 });
    expect(p.stat('/a/link').kind).toBe('dir');
    expect(p.lstat('/a/link/').kind).toBe('dir');
    expect(errno(() => p.readlink('/a/link/'))).toBe('EINVAL');
    expect(errno(() => p.readlink('/a/b/file'))).toBe('EINVAL');
    expect(p.readlink('/a/link/../link')).toBe('b');
  });

  it('answers ENOENT for missing names and the empty path', () => {
    const { p } = tree();
    expect(errno(() => p.stat('/a/nope'))).toBe('ENOENT');
    expect(errno(() => p.stat('/a/link/nope'))).toBe('ENOENT');
    expect(errno(() => p.stat(''))).toBe('ENOENT');
    const { vfs } = tree();
    vfs.attach('/dangling', new Link('/nowhere'));
    expect(errno(() => new Process(vfs, 1).stat('/dangling'))).toBe('ENOENT');
    expect(new Process(vfs, 1).lstat('/dangling').kind).toBe('link');
  });

  it(`follows at most ${MAXSYMLINKS} links, then ELOOP`, () => {
    const vfs = new Vfs();
    vfs.attach('/t/target', Attr.ro(() => 'end\n'));
    // /t/l0 -> l1 -> ... -> l40 -> target: 41 links in a row
    for (let i = 0; i <= MAXSYMLINKS; i++) vfs.link(`/t/l${i}`, i === MAXSYMLINKS ? '/t/target' : `/t/l${i + 1}`);
    const p = new Process(vfs, 1);
    expect(p.realpath('/t/l1')).toBe('/t/target'); // 40 links
    expect(errno(() => p.realpath('/t/l0'))).toBe('ELOOP'); // 41 links
    expect(p.lstat('/t/l0').kind).toBe('link');
    // a loop of two links never ends
    vfs.link('/loop/x', '/loop/y');
    vfs.link('/loop/y', '/loop/x');
    expect(errno(() => p.stat('/loop/x'))).toBe('ELOOP');
    expect(errno(() => p.open('/loop/x/file', O_RDONLY))).toBe('ELOOP');
    // a directory link that points at its own parent: each pass counts
    vfs.attach('/self/me', new Link('.'));
    expect(p.realpath(`/self${'/me'.repeat(MAXSYMLINKS)}`)).toBe('/self');
    expect(errno(() => p.realpath(`/self${'/me'.repeat(MAXSYMLINKS + 1)}`))).toBe('ELOOP');
  });
});

describe('sysfs file contract', () => {
  it('readdir is sorted in byte order and merges computed entries', () => {
    const vfs = new Vfs();
    const d = vfs.attach('/d', new Dir({ names: () => ['b', 'B'], lookup: (n) => (n === 'b' || n === 'B' ? Attr.value('x') : undefined) }));
    d.add('a', Attr.value('x'));
    d.add('_z', Attr.value('x'));
    d.add('10', Attr.value('x'));
    d.add('9', Attr.value('x'));
    const p = new Process(vfs, 1);
    expect(p.readdir('/d')).toEqual(['10', '9', 'B', '_z', 'a', 'b']);
    expect(p.stat('/d/B').kind).toBe('file');
  });

  it('stat: attributes are PAGE_SIZE, links their target length, directories 0', () => {
    const { p } = tree();
    expect(p.stat('/a/b/file')).toEqual({ kind: 'file', mode: 0o644, size: 4096 });
    expect(p.stat('/a/b/ro')).toEqual({ kind: 'file', mode: 0o444, size: 4096 });
    expect(p.stat('/a/b/wo')).toEqual({ kind: 'file', mode: 0o200, size: 4096 });
    expect(p.lstat('/c/d/deep')).toEqual({ kind: 'link', mode: 0o777, size: '../../a/b/file'.length });
    expect(p.stat('/a')).toEqual({ kind: 'dir', mode: 0o755, size: 0 });
  });

  it('write returns the byte count and hands the store the whole buffer', () => {
    const { p, stored } = tree();
    const fd = p.open('/a/b/file', O_WRONLY);
    expect(p.write(fd, 'abc\n')).toBe(4);
    expect(p.write(fd, new Uint8Array([0x35, 0x00, 0x0a]))).toBe(3);
    expect(stored).toEqual(['abc\n', '5\0\n']);
    p.close(fd);
  });

  it('an empty write returns 0 without calling the store', () => {
    const { p, store } = tree();
    const fd = p.open('/a/b/file', O_WRONLY);
    expect(p.write(fd, '')).toBe(0);
    expect(p.write(fd, new Uint8Array(0))).toBe(0);
    expect(store).not.toHaveBeenCalled();
  });

  it('a write longer than a page reaches the store truncated to 4096 bytes', () => {
    const { p, stored } = tree();
    const fd = p.open('/a/b/file', O_WRONLY);
    expect(p.write(fd, 'x'.repeat(5000))).toBe(PAGE_SIZE);
    expect(p.write(fd, new Uint8Array(9000).fill(0x31))).toBe(PAGE_SIZE);
    expect(stored.map((s) => s.length)).toEqual([4096, 4096]);
  });

  it('strings are written as latin1 bytes', () => {
    const { p, stored } = tree();
    const fd = p.open('/a/b/file', O_WRONLY);
    expect(p.write(fd, 'é\u20ac')).toBe(2);
    expect(stored).toEqual(['é\u00ac']);
  });

  it('a failing store fails the write with its errno', () => {
    const vfs = new Vfs();
    vfs.attach('/f', Attr.wo(() => {
      throw new KernelError('EADDRINUSE');
    }));
    const p = new Process(vfs, 1);
    const fd = p.open('/f', O_WRONLY);
    expect(errno(() => p.write(fd, '1\n'))).toBe('EADDRINUSE');
  });

  it('show runs once per open file, reads continue from the position', () => {
    const { p, show } = tree();
    const fd = p.open('/a/b/file', O_RDONLY);
    expect(Buffer.from(p.read(fd, 2)).toString()).toBe('va');
    expect(Buffer.from(p.read(fd)).toString()).toBe('lue\n');
    expect(p.read(fd).length).toBe(0);
    expect(show).toHaveBeenCalledTimes(1);
    p.close(fd);
    const fd2 = p.open('/a/b/file', O_RDONLY);
    p.read(fd2);
    expect(show).toHaveBeenCalledTimes(2);
  });

  it('EACCES: reading a 0200 file, writing a 0444 file', () => {
    const { p } = tree();
    expect(errno(() => p.open('/a/b/wo', O_RDONLY))).toBe('EACCES');
    expect(errno(() => p.open('/a/b/wo', O_RDWR))).toBe('EACCES');
    expect(errno(() => p.open('/a/b/ro', O_WRONLY))).toBe('EACCES');
    expect(errno(() => p.open('/a/b/ro', O_RDWR))).toBe('EACCES');
    expect(typeof p.open('/a/b/file', O_RDWR)).toBe('number');
  });

  it('EISDIR and EBADF', () => {
    const { p } = tree();
    expect(errno(() => p.open('/a/b', O_WRONLY))).toBe('EISDIR');
    expect(errno(() => p.open('/a/link', O_RDWR))).toBe('EISDIR');
    const dfd = p.open('/a/b', O_RDONLY);
    expect(errno(() => p.read(dfd))).toBe('EISDIR');
    expect(errno(() => p.write(dfd, 'x'))).toBe('EBADF');
    const rfd = p.open('/a/b/file', O_RDONLY);
    expect(errno(() => p.write(rfd, 'x'))).toBe('EBADF');
    const wfd = p.open('/a/b/file', O_WRONLY);
    expect(errno(() => p.read(wfd))).toBe('EBADF');
    p.close(wfd);
    expect(errno(() => p.write(wfd, 'x'))).toBe('EBADF');
    expect(errno(() => p.close(wfd))).toBe('EBADF');
  });
});
