// The path walk inside a directory root, as the kernel's would be inside a chroot: one
// component at a time, relative link targets from the link's directory, absolute ones from
// the root, a `..` that would climb above the root refused (EACCES), link loops ELOOP (40
// links). Only a path resolved here reaches the OS; the caller opens the last component
// with O_NOFOLLOW, so a link swapped in afterwards is not followed.
//
// What the walk learns is kept for the command (until the backend changes something), as a
// tree of the entries it has met: each directory is verified once, not once per file under
// it. A directory's entries come from one listing (getdents gives every name's type) when
// the command lists it or looks up many names in it; other names cost one lstat (and a
// readlink for a link). Names from a listing never contain `/` and are never `.` or `..`,
// so they cannot climb.
// (Known limits: Node has no openat2(RESOLVE_BENEATH), so a directory component replaced
// by a symlink between our walk and the open is a race an attacker who can write inside
// the root could use; and links inside a link target's directory part, resolved once, are
// not counted again towards the 40.)

import { lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { KernelError } from '../core/errno.js';
import { toKernelError, type EntryKind } from './backend.js';

export const MAXSYMLINKS = 40;
/** Lookups of unknown names in one directory before the walk lists it instead. */
const LIST_AFTER = 16;

/** A path that would leave the root. */
export class RootEscapeError extends KernelError {
  constructor(
    readonly root: string,
    readonly path: string,
  ) {
    super('EACCES', `${path} escapes the root ${root}`);
    this.name = 'RootEscapeError';
  }
}

export function kindOf(st: Stats | Dirent): EntryKind {
  if (st.isSymbolicLink()) return 'link';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isCharacterDevice()) return 'chr';
  return 'other';
}

/** An entry the walk has met: where it is inside the root and on the host, and what it is. */
export class Entry {
  /** A link's target, once read, and what it resolves to, once followed. */
  link?: string;
  target?: Entry;
  /** A directory's known entries. */
  children?: Map<string, Entry>;
  /** Directories link targets name from here (`devices/vfio_ap/matrix` from /sys), once resolved. */
  relDirs?: Map<string, Entry>;
  /** Every entry of this directory is in `children`. */
  listed = false;
  misses = 0;

  private inside?: string;

  constructor(
    readonly name: string,
    readonly parent: Entry | undefined,
    readonly host: string,
    readonly kind: EntryKind,
  ) {}

  /** The path inside the root (`/` for the root). */
  path(): string {
    if (this.inside === undefined) {
      const up = this.parent?.path();
      this.inside = up === undefined ? '/' : up === '/' ? `/${this.name}` : `${up}/${this.name}`;
    }
    return this.inside;
  }

  child(name: string, kind: EntryKind): Entry {
    const e = new Entry(name, this, this.host === '/' ? `/${name}` : `${this.host}/${name}`, kind);
    (this.children ??= new Map()).set(name, e);
    return e;
  }
}

/** The index of the last non-empty component. */
function lastName(todo: readonly string[]): number {
  let k = todo.length - 1;
  while (k >= 0 && todo[k] === '') k--;
  return k;
}

export class RootWalk {
  /** The root's physical path (symlinks in the root itself resolved once). */
  readonly root: string;
  private top: Entry;
  /** Names last seen as links in more than one directory (sysfs's mdev_type, driver, …): read as a link first. */
  private readonly linkNames = new Map<string, number>();

  constructor(root: string) {
    this.root = realpathSync(root);
    this.top = new Entry('', undefined, this.root, 'dir');
  }

  /** Drops what the walk learnt (after any change the backend makes). */
  forget(): void {
    this.top = new Entry('', undefined, this.root, 'dir');
  }

  /** A directory's entry names as it lists them, every entry's type remembered. */
  list(dir: Entry): string[] {
    const dirents = readdirSync(dir.host, { withFileTypes: true });
    const known = dir.children;
    const children = new Map<string, Entry>();
    const names: string[] = [];
    for (const d of dirents) {
      // an entry already met keeps what was learnt about it (its children, its link)
      const e = known?.get(d.name);
      children.set(d.name, e ?? new Entry(d.name, dir, dir.host === '/' ? `/${d.name}` : `${dir.host}/${d.name}`, kindOf(d)));
      names.push(d.name);
    }
    dir.children = children;
    dir.listed = true;
    return names;
  }

  private lookup(dir: Entry, name: string): Entry {
    const known = dir.children?.get(name);
    if (known) return known;
    if (dir.listed) throw new KernelError('ENOENT');
    if (++dir.misses >= LIST_AFTER) {
      let listed = false;
      try {
        this.list(dir);
        listed = true;
      } catch {
        /* not listable: look the name up alone */
      }
      if (listed) return this.lookup(dir, name);
    }
    const host = dir.host === '/' ? `/${name}` : `${dir.host}/${name}`;
    if ((this.linkNames.get(name) ?? 0) > 1) {
      try {
        const target = readlinkSync(host);
        const e = dir.child(name, 'link');
        e.link = target;
        return e;
      } catch {
        /* not a link here: lstat says what it is */
      }
    }
    let st: Stats | undefined;
    try {
      st = lstatSync(host, { throwIfNoEntry: false });
    } catch (e) {
      throw toKernelError(e);
    }
    if (!st) throw new KernelError('ENOENT');
    const kind = kindOf(st);
    const seen = this.linkNames.get(name) ?? 0;
    if (kind === 'link') this.linkNames.set(name, seen + 1);
    else if (seen > 0) this.linkNames.delete(name);
    return dir.child(name, kind);
  }

  /** The target of a link the walk found. */
  linkOf(e: Entry): string {
    if (e.link === undefined) {
      try {
        e.link = readlinkSync(e.host);
      } catch (err) {
        throw toKernelError(err);
      }
    }
    return e.link;
  }

  /**
   * Resolves `path` (absolute inside the root; a relative one starts at the root). The last
   * component's link is followed only with `followLast`. With `create`, missing directories
   * are made (for config writes).
   */
  resolve(path: string, followLast: boolean, create = false): Entry {
    return this.walk(path, this.top, path.split('/'), followLast, create);
  }

  /** What a link leads to from its directory (links on the way followed), remembered on the link. */
  private follow(path: string, dir: Entry, link: Entry, loop: { links: number }): Entry {
    if (link.target) return link.target;
    const text = this.linkOf(link);
    const from = text.startsWith('/') ? this.top : dir;
    const slash = text.lastIndexOf('/');
    const leaf = text.slice(slash + 1);
    const target =
      slash > 0 && leaf !== '' && leaf !== '.' && leaf !== '..'
        ? this.walk(path, this.targetDir(path, from, text.slice(0, slash), loop), [leaf], true, false, loop)
        : this.walk(path, from, text.split('/'), true, false, loop);
    link.target = target;
    return target;
  }

  /**
   * The directory part of a link target, from the link's directory: leading `..`s climb
   * (never above the root), the rest is walked once per directory and text — sysfs's links
   * share them (every /sys/bus/mdev/devices link names ../../../devices/<parent>/<uuid>).
   */
  private targetDir(path: string, from: Entry, text: string, loop: { links: number }): Entry {
    let start = from;
    while (text === '..' || text.startsWith('../')) {
      if (!start.parent) throw new RootEscapeError(this.root, path);
      start = start.parent;
      text = text.slice(3);
    }
    if (text === '') return start;
    const known = start.relDirs?.get(text);
    if (known) return known;
    const dir = this.walk(path, start, text.split('/'), true, false, loop);
    if (dir.kind !== 'dir') throw new KernelError('ENOTDIR');
    (start.relDirs ??= new Map()).set(text, dir);
    return dir;
  }

  /** Walks `todo` from `from`, following links (the last one only with followLast). */
  private walk(path: string, from: Entry, todo: string[], followLast: boolean, create: boolean, loop = { links: 0 }): Entry {
    // the last component that names something (a trailing `/` does not)
    const last = lastName(todo);
    let cur = from;
    for (let i = 0; i < todo.length; i++) {
      const name = todo[i]!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (!cur.parent) throw new RootEscapeError(this.root, path);
        cur = cur.parent;
        continue;
      }
      const rest = i < last;
      let e: Entry;
      try {
        e = this.lookup(cur, name);
      } catch (err) {
        if (!(create && err instanceof KernelError && err.code === 'ENOENT')) throw err;
        try {
          mkdirSync(cur.host === '/' ? `/${name}` : `${cur.host}/${name}`, { mode: 0o755 });
        } catch (m) {
          throw toKernelError(m);
        }
        e = cur.child(name, 'dir');
      }
      const more = i + 1 < todo.length;
      if (e.kind === 'link' && (followLast || more)) {
        if (++loop.links > MAXSYMLINKS) throw new KernelError('ELOOP');
        e = this.follow(path, cur, e, loop);
      }
      if ((rest || more) && e.kind !== 'dir') throw new KernelError('ENOTDIR');
      cur = e;
    }
    return cur;
  }
}
