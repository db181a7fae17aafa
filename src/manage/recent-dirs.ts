// The few directories a root walk reached last, by the text of their path: the next path in
// one of them starts there instead of at the root. A listing works in a handful of
// directories at a time (/sys/bus/mdev/devices and one device in it, a parent's config
// directory), so four slots, the least recently used one replaced, keep them all.

import { KernelError } from '../core/errno.js';
import type { Entry } from './root-walk.js';

const SLOTS = 4;

/** A directory reached by a path's text, and the links followed to get there. */
export interface RecentDir {
  path: string;
  dir: Entry;
  links: number;
  used: number;
}

export class RecentDirs {
  private readonly slots: RecentDir[] = [];
  private clock = 0;

  /** The directory named exactly `path`. */
  find(path: string): RecentDir | undefined {
    for (const s of this.slots) {
      if (s.path === path) {
        s.used = ++this.clock;
        return s;
      }
    }
    return undefined;
  }

  /** The directory named by the first `length` characters of `path`. */
  findPrefix(path: string, length: number): RecentDir | undefined {
    for (const s of this.slots) {
      if (s.path.length === length && path.startsWith(s.path)) {
        s.used = ++this.clock;
        return s;
      }
    }
    return undefined;
  }

  /** Remembers a directory the walk reached (ENOTDIR when it is none). */
  remember(path: string, dir: Entry, links: number): RecentDir {
    if (dir.kind !== 'dir') throw new KernelError('ENOTDIR');
    const used = ++this.clock;
    if (this.slots.length < SLOTS) {
      const s = { path, dir, links, used };
      this.slots.push(s);
      return s;
    }
    let oldest = this.slots[0]!;
    for (const s of this.slots) if (s.used < oldest.used) oldest = s;
    oldest.path = path;
    oldest.dir = dir;
    oldest.links = links;
    oldest.used = used;
    return oldest;
  }

  /** Forgets them all (the walk's tree was dropped). */
  clear(): void {
    this.slots.length = 0;
  }
}
