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

/** An open character-device file: what a driver's file_operations provide. */
export interface DeviceFile {
  read?(count: number): Uint8Array;
  write?(data: Uint8Array): number;
  ioctl?(request: number, arg: import('../syscall-surface.js').IoctlArg): number;
  release(): void;
}

export interface OpenContext {
  flags: number;
  /** The opening process (each QEMU is one), for per-process bookkeeping. */
  pid: number;
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
