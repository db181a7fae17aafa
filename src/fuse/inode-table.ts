// FUSE node ids for the served tree: one stable number per path (the same path always gets
// the same id, also after the node was removed and created again, or the twin reloaded),
// with the kernel's lookup counts so FORGET can drop ids the kernel no longer holds.

import { KernelError } from '../core/errno.js';
import { FUSE_ROOT_ID } from './fuse-abi.js';

export class InodeTable {
  /** Mount-relative path ('' is the root, else '/a/b') → node id; never shrinks: ids stay stable. */
  private readonly ids = new Map<string, number>([['', FUSE_ROOT_ID]]);
  /** Node ids the kernel may name in a request → path and lookup count. */
  private readonly live = new Map<number, { path: string; nlookup: number }>([[FUSE_ROOT_ID, { path: '', nlookup: 1 }]]);
  private next = FUSE_ROOT_ID + 1;

  /** The id of a path, allocated on first sight (readdir hands out ids without a lookup). */
  ino(path: string): number {
    let id = this.ids.get(path);
    if (id === undefined) {
      id = this.next++;
      this.ids.set(path, id);
    }
    return id;
  }

  /** A successful LOOKUP: the kernel now holds one more reference to the node. */
  lookup(path: string): number {
    const id = this.ino(path);
    const entry = this.live.get(id);
    if (entry) entry.nlookup++;
    else this.live.set(id, { path, nlookup: 1 });
    return id;
  }

  /** FORGET: the kernel dropped nlookup references. The root is never forgotten. */
  forget(id: number, nlookup: number): void {
    if (id === FUSE_ROOT_ID) return;
    const entry = this.live.get(id);
    if (!entry) return;
    entry.nlookup -= nlookup;
    if (entry.nlookup <= 0) this.live.delete(id);
  }

  /** The path of a node id the kernel sent; ENOENT for an id it should not hold. */
  path(id: number): string {
    const entry = this.live.get(id);
    if (!entry) throw new KernelError('ENOENT', `unknown FUSE node id ${id}`);
    return entry.path;
  }

  /** How many node ids the kernel currently holds (root included). */
  get liveCount(): number {
    return this.live.size;
  }
}

/** The mount-relative path of `name` inside `parent`. */
export function childPath(parent: string, name: string): string {
  return `${parent}/${name}`;
}

/** The parent of a mount-relative path ('' for the root and its children). */
export function parentPath(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}
