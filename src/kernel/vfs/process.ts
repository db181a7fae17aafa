// A user-space process's view of the twin: an open-file table over the Vfs implementing
// the syscall surface with write(2)/read(2) semantics of sysfs (kernfs) and devfs.

import { KernelError } from '../../core/errno.js';
import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  EFD_SEMAPHORE,
  O_ACCMODE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  type IoctlArg,
  type Mapping,
  type Stat,
  type Syscalls,
  MAP_ANONYMOUS,
} from '../syscall-surface.js';
import { EventFd } from './eventfd.js';
import { AddressSpace, type MappingCheckpoint } from './address-space.js';
import { Attr, type CheckpointRefs, type DeviceFile, type FileCheckpoint, type Task, type VfsNode } from './node.js';
import type { Vfs } from './vfs.js';

/** kernfs hands a store at most one page per write(2). */
export const PAGE_SIZE = 4096;

type OpenFile =
  | { kind: 'attr'; node: Attr; flags: number; content?: Uint8Array; pos: number }
  | { kind: 'dir'; flags: number }
  | { kind: 'chr'; file: DeviceFile; flags: number };

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const NON_LATIN1 = /[^\u0000-\u00ff]/;

export function statOf(node: VfsNode): Stat {
  switch (node.kind) {
    case 'dir':
      return { kind: 'dir', mode: node.mode, size: 0 };
    case 'file':
      return { kind: 'file', mode: node.mode, size: PAGE_SIZE };
    case 'link':
      return { kind: 'link', mode: node.mode, size: node.target.length };
    case 'chr':
      return { kind: 'chr', mode: node.mode, size: 0, rdev: { major: node.major, minor: node.minor } };
  }
}

/** TASK_COMM_LEN is 16 including the NUL: `qemu-system-s390x` shows as `qemu-system-s39`. */
export const TASK_COMM_LEN = 16;

/** An open device file as a checkpoint records it. */
export interface FdCheckpoint {
  fd: number;
  flags: number;
  file: FileCheckpoint;
  /** The file's checkpoint reference, when a mapping shares it. */
  ref?: number;
}

export type { MappingCheckpoint };

export class Process implements Syscalls, Task {
  private readonly files = new Map<number, OpenFile>();
  readonly comm: string;
  private exited = false;
  /** The process's mappings (mmap), which keep their files open. */
  readonly memory: AddressSpace;

  constructor(
    private readonly vfs: Vfs,
    readonly pid: number,
    comm = 'vfioctl',
    private readonly onExit?: (p: Process) => void,
  ) {
    this.comm = comm.slice(0, TASK_COMM_LEN - 1);
    this.memory = new AddressSpace((file) => this.releaseIfUnused(file));
  }

  /** The last reference to a file went (its fd closed and no mapping left): the driver's release. */
  private releaseIfUnused(file: DeviceFile): void {
    for (const f of this.files.values()) if (f.kind === 'chr' && f.file === file) return;
    file.release();
  }

  /** Runs a syscall with this process as the kernel's `current`. */
  private as<T>(fn: () => T): T {
    const prev = this.vfs.current;
    this.vfs.current = this;
    try {
      return fn();
    } finally {
      this.vfs.current = prev;
    }
  }

  open(path: string, flags: number): number {
    return this.as(() => this.doOpen(path, flags));
  }

  private doOpen(path: string, flags: number): number {
    const { node } = this.vfs.resolve(path, true);
    const access = flags & O_ACCMODE;
    const wantsRead = access === O_RDONLY || access === O_RDWR;
    const wantsWrite = access === O_WRONLY || access === O_RDWR;
    let file: OpenFile;
    switch (node.kind) {
      case 'dir':
        if (wantsWrite) throw new KernelError('EISDIR');
        file = { kind: 'dir', flags };
        break;
      case 'file':
        // models kernfs_fop_open: no show → EACCES for readers, no store → EACCES for writers
        if ((wantsRead && !node.show) || (wantsWrite && !node.store)) throw new KernelError('EACCES');
        file = { kind: 'attr', node, flags, pos: 0 };
        break;
      case 'chr':
        file = { kind: 'chr', file: node.open({ flags, pid: this.pid, task: this }), flags };
        break;
      case 'link':
        throw new KernelError('ELOOP');
    }
    return this.place(file);
  }

  /** models get_unused_fd_flags + fd_install: the lowest free fd (0-2 are the standard streams). */
  private place(file: OpenFile): number {
    let fd = 3;
    while (this.files.has(fd)) fd++;
    this.files.set(fd, file);
    return fd;
  }

  /** Task.install: a driver hands the caller a new file (anon inode fds). */
  install(file: DeviceFile, flags: number): number {
    return this.place({ kind: 'chr', file, flags });
  }

  /** Task.fileAt: models fdget; EBADF when fd is not open. */
  fileAt(fd: number): DeviceFile | undefined {
    const file = this.file(fd);
    return file.kind === 'chr' ? file.file : undefined;
  }

  close(fd: number): void {
    this.as(() => {
      const file = this.file(fd);
      this.files.delete(fd);
      if (file.kind === 'chr') {
        file.file.setReadListener?.(undefined);
        // a mapping keeps the file (the vma holds a reference) until munmap
        if (!this.memory.maps(file.file)) this.releaseIfUnused(file.file);
      }
    });
  }

  /** Closes every open file, as process exit does. */
  exit(): void {
    for (const fd of [...this.files.keys()]) if (this.files.has(fd)) this.close(fd);
    this.as(() => this.memory.unmapAll());
    if (!this.exited) {
      this.exited = true;
      this.onExit?.(this);
    }
  }

  /** models eventfd2(2). */
  eventfd(initval: number, flags: number): number {
    if ((flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC)) !== 0) throw new KernelError('EINVAL');
    const ctx = new EventFd(initval, flags);
    return this.install(ctx.file(), O_RDWR);
  }

  setReadHandler(fd: number, handler: (() => void) | undefined): void {
    const file = this.file(fd);
    if (file.kind !== 'chr' || !file.file.setReadListener) throw new KernelError('EPERM');
    file.file.setReadListener(handler);
  }

  /** The device files a checkpoint keeps (sysfs files are transient and are not kept). */
  checkpointFds(refs: CheckpointRefs): FdCheckpoint[] {
    const out: FdCheckpoint[] = [];
    for (const [fd, f] of [...this.files].sort((a, b) => a[0] - b[0])) {
      if (f.kind !== 'chr' || !f.file.checkpoint) continue;
      const ref = this.memory.maps(f.file) ? { ref: refs.idOf(f.file) } : {};
      out.push({ fd, flags: f.flags, file: f.file.checkpoint(refs), ...ref });
    }
    return out;
  }

  /** The mappings a checkpoint keeps, with the checkpoint reference of their files. */
  checkpointMappings(refs: CheckpointRefs): MappingCheckpoint[] {
    return this.memory.checkpoint(refs);
  }

  /** Puts a rebuilt file back at its old fd (restore; no open side effects). */
  restoreFd(fd: number, flags: number, file: DeviceFile): void {
    if (this.files.has(fd)) throw new KernelError('EBADF', `fd ${fd} already in use`);
    this.files.set(fd, { kind: 'chr', file, flags });
  }

  openFds(): number[] {
    return [...this.files.keys()];
  }

  read(fd: number, count?: number): Uint8Array {
    const file = this.file(fd);
    if ((file.flags & O_ACCMODE) === O_WRONLY) throw new KernelError('EBADF');
    switch (file.kind) {
      case 'dir':
        throw new KernelError('EISDIR');
      case 'chr':
        if (!file.file.read) throw new KernelError('EINVAL');
        return file.file.read(count ?? PAGE_SIZE);
      case 'attr': {
        // seq_file: show runs once, at the first read from offset 0
        file.content ??= bytesOf(file.node.show!());
        const end = count === undefined ? file.content.length : Math.min(file.content.length, file.pos + count);
        const out = file.content.subarray(file.pos, end);
        file.pos = end;
        return out;
      }
    }
  }

  write(fd: number, data: Uint8Array | string): number {
    return this.as(() => this.doWrite(fd, data));
  }

  private doWrite(fd: number, data: Uint8Array | string): number {
    const file = this.file(fd);
    if ((file.flags & O_ACCMODE) === O_RDONLY) throw new KernelError('EBADF');
    // a string is written as its latin1 bytes; the fast path skips the round trip when it is one
    if (typeof data === 'string' && file.kind === 'attr' && !NON_LATIN1.test(data)) return this.storeText(file.node, data);
    const bytes = typeof data === 'string' ? bytesOf(data) : data;
    switch (file.kind) {
      case 'dir':
        throw new KernelError('EISDIR');
      case 'chr':
        if (!file.file.write) throw new KernelError('EINVAL');
        return file.file.write(bytes);
      case 'attr':
        return this.storeText(file.node, latin1(bytes));
    }
  }

  /** models sysfs_kf_write: an empty write never reaches the store; at most a page does. */
  private storeText(node: Attr, text: string): number {
    if (text.length === 0) return 0;
    const len = Math.min(text.length, PAGE_SIZE);
    node.store!(len === text.length ? text : text.slice(0, len));
    return len;
  }

  /** models pread64: sysfs attributes read at the offset; device files through their driver. */
  pread(fd: number, count: number, offset: bigint): Uint8Array {
    const file = this.file(fd);
    if ((file.flags & O_ACCMODE) === O_WRONLY) throw new KernelError('EBADF');
    if (offset < 0n) throw new KernelError('EINVAL');
    switch (file.kind) {
      case 'dir':
        throw new KernelError('EISDIR');
      case 'attr': {
        const content = bytesOf(file.node.show!());
        const at = Number(offset);
        return content.subarray(Math.min(at, content.length), Math.min(content.length, at + count));
      }
      case 'chr':
        // a stream (an eventfd) has no position: ESPIPE
        if (!file.file.pread) throw new KernelError(file.file.read ? 'ESPIPE' : 'EINVAL');
        return this.as(() => (file.file as Required<DeviceFile>).pread(count, offset));
    }
  }

  /** models pwrite64. */
  pwrite(fd: number, data: Uint8Array, offset: bigint): number {
    const file = this.file(fd);
    if ((file.flags & O_ACCMODE) === O_RDONLY) throw new KernelError('EBADF');
    if (offset < 0n) throw new KernelError('EINVAL');
    switch (file.kind) {
      case 'dir':
        throw new KernelError('EISDIR');
      case 'attr':
        return this.storeText(file.node, latin1(data));
      case 'chr':
        if (!file.file.pwrite) throw new KernelError(file.file.write ? 'ESPIPE' : 'EINVAL');
        return this.as(() => (file.file as Required<DeviceFile>).pwrite(data, offset));
    }
  }

  /** models mmap_region's checks for a file mapping, then the driver's mmap; MAP_ANONYMOUS maps zeroed memory. */
  mmap(length: number, prot: number, flags: number, fd: number, offset: bigint): Mapping {
    if (flags & MAP_ANONYMOUS) return this.memory.mapAnonymous(length, prot, flags, offset);
    const file = this.file(fd);
    if (file.kind !== 'chr' || !file.file.mmap) throw new KernelError(file.kind === 'chr' ? 'ENODEV' : 'EACCES');
    return this.as(() => this.memory.map(file.file, file.flags, length, prot, flags, offset));
  }

  munmap(addr: bigint, length: number): void {
    this.as(() => this.memory.unmap(addr, length));
  }

  /** Task.copyFromUser: models copy_from_user over the process's mappings. */
  copyFromUser(addr: bigint, length: number): Uint8Array {
    return this.memory.read(addr, length);
  }

  /** Task.copyToUser: models copy_to_user / put_user. */
  copyToUser(addr: bigint, data: Uint8Array): void {
    this.memory.write(addr, data);
  }

  mapping(addr: bigint): Mapping | undefined {
    return this.memory.at(addr);
  }

  ioctl(fd: number, request: number, arg?: IoctlArg): number {
    const file = this.file(fd);
    if (file.kind !== 'chr' || !file.file.ioctl) throw new KernelError('ENOTTY');
    const dev = file.file;
    return this.as(() => dev.ioctl!(request, arg, this));
  }

  readlink(path: string): string {
    const { node } = this.vfs.resolve(path, false);
    if (node.kind !== 'link') throw new KernelError('EINVAL');
    return node.target;
  }

  stat(path: string): Stat {
    return statOf(this.vfs.resolve(path, true).node);
  }

  lstat(path: string): Stat {
    return statOf(this.vfs.resolve(path, false).node);
  }

  readdir(path: string): string[] {
    const { node } = this.vfs.resolve(path, true);
    if (node.kind !== 'dir') throw new KernelError('ENOTDIR');
    return node.names();
  }

  realpath(path: string): string {
    return this.vfs.resolve(path, true).path;
  }

  private file(fd: number): OpenFile {
    const file = this.files.get(fd);
    if (!file) throw new KernelError('EBADF');
    return file;
  }
}
