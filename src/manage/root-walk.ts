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
// readlink for a link), or just the readlink where links are expected (a bus's devices).
// Names from a listing never contain `/` and are never `.` or `..`, so they cannot climb.
// (Known limits: Node has no openat2(RESOLVE_BENEATH), so a directory component replaced
// by a symlink between our walk and the open is a race an attacker who can write inside
// the root could use; and a link whose target was resolved once counts as one link
// towards the 40 afterwards, whatever links its target passed through.)

import { lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { KernelError } from '../core/errno.js';
import { toKernelError, type EntryKind } from './backend.js';
import { RecentDirs } from './recent-dirs.js';

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

/** The last `/` before `end`, or -1 (lastIndexOf is a call into the runtime; this loop is compiled inline). */
function lastSlash(s: string, end: number): number {
  let i = end - 1;
  while (i >= 0 && s.charCodeAt(i) !== 0x2f) i--;
  return i;
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
  /** The last of them asked for: the next link of a bus names the same one. */
  lastRelDir?: { text: string; dir: Entry };
  /** Every entry of this directory is in `children`. */
  listed = false;
  misses = 0;
  /** Links found among the names looked up here one by one. */
  linksFound = 0;

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

  child(name: string, kind: EntryKind, host = this.host === '/' ? `/${name}` : `${this.host}/${name}`): Entry {
    const e = new Entry(name, this, host, kind);
    (this.children ??= new Map()).set(name, e);
    return e;
  }
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
    this.recent.clear();
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
    const host = dir.host === '/' ? `/${name}` : `${dir.host}/${name}`;
    // where links are expected, the readlink a link needs anyway is the whole lookup: such
    // a directory (/sys/bus/mdev/devices) is then never listed, which would cost a pass
    if (dir.linksFound > 1 || (this.linkNames.get(name) ?? 0) > 1) {
      try {
        const target = readlinkSync(host);
        const e = dir.child(name, 'link', host);
        e.link = target;
        dir.linksFound++;
        return e;
      } catch {
        /* not a link here: lstat says what it is */
      }
    }
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
    let st: Stats | undefined;
    try {
      st = lstatSync(host, { throwIfNoEntry: false });
    } catch (e) {
      throw toKernelError(e);
    }
    if (!st) throw new KernelError('ENOENT');
    const kind = kindOf(st);
    const seen = this.linkNames.get(name) ?? 0;
    if (kind === 'link') {
      this.linkNames.set(name, seen + 1);
      dir.linksFound++;
    } else if (seen > 0) this.linkNames.delete(name);
    return dir.child(name, kind, host);
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
    let end = path.length;
    while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
    const slash = lastSlash(path, end);
    if (slash <= 0) {
      this.links = 0;
      return this.walk(path, this.top, path, followLast, create);
    }
    return this.walk(path, this.dirOf(path, path.slice(0, slash), create), path.slice(slash + 1), followLast, create);
  }

  /** resolve(`${dirPath}/${name}`, true), without joining or scanning the path: `dirPath` is a directory. */
  resolveIn(dirPath: string, name: string): Entry {
    const path = `${dirPath}/${name}`;
    return this.walk(path, this.dirOf(path, dirPath, false), name, true, false);
  }

  /** The directories paths were last looked up in, and their parents. */
  private readonly recent = new RecentDirs();

  /**
   * The directory `dirPath` names, with this.links set to the links followed to reach it:
   * from a recent directory of that name or of its parent's, else from the root.
   */
  private dirOf(path: string, dirPath: string, create: boolean): Entry {
    const known = this.recent.find(dirPath);
    if (known) {
      this.links = known.links;
      return known.dir;
    }
    const slash = lastSlash(dirPath, dirPath.length);
    let from = this.top;
    let rest = dirPath;
    this.links = 0;
    if (slash > 0) {
      let up = this.recent.findPrefix(dirPath, slash);
      if (!up) {
        const upPath = dirPath.slice(0, slash);
        up = this.recent.remember(upPath, this.walk(path, this.top, upPath, true, create), this.links);
      }
      from = up.dir;
      // the kernel would have followed the same links to get there
      this.links = up.links;
      rest = dirPath.slice(slash + 1);
    }
    return this.recent.remember(dirPath, this.walk(path, from, rest, true, create), this.links).dir;
  }

  /** Links followed in the current resolution (the kernel's nested-link count). */
  private links = 0;

  /** What a link leads to from its directory (links on the way followed), remembered on the link. */
  private follow(path: string, dir: Entry, link: Entry): Entry {
    if (++this.links > MAXSYMLINKS) throw new KernelError('ELOOP');
    if (link.target) return link.target;
    const text = this.linkOf(link);
    const from = text.startsWith('/') ? this.top : dir;
    const slash = lastSlash(text, text.length);
    const leaf = text.slice(slash + 1);
    const target =
      slash > 0 && leaf !== '' && leaf !== '.' && leaf !== '..'
        ? this.walk(path, this.targetDir(path, from, text, slash), leaf, true, false)
        : this.walk(path, from, text, true, false);
    link.target = target;
    return target;
  }

  /**
   * The directory part of a link target (its text up to `end`), from the link's directory:
   * leading `..`s climb (never above the root), the rest is walked once per directory and
   * text — sysfs's links share them (every /sys/bus/mdev/devices link names
   * ../../../devices/<parent>/<uuid>, so the last one asked for is compared first).
   */
  private targetDir(path: string, from: Entry, text: string, end: number): Entry {
    let start = from;
    let at = 0;
    while (at + 2 <= end && text.startsWith('..', at) && (end === at + 2 || text.charCodeAt(at + 2) === 0x2f)) {
      if (!start.parent) throw new RootEscapeError(this.root, path);
      start = start.parent;
      at += 3;
    }
    if (at >= end) return start;
    const last = start.lastRelDir;
    if (last !== undefined && end - at === last.text.length && text.startsWith(last.text, at)) return last.dir;
    const rest = text.slice(at, end);
    let dir = start.relDirs?.get(rest);
    if (!dir) {
      dir = this.walk(path, start, rest, true, false);
      if (dir.kind !== 'dir') throw new KernelError('ENOTDIR');
      (start.relDirs ??= new Map()).set(rest, dir);
    }
    start.lastRelDir = { text: rest, dir };
    return dir;
  }

  /**
   * Walks the components of `text` (separated by `/`) from `from`, following links (the
   * last one only with followLast; a trailing `/` makes it not the last).
   */
  private walk(path: string, from: Entry, text: string, followLast: boolean, create: boolean): Entry {
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
    const trailing = end < text.length;
    let cur = from;
    let i = 0;
    while (i < end) {
      let j = text.indexOf('/', i);
      if (j < 0 || j > end) j = end;
      const name = text.slice(i, j);
      i = j + 1;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (!cur.parent) throw new RootEscapeError(this.root, path);
        cur = cur.parent;
        continue;
      }
      // a component (or a trailing `/`) follows this one
      const more = j < end || trailing;
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
      if (e.kind === 'link' && (followLast || more)) e = this.follow(path, cur, e);
      if (more && e.kind !== 'dir') throw new KernelError('ENOTDIR');
      cur = e;
    }
    return cur;
  }
}
