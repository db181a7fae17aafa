// sysfs/devfs nodes, kept small and separate (memfs style): a directory maps names to
// nodes, an attribute has show/store, a symlink holds the relative target the kernel made.

import { KernelError } from '../../core/errno.js';
import { splitPath, type SplitPath } from './path-walk.js';

export type VfsNode = Dir | Attr | Link | CharDevice;

/** Where a directory's computed children come from (e.g. queues of a card, built on lookup). */
export interface DirSource {
  names(): Iterable<string>;
  lookup(name: string): VfsNode | undefined;
}

export class Dir {
  readonly kind = 'dir';
  readonly mode = 0o755;
  private readonly children = new Map<string, VfsNode>();

  constructor(private readonly source?: DirSource) {}

  add<N extends VfsNode>(name: string, node: N): N {
    if (this.children.has(name)) throw new KernelError('EEXIST', name);
    this.children.set(name, node);
    return node;
  }

  /** Returns the existing subdirectory or adds a new one. */
  dir(name: string): Dir {
    const node = this.children.get(name);
    if (node instanceof Dir) return node;
    return this.add(name, new Dir());
  }

  remove(name: string): void {
    this.children.delete(name);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  lookup(name: string): VfsNode | undefined {
    return this.children.get(name) ?? this.source?.lookup(name);
  }

  /** Child names, sorted as `ls` sorts them (byte order). */
  names(): string[] {
    const all = new Set(this.children.keys());
    if (this.source) for (const n of this.source.names()) all.add(n);
    return [...all].sort(byteOrder);
  }
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sysfs attribute: show returns the text, store takes the written buffer and returns the count. */
export class Attr {
  readonly kind = 'file';

  constructor(
    readonly mode: 0o444 | 0o200 | 0o644 | 0o600 | 0o400,
    readonly show?: () => string,
    readonly store?: (buf: string) => void,
  ) {}

  static ro(show: () => string): Attr {
    return new Attr(0o444, show);
  }

  static wo(store: (buf: string) => void): Attr {
    return new Attr(0o200, undefined, store);
  }

  static rw(show: () => string, store: (buf: string) => void): Attr {
    return new Attr(0o644, show, store);
  }

  /** A constant read-only value (name, device_api, ...). */
  static value(text: string): Attr {
    return new Attr(0o444, () => text);
  }
}

export class Link {
  readonly kind = 'link';
  readonly mode = 0o777;
  /** The target split once, for the path walk. */
  readonly split: SplitPath;
  readonly absolute: boolean;

  constructor(readonly target: string) {
    this.split = splitPath(target);
    this.absolute = target.startsWith('/');
  }
}

/**
 * The calling task (the kernel's `current`): what a driver may do to the caller's file
 * table, e.g. install a new fd (VFIO_GROUP_GET_DEVICE_FD, KVM_CREATE_VM) or look one up
 * (fdget for VFIO_GROUP_SET_CONTAINER, eventfd_ctx_fdget for VFIO_DEVICE_SET_IRQS).
 */
export interface Task {
  readonly pid: number;
  /** The task's comm (at most 15 characters, as TASK_COMM_LEN keeps it). */
  readonly comm: string;
  /** models fd_install(get_unused_fd_flags()): the lowest free fd now refers to file. */
  install(file: DeviceFile, flags: number): number;
  /** models fdget: the open device file behind fd; EBADF when fd is not open, undefined for non-device files. */
  fileAt(fd: number): DeviceFile | undefined;
  /** models copy_from_user: EFAULT unless all of [addr, addr + length) is mapped. */
  copyFromUser(addr: bigint, length: number): Uint8Array;
  /** models copy_to_user / put_user. */
  copyToUser(addr: bigint, data: Uint8Array): void;
}

/**
 * What a file records when the twin is checkpointed: a kind and the id of the kernel
 * object it refers to. The subsystem that made the file rebuilds it at restore time.
 */
export interface FileCheckpoint {
  kind: string;
  id: number;
  /** Which object of that id, when one id names several (a device of a multi-device VFIO group). */
  name?: string;
}

/** Gives each object of a checkpoint a small id, the same id every time it is met. */
export class CheckpointRefs {
  private readonly ids = new Map<object, number>();
  readonly objects: object[] = [];

  idOf(obj: object): number {
    let id = this.ids.get(obj);
    if (id === undefined) {
      id = this.objects.length;
      this.ids.set(obj, id);
      this.objects.push(obj);
    }
    return id;
  }

  /** The objects of one class, with their ids, in the order they were first met. */
  of<T extends object>(cls: abstract new (...args: never[]) => T): { id: number; obj: T }[] {
    const out: { id: number; obj: T }[] = [];
    this.objects.forEach((obj, id) => {
      if (obj instanceof cls) out.push({ id, obj });
    });
    return out;
  }
}

/** What a driver maps into user space: loads and stores at byte offsets from the mapping's start. */
export interface MmapArea {
  /** A little-endian load of 1, 2, 4 or 8 bytes. */
  load(offset: number, size: number): bigint;
  store(offset: number, size: number, value: bigint): void;
}

/** An open character-device file: what a driver's file_operations provide. */
export interface DeviceFile {
  read?(count: number): Uint8Array;
  write?(data: Uint8Array): number;
  /** Read at a file offset (a positioned read; drivers that encode regions in the offset). */
  pread?(count: number, offset: bigint): Uint8Array;
  pwrite?(data: Uint8Array, offset: bigint): number;
  /** The driver's mmap (file_operations.mmap) for a mapping of length bytes at a file offset. */
  mmap?(length: number, prot: number, flags: number, offset: bigint): MmapArea;
  ioctl?(request: number, arg: import('../syscall-surface.js').IoctlArg, task: Task): number;
  /** Poll readiness (the twin's synchronous event loop): the listener runs when the file becomes readable. */
  setReadListener?(listener: (() => void) | undefined): void;
  /** For files that survive a twin snapshot (VFIO, KVM, eventfds). */
  checkpoint?(refs: CheckpointRefs): FileCheckpoint;
  release(): void;
}

export interface OpenContext {
  flags: number;
  /** The opening process (each QEMU is one), for per-process bookkeeping. */
  pid: number;
  /** The opening task, for drivers that need its file table. */
  task?: Task;
}

export class CharDevice {
  readonly kind = 'chr';

  constructor(
    readonly major: number,
    readonly minor: number,
    readonly mode: number,
    readonly open: (ctx: OpenContext) => DeviceFile,
  ) {}
}

/** The relative target sysfs_create_link writes: from the link's directory to the target path. */
export function relativeTarget(linkDir: string, target: string): string {
  const from = linkDir.split('/').filter(Boolean);
  const to = target.split('/').filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const ups = from.length - common;
  return [...Array<string>(ups).fill('..'), ...to.slice(common)].join('/');
}
