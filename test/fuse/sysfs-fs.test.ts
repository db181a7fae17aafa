// The served file system without a mount: FUSE requests encoded as the kernel sends them,
// answered by SysfsFs over a doc-preset twin. Runs everywhere (no /dev/fuse needed).

import { beforeEach, describe, expect, it } from 'vitest';
import { KernelError, isKernelError } from '../../src/core/errno.js';
import { Fattr, FOPEN_DIRECT_IO, FUSE_ROOT_ID, Opcode, S_IFDIR, S_IFLNK, S_IFREG } from '../../src/fuse/fuse-abi.js';
import { direntSize, encodeDirents, newEncodeDev, parseRequest, StructReader, StructWriter } from '../../src/fuse/fuse-codec.js';
import { SysfsFs } from '../../src/fuse/sysfs-fs.js';
import { Host } from '../../src/kernel/host.js';
import { presetSpec } from '../../src/kernel/host-spec.js';
import { O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../../src/kernel/syscall-surface.js';

const UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';
let unique = 1n;

function request(opcode: number, nodeid: number, body: Buffer = Buffer.alloc(0), uid = 0, gid = 0): Buffer {
  const w = new StructWriter(40 + body.length);
  w.u32(40 + body.length).u32(opcode).u64(unique++).u64(nodeid).u32(uid).u32(gid).u32(4242).u16(0).u16(0).bytes(body);
  return w.buf;
}

const u64s = (...v: number[]): Buffer => {
  const w = new StructWriter(v.length * 8);
  for (const x of v) w.u64(x);
  return w.buf;
};

interface Attr {
  ino: number;
  size: number;
  mode: number;
  nlink: number;
  rdev: number;
}

function readAttr(r: StructReader): Attr {
  const ino = r.u64();
  const size = r.u64();
  r.skip(8 + 24 + 12);
  const mode = r.u32();
  const nlink = r.u32();
  r.skip(8);
  const rdev = r.u32();
  return { ino, size, mode, nlink, rdev };
}

class Client {
  readonly host = Host.boot(presetSpec('doc'));
  stores = 0;
  readonly fs = new SysfsFs(() => this.proc, { onStore: () => this.stores++ });
  private proc = this.host.process();

  send(opcode: number, nodeid: number, body?: Buffer, uid = 0, gid = 0): Buffer | null {
    return this.fs.handle(parseRequest(request(opcode, nodeid, body, uid, gid)));
  }

  errno(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      if (isKernelError(e)) return e.code;
      throw e;
    }
    return 'ok';
  }

  lookup(nodeid: number, name: string): { nodeid: number; attr: Attr } {
    const r = new StructReader(this.send(Opcode.LOOKUP, nodeid, Buffer.from(`${name}\0`))!);
    const id = r.u64();
    r.skip(8);
    expect(r.u64()).toBe(0); // entry_valid: 0 s, every lookup reaches the twin
    expect(r.u64()).toBe(0); // attr_valid
    r.skip(8);
    return { nodeid: id, attr: readAttr(r) };
  }

  walk(path: string): number {
    let id = FUSE_ROOT_ID;
    for (const name of path.split('/').filter(Boolean)) id = this.lookup(id, name).nodeid;
    return id;
  }

  open(nodeid: number, flags: number): number {
    const r = new StructReader(this.send(Opcode.OPEN, nodeid, new StructWriter(8).u32(flags).u32(0).buf)!);
    const fh = r.u64();
    expect(r.u32()).toBe(FOPEN_DIRECT_IO);
    return fh;
  }

  read(fh: number, offset: number, size = 4096): string {
    const body = new StructWriter(40).u64(fh).u64(offset).u32(size).buf;
    return this.send(Opcode.READ, 0, body)!.toString('latin1');
  }

  write(fh: number, data: string): number {
    const bytes = Buffer.from(data, 'latin1');
    const body = new StructWriter(40 + bytes.length).u64(fh).u64(0).u32(bytes.length).skip(20).bytes(bytes).buf;
    return new StructReader(this.send(Opcode.WRITE, 0, body)!).u32();
  }

  release(fh: number): void {
    this.send(Opcode.RELEASE, 0, new StructWriter(24).u64(fh).buf);
  }

  echo(path: string, value: string): string | number {
    const fh = this.open(this.walk(path), O_WRONLY | O_TRUNC);
    try {
      return this.write(fh, `${value}\n`);
    } catch (e) {
      if (isKernelError(e)) return e.code;
      throw e;
    } finally {
      this.release(fh);
    }
  }

  cat(path: string): string {
    const fh = this.open(this.walk(path), O_RDONLY);
    const out = this.read(fh, 0);
    this.release(fh);
    return out;
  }

  readdir(nodeid: number, size = 4096): { name: string; ino: number; type: number }[] {
    const fh = new StructReader(this.send(Opcode.OPENDIR, nodeid, Buffer.alloc(8))!).u64();
    const out: { name: string; ino: number; type: number }[] = [];
    let offset = 0;
    for (;;) {
      const buf = this.send(Opcode.READDIR, nodeid, new StructWriter(40).u64(fh).u64(offset).u32(size).buf)!;
      if (buf.length === 0) break;
      const r = new StructReader(buf);
      let at = 0;
      while (at < buf.length) {
        const ino = r.u64();
        const off = r.u64();
        const len = r.u32();
        const type = r.u32();
        const name = r.rest(len).toString('latin1');
        out.push({ name, ino, type });
        offset = off;
        const step = direntSize(name);
        r.skip(step - 24);
        at += step;
      }
    }
    this.send(Opcode.RELEASEDIR, nodeid, new StructWriter(24).u64(fh).buf);
    return out;
  }
}

describe('SysfsFs: FUSE requests answered from the twin', () => {
  let c: Client;
  beforeEach(() => {
    c = new Client();
  });

  it('looks up the tree with stable node ids, modes and sysfs sizes', () => {
    const bus = c.lookup(FUSE_ROOT_ID, 'bus');
    expect(bus.attr.mode).toBe(S_IFDIR | 0o755);
    expect(c.lookup(FUSE_ROOT_ID, 'bus').nodeid).toBe(bus.nodeid);
    const ap = c.lookup(bus.nodeid, 'ap');
    const apmask = c.lookup(ap.nodeid, 'apmask');
    expect(apmask.attr).toMatchObject({ mode: S_IFREG | 0o644, size: 4096, nlink: 1 });
    // 2 + subdirectories (devices, drivers), as kernfs counts them
    expect(ap.attr.nlink).toBe(4);
    const create = c.walk('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create');
    expect(new StructReader(c.send(Opcode.GETATTR, create, Buffer.alloc(16))!).skip(16).u64()).toBe(create);
    const link = c.lookup(c.walk('bus/ap/drivers/vfio_ap'), 'bind');
    expect(link.attr.mode).toBe(S_IFREG | 0o200);
    expect(c.errno(() => c.lookup(ap.nodeid, 'nope'))).toBe('ENOENT');
  });

  it('reads symlinks with their relative targets', () => {
    const matrix = c.lookup(c.walk('class/mdev_bus'), 'matrix');
    expect(matrix.attr.mode).toBe(S_IFLNK | 0o777);
    expect(c.send(Opcode.READLINK, matrix.nodeid)!.toString()).toBe('../../devices/vfio_ap/matrix');
    expect(matrix.attr.size).toBe('../../devices/vfio_ap/matrix'.length);
  });

  it('runs the documentation sequence: reserve, create, assign, read the matrix', () => {
    expect(c.echo('bus/ap/apmask', '-5,-6')).toBe(6);
    expect(c.echo('bus/ap/aqmask', '-4,-0xab')).toBe(9);
    expect(c.cat('bus/ap/apmask')).toBe(`0xf9${'f'.repeat(62)}\n`);
    expect(c.echo('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID)).toBe(37);
    const m = `devices/vfio_ap/matrix/${UUID}`;
    expect(c.echo(`${m}/assign_adapter`, '5')).toBe(2);
    expect(c.echo(`${m}/assign_domain`, '4')).toBe(2);
    expect(c.echo(`${m}/assign_domain`, '0xab')).toBe(5);
    expect(c.cat(`${m}/matrix`)).toBe('05.0004\n05.00ab\n');
    expect(c.stores).toBe(6);
    expect(c.echo(`${m}/assign_domain`, '0x100')).toBe('ENODEV');
    expect(c.stores).toBe(7);
  });

  it('refuses to open write-only files for reading and read-only files for writing (EACCES)', () => {
    const create = c.walk('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create');
    expect(c.errno(() => c.open(create, O_RDONLY))).toBe('EACCES');
    expect(c.errno(() => c.open(create, O_RDWR))).toBe('EACCES');
    expect(c.errno(() => c.open(c.walk('bus/ap/ap_domain'), O_WRONLY))).toBe('ok');
    expect(c.errno(() => c.open(c.walk('bus/ap/ap_max_domain_id'), O_WRONLY))).toBe('EACCES');
  });

  it('checks modes for users as the VFS does: root passes, others get the group or other bits', () => {
    const apmask = c.walk('bus/ap/apmask');
    const open = (flags: number, uid: number, gid: number): string =>
      c.errno(() => c.send(Opcode.OPEN, apmask, new StructWriter(8).u32(flags).u32(0).buf, uid, gid));
    const access = (node: number, mask: number, uid = 0): string => c.errno(() => c.send(Opcode.ACCESS, node, new StructWriter(8).u32(mask).u32(0).buf, uid, uid));
    expect(open(O_RDONLY, 1000, 1000)).toBe('ok');
    expect(open(O_WRONLY, 1000, 1000)).toBe('EACCES');
    expect(open(O_RDONLY | O_TRUNC, 1000, 0)).toBe('EACCES');
    expect(open(O_RDWR, 0, 0)).toBe('ok');
    expect(access(apmask, 2, 1000)).toBe('EACCES');
    expect(access(apmask, 4, 1000)).toBe('ok');
    expect(access(apmask, 1)).toBe('EACCES'); // no x bit: not even root may execute
    expect(access(c.walk('bus'), 1, 1000)).toBe('ok');
    expect(access(c.walk('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create'), 4, 1000)).toBe('EACCES');
    // FLUSH: kernfs has none; ENOSYS makes the kernel stop asking
    expect(c.errno(() => c.send(Opcode.FLUSH, apmask, Buffer.alloc(24)))).toBe('ENOSYS');
  });

  it('serves a read at offset 0 afresh and later offsets from the same buffer', () => {
    const fh = c.open(c.walk('bus/ap/apmask'), O_RDWR);
    const first = c.read(fh, 0, 10);
    expect(first).toBe('0xffffffff');
    c.write(fh, '-5\n');
    // seq_file: the rest of the value read before the write
    expect(c.read(fh, 10, 100)).toBe(`${'f'.repeat(56)}\n`);
    expect(c.read(fh, 67, 100)).toBe('');
    expect(c.read(fh, 0, 4)).toBe('0xfb');
  });

  it('answers ENODEV on a handle whose node was removed', () => {
    c.echo('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID);
    const m = c.walk(`devices/vfio_ap/matrix/${UUID}`);
    const fh = c.open(c.lookup(m, 'assign_adapter').nodeid, O_WRONLY);
    c.echo(`devices/vfio_ap/matrix/${UUID}/remove`, '1');
    expect(c.errno(() => c.write(fh, '5\n'))).toBe('ENODEV');
    expect(c.errno(() => c.send(Opcode.GETATTR, m, Buffer.alloc(16)))).toBe('ENOENT');
  });

  it('lists directories with . and .., types and the ids lookups give, across small buffers', () => {
    const ap = c.walk('bus/ap');
    const whole = c.readdir(ap);
    const paged = c.readdir(ap, 64);
    expect(paged).toEqual(whole);
    expect(whole.slice(0, 2).map((e) => e.name)).toEqual(['.', '..']);
    expect(whole[0]!.ino).toBe(ap);
    expect(whole[1]!.ino).toBe(c.walk('bus'));
    const names = whole.slice(2).map((e) => e.name);
    expect(names).toEqual(c.host.process().readdir('/sys/bus/ap'));
    const apmask = whole.find((e) => e.name === 'apmask')!;
    expect(apmask.type).toBe(8); // DT_REG
    expect(apmask.ino).toBe(c.lookup(ap, 'apmask').nodeid);
    expect(whole.find((e) => e.name === 'devices')!.type).toBe(4); // DT_DIR
    expect(c.readdir(c.walk('bus/ap/drivers/vfio_ap')).every((e) => e.name !== 'bind' || e.type === 8)).toBe(true);
  });

  it('treats truncation as success, refuses chmod and chown, and makes or removes no nodes', () => {
    const apmask = c.walk('bus/ap/apmask');
    const setattr = (valid: number): Buffer => new StructWriter(88).u32(valid).skip(4).u64(0).u64(0).buf;
    expect(readAttr(new StructReader(c.send(Opcode.SETATTR, apmask, setattr(Fattr.SIZE))!).skip(16)).size).toBe(4096);
    expect(c.errno(() => c.send(Opcode.SETATTR, apmask, setattr(Fattr.MODE)))).toBe('EPERM');
    expect(c.errno(() => c.send(Opcode.SETATTR, c.walk('bus'), setattr(Fattr.SIZE)))).toBe('EISDIR');
    expect(c.errno(() => c.send(Opcode.CREATE, c.walk('bus'), Buffer.from('x\0')))).toBe('EACCES');
    for (const op of [Opcode.MKDIR, Opcode.UNLINK, Opcode.RMDIR, Opcode.RENAME, Opcode.SYMLINK])
      expect(c.errno(() => c.send(op, c.walk('bus'), Buffer.from('x\0')))).toBe('EPERM');
    expect(c.errno(() => c.send(Opcode.GETXATTR, apmask))).toBe('ENOSYS');
  });

  it('forgets node ids the kernel drops, but gives a path the same id again', () => {
    const bus = c.walk('bus');
    const live = c.fs.inodes.liveCount;
    c.send(Opcode.FORGET, bus, u64s(1));
    expect(c.fs.inodes.liveCount).toBe(live - 1);
    expect(c.errno(() => c.send(Opcode.GETATTR, bus, Buffer.alloc(16)))).toBe('ENOENT');
    expect(c.walk('bus')).toBe(bus);
    c.send(Opcode.BATCH_FORGET, 0, Buffer.concat([new StructWriter(8).u32(1).buf, u64s(bus, 1)]));
    expect(c.fs.inodes.liveCount).toBe(live - 1);
  });
});

describe('FUSE codec', () => {
  it('encodes dirents padded to 8 bytes with next offsets', () => {
    const buf = encodeDirents(
      [
        { name: '.', ino: 1, mode: S_IFDIR },
        { name: 'apmask', ino: 7, mode: S_IFREG },
      ],
      0,
      4096,
    );
    expect(buf.length).toBe(32 + 32);
    const r = new StructReader(buf);
    expect([r.u64(), r.u64(), r.u32(), r.u32()]).toEqual([1, 1, 1, 4]);
    r.skip(8);
    expect([r.u64(), r.u64(), r.u32(), r.u32()]).toEqual([7, 2, 6, 8]);
    expect(encodeDirents([{ name: 'apmask', ino: 7, mode: S_IFREG }], 0, 31).length).toBe(0);
  });

  it('encodes character device numbers as new_encode_dev', () => {
    expect(newEncodeDev(10, 196)).toBe(0xac4);
    expect(newEncodeDev(241, 0x1234)).toBe(0x120f134);
  });

  it('rejects a truncated request', () => {
    expect(() => parseRequest(Buffer.alloc(20))).toThrow(/short FUSE request/);
    expect(new KernelError('EACCES').errno).toBe(13);
  });
});
