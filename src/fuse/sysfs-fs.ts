// The served filesystem: FUSE requests answered from the twin's sysfs through the syscall
// surface only (lstat, readdir, readlink, open, read, write, close), so every errno is the
// twin's own. Paths are mount-relative; the mount root is the twin's /sys.
//
// File semantics follow the VFS and kernfs (fs/kernfs/file.c, fs/sysfs/file.c):
// - open checks the mode bits for the caller as generic_permission does (root passes),
//   then access as kernfs_fop_open does: EACCES for a reader of a file without show, or a
//   writer of one without store (the twin's Process.open decides);
// - a read at offset 0 runs show afresh, later offsets continue that one buffer (seq_file),
//   so `cat` never sees a torn value;
// - every write(2) is one store (sysfs_kf_write), whatever the offset; its count or errno
//   goes back to the caller unchanged;
// - a file whose node is gone answers ENODEV (kernfs_get_active fails);
// - truncation (O_TRUNC, SETATTR size) is a successful no-op, as on sysfs.

import { isKernelError, KernelError } from '../core/errno.js';
import { O_ACCMODE, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, type Stat, type Syscalls } from '../kernel/syscall-surface.js';
import {
  Fattr,
  FOPEN_DIRECT_IO,
  Opcode,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  WRITE_IN_SIZE,
} from './fuse-abi.js';
import {
  encodeAttrOut,
  encodeDirents,
  encodeEntryOut,
  encodeOpenOut,
  encodeStatfsOut,
  encodeWriteOut,
  newEncodeDev,
  StructReader,
  type Attr,
  type DirEntry,
  type FuseRequest,
} from './fuse-codec.js';
import { childPath, InodeTable, parentPath } from './inode-table.js';

/** What the served tree reads and writes through: the current twin's syscalls. */
export type SyscallsSource = () => Syscalls;

export interface SysfsFsOptions {
  /** The twin directory served as the mount root (default /sys). */
  root?: string;
  /** atime/mtime/ctime of every node, ms since the epoch (default: now). */
  timeMs?: number;
  /** Called after every write(2) that reached a store, failed or not (the twin may have changed). */
  onStore?: () => void;
  /** Runs each write(2) (a holder of a shared twin reports it as a change of its own). */
  aroundStore?: <T>(path: string, fn: () => T) => T;
}

type Handle = { kind: 'file'; path: string; content?: Buffer } | { kind: 'dir'; path: string; entries?: DirEntry[] };

// access(2) mask bits (MAY_READ/MAY_WRITE/MAY_EXEC = R_OK/W_OK/X_OK)
const MAY_EXEC = 1;
const MAY_WRITE = 2;
const MAY_READ = 4;

const typeBits: Record<Stat['kind'], number> = { dir: S_IFDIR, file: S_IFREG, link: S_IFLNK, chr: S_IFCHR };

export class SysfsFs {
  readonly inodes = new InodeTable();
  private readonly handles = new Map<number, Handle>();
  private nextFh = 1;
  private readonly root: string;
  private readonly timeMs: number;

  constructor(
    private readonly sys: SyscallsSource,
    private readonly opts: SysfsFsOptions = {},
  ) {
    this.root = opts.root ?? '/sys';
    this.timeMs = opts.timeMs ?? Date.now();
  }

  /** Open file and directory handles (for tests and diagnostics). */
  get openHandles(): number {
    return this.handles.size;
  }

  /**
   * Answers one request: the reply payload, or null for requests that get no reply
   * (FORGET, BATCH_FORGET). Failures throw KernelError; the session sends -errno.
   */
  handle(req: FuseRequest): Buffer | null {
    const r = new StructReader(req.body);
    switch (req.opcode) {
      case Opcode.LOOKUP:
        return this.lookup(req.nodeid, r.cstring());
      case Opcode.FORGET:
        this.inodes.forget(req.nodeid, r.u64());
        return null;
      case Opcode.BATCH_FORGET: {
        const count = r.u32();
        r.skip(4);
        for (let i = 0; i < count; i++) this.inodes.forget(r.u64(), r.u64());
        return null;
      }
      case Opcode.GETATTR:
        return encodeAttrOut(this.attr(this.inodes.path(req.nodeid)));
      case Opcode.SETATTR:
        return this.setattr(req.nodeid, r.u32());
      case Opcode.READLINK:
        return Buffer.from(this.sys().readlink(this.twinPath(this.inodes.path(req.nodeid))), 'latin1');
      case Opcode.OPEN:
        return this.open(req, r.u32());
      case Opcode.READ: {
        const fh = r.u64();
        const offset = r.u64();
        return this.read(fh, offset, r.u32());
      }
      case Opcode.WRITE: {
        const fh = r.u64();
        r.skip(8);
        const size = r.u32();
        return this.write(fh, req.body.subarray(WRITE_IN_SIZE, WRITE_IN_SIZE + size));
      }
      case Opcode.FSYNC:
      case Opcode.FSYNCDIR:
        // kernfs files fsync with noop_fsync
        this.handleAt(r.u64());
        return Buffer.alloc(0);
      case Opcode.FLUSH:
        // kernfs has no flush; ENOSYS tells the kernel to stop sending FLUSH (close gets 0)
        throw new KernelError('ENOSYS');
      case Opcode.RELEASE:
      case Opcode.RELEASEDIR:
        this.handles.delete(r.u64());
        return Buffer.alloc(0);
      case Opcode.OPENDIR:
        return this.opendir(req.nodeid);
      case Opcode.READDIR: {
        const fh = r.u64();
        const offset = r.u64();
        return this.readdir(fh, offset, r.u32());
      }
      case Opcode.STATFS:
        return encodeStatfsOut();
      case Opcode.ACCESS:
        this.permission(req, this.sys().lstat(this.twinPath(this.inodes.path(req.nodeid))), r.u32());
        return Buffer.alloc(0);
      // sysfs has no way to make or remove nodes from user space: vfs_create without
      // i_op->create is EACCES; mknod, mkdir, unlink, rmdir, rename and links are EPERM
      case Opcode.CREATE:
        throw new KernelError('EACCES');
      case Opcode.MKNOD:
      case Opcode.MKDIR:
      case Opcode.SYMLINK:
      case Opcode.LINK:
      case Opcode.UNLINK:
      case Opcode.RMDIR:
      case Opcode.RENAME:
      case Opcode.RENAME2:
        throw new KernelError('EPERM');
      default:
        throw new KernelError('ENOSYS');
    }
  }

  private twinPath(path: string): string {
    return this.root + path;
  }

  private attr(path: string, ino = this.inodes.ino(path)): Attr {
    const sys = this.sys();
    const twin = this.twinPath(path);
    const st = sys.lstat(twin);
    const rdev = st.rdev ? newEncodeDev(st.rdev.major, st.rdev.minor) : 0;
    const nlink = st.kind === 'dir' ? 2 + this.subdirs(sys, twin) : 1;
    return { ino, mode: typeBits[st.kind] | st.mode, nlink, size: st.size, rdev, timeMs: this.timeMs };
  }

  /** kernfs gives a directory 2 + its subdirectory count as link count (find relies on it). */
  private subdirs(sys: Syscalls, twin: string): number {
    let n = 0;
    for (const name of sys.readdir(twin)) if (sys.lstat(`${twin}/${name}`).kind === 'dir') n++;
    return n;
  }

  private lookup(parent: number, name: string): Buffer {
    const path = childPath(this.inodes.path(parent), name);
    const attr = this.attr(path);
    this.inodes.lookup(path);
    return encodeEntryOut(attr);
  }

  private setattr(nodeid: number, valid: number): Buffer {
    const path = this.inodes.path(nodeid);
    const st = this.sys().lstat(this.twinPath(path));
    // the twin has no chmod/chown: refusing beats pretending (real sysfs lets root do it)
    if (valid & (Fattr.MODE | Fattr.UID | Fattr.GID)) throw new KernelError('EPERM');
    if (valid & Fattr.SIZE && st.kind === 'dir') throw new KernelError('EISDIR');
    return encodeAttrOut(this.attr(path));
  }

  /**
   * generic_permission for the caller of a request (the mount does not pass
   * default_permissions, so the kernel leaves mode checks to us): nodes belong to root;
   * root may read and write anything and execute what has an x bit or is a directory;
   * others get the group bits when their fsgid is 0, else the other bits.
   */
  private permission(req: FuseRequest, st: Stat, mask: number): void {
    if (mask === 0) return; // F_OK
    const mode = st.kind === 'link' ? 0o777 : st.mode;
    if (req.uid === 0) {
      if (mask & MAY_EXEC && st.kind !== 'dir' && !(mode & 0o111)) throw new KernelError('EACCES');
      return;
    }
    const bits = req.gid === 0 ? (mode >> 3) & 7 : mode & 7;
    if ((bits & mask) !== mask) throw new KernelError('EACCES');
  }

  private open(req: FuseRequest, flags: number): Buffer {
    const path = this.inodes.path(req.nodeid);
    const sys = this.sys();
    const access = flags & O_ACCMODE;
    const mask = (access === O_RDONLY || access === O_RDWR ? MAY_READ : 0) | (access !== O_RDONLY || flags & O_TRUNC ? MAY_WRITE : 0);
    this.permission(req, sys.lstat(this.twinPath(path)), mask);
    // kernfs_fop_open's access check, by the twin itself; the fd is not kept: each read
    // and write below opens its own, so a reloaded twin serves the same handles
    sys.close(sys.open(this.twinPath(path), (flags & O_ACCMODE) | (flags & O_TRUNC)));
    const fh = this.nextFh++;
    this.handles.set(fh, { kind: 'file', path });
    return encodeOpenOut(fh, FOPEN_DIRECT_IO);
  }

  private read(fh: number, offset: number, size: number): Buffer {
    const h = this.handleAt(fh);
    if (h.kind !== 'file') throw new KernelError('EISDIR');
    if (offset === 0 || h.content === undefined) h.content = this.show(h.path);
    return h.content.subarray(Math.min(offset, h.content.length), Math.min(offset + size, h.content.length));
  }

  private show(path: string): Buffer {
    const sys = this.sys();
    const fd = this.reopen(sys, path, O_RDONLY);
    try {
      return Buffer.from(sys.read(fd));
    } finally {
      sys.close(fd);
    }
  }

  private write(fh: number, data: Buffer): Buffer {
    const h = this.handleAt(fh);
    if (h.kind !== 'file') throw new KernelError('EISDIR');
    const store = (): Buffer => {
      const sys = this.sys();
      const fd = this.reopen(sys, h.path, O_WRONLY);
      try {
        return encodeWriteOut(sys.write(fd, data));
      } finally {
        sys.close(fd);
        this.opts.onStore?.();
      }
    };
    return this.opts.aroundStore ? this.opts.aroundStore(this.twinPath(h.path), store) : store();
  }

  /** The file of an open handle again; ENODEV once its node is gone, as kernfs says. */
  private reopen(sys: Syscalls, path: string, flags: number): number {
    try {
      return sys.open(this.twinPath(path), flags);
    } catch (e) {
      if (isKernelError(e, 'ENOENT')) throw new KernelError('ENODEV');
      throw e;
    }
  }

  private opendir(nodeid: number): Buffer {
    const path = this.inodes.path(nodeid);
    if (this.sys().lstat(this.twinPath(path)).kind !== 'dir') throw new KernelError('ENOTDIR');
    const fh = this.nextFh++;
    this.handles.set(fh, { kind: 'dir', path });
    return encodeOpenOut(fh, 0);
  }

  private readdir(fh: number, offset: number, size: number): Buffer {
    const h = this.handleAt(fh);
    if (h.kind !== 'dir') throw new KernelError('ENOTDIR');
    // the listing is taken at the start (offset 0, also after rewinddir) and paged from it
    if (offset === 0 || h.entries === undefined) h.entries = this.list(h.path);
    return encodeDirents(h.entries, offset, size);
  }

  private list(path: string): DirEntry[] {
    const sys = this.sys();
    const twin = this.twinPath(path);
    const entries: DirEntry[] = [
      { name: '.', ino: this.inodes.ino(path), mode: S_IFDIR },
      { name: '..', ino: this.inodes.ino(parentPath(path)), mode: S_IFDIR },
    ];
    for (const name of sys.readdir(twin)) {
      let kind: Stat['kind'];
      try {
        kind = sys.lstat(`${twin}/${name}`).kind;
      } catch (e) {
        if (isKernelError(e)) continue;
        throw e;
      }
      entries.push({ name, ino: this.inodes.ino(childPath(path, name)), mode: typeBits[kind] });
    }
    return entries;
  }

  private handleAt(fh: number): Handle {
    const h = this.handles.get(fh);
    if (!h) throw new KernelError('EBADF');
    return h;
  }
}
