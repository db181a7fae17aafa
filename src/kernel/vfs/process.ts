// A user-space process's view of the twin: an open-file table over the Vfs implementing
// the syscall surface with write(2)/read(2) semantics of sysfs (kernfs) and devfs.

import { KernelError } from '../../core/errno.js';
import {
  O_ACCMODE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  type IoctlArg,
  type Stat,
  type Syscalls,
} from '../syscall-surface.js';
import { Attr, type DeviceFile, type VfsNode } from './node.js';
import type { Vfs } from './vfs.js';

/** kernfs hands a store at most one page per write(2). */
export const PAGE_SIZE = 4096;

type OpenFile =
  | { kind: 'attr'; node: Attr; flags: number; content?: Uint8Array; pos: number }
  | { kind: 'dir'; flags: number }
  | { kind: 'chr'; file: DeviceFile; flags: number };

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const bytesOf = (text: string): Uint8Array => Buffer.from(text, 'latin1');

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

export class Process implements Syscalls {
  private readonly files = new Map<number, OpenFile>();

  constructor(
    private readonly vfs: Vfs,
    readonly pid: number,
  ) {}

  open(path: string, flags: number): number {
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
        file = { kind: 'chr', file: node.open({ flags, pid: this.pid }), flags };
        break;
      case 'link':
        throw new KernelError('ELOOP');
    }
    let fd = 3;
    while (this.files.has(fd)) fd++;
    this.files.set(fd, file);
    return fd;
  }

  close(fd: number): void {
    const file = this.file(fd);
    this.files.delete(fd);
    if (file.kind === 'chr') file.file.release();
  }

  /** Closes every open file, as process exit does. */
  exit(): void {
    for (const fd of [...this.files.keys()]) this.close(fd);
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
    const file = this.file(fd);
    if ((file.flags & O_ACCMODE) === O_RDONLY) throw new KernelError('EBADF');
    if (typeof data === 'string' && file.kind === 'attr') return this.storeText(file.node, data);
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

  ioctl(fd: number, request: number, arg?: IoctlArg): number {
    const file = this.file(fd);
    if (file.kind !== 'chr' || !file.file.ioctl) throw new KernelError('ENOTTY');
    return file.file.ioctl(request, arg);
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
