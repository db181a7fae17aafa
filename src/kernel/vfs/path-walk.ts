// Path resolution as namei does it: `.`/`..`, absolute and relative symlink targets,
// ELOOP after 40 links (MAXSYMLINKS), ENOENT, ENOTDIR.

import { KernelError } from '../../core/errno.js';
import type { Dir, VfsNode } from './node.js';

export const MAXSYMLINKS = 40;

export interface Resolved {
  readonly node: VfsNode;
  /** The physical absolute path of the node (what realpath prints). */
  readonly path: string;
}

/** A walk's end: the path is joined only when asked for (most callers want the node). */
class Walked implements Resolved {
  constructor(
    readonly node: VfsNode,
    private readonly names: readonly string[],
  ) {}

  get path(): string {
    return `/${this.names.join('/')}`;
  }
}

/** A path split once: its components and the index of the last one that is not `.` or empty. */
export interface SplitPath {
  readonly parts: readonly string[];
  readonly last: number;
}

export function splitPath(path: string): SplitPath {
  const parts = path.split('/');
  let last = parts.length - 1;
  while (last >= 0 && (parts[last] === '' || parts[last] === '.')) last--;
  return { parts, last };
}

// Splitting is pure, so recent paths keep their split (bounded; cleared when full).
const splitCache = new Map<string, SplitPath>();

function cachedSplit(path: string): SplitPath {
  let split = splitCache.get(path);
  if (!split) {
    if (splitCache.size >= 1024) splitCache.clear();
    split = splitPath(path);
    splitCache.set(path, split);
  }
  return split;
}

/** Components still to walk: a path or a link target, and how far into it we are. */
interface Frame {
  split: SplitPath;
  at: number;
}

/**
 * Walks `path` from `root`. The last component's symlink is followed only when `follow`
 * is set (stat vs lstat). Anything after a component, even a trailing slash or `/.`,
 * demands a directory (link_path_walk's d_can_lookup check), also inside a link body.
 */
export function walk(root: Dir, path: string, follow: boolean): Resolved {
  if (path === '') throw new KernelError('ENOENT');
  // Link targets are pushed as frames instead of splicing arrays: the hot path of resolution.
  const frames: Frame[] = [{ split: cachedSplit(path), at: 0 }];
  const stack: Dir[] = [root];
  const names: string[] = [];
  let links = 0;
  for (;;) {
    let top = frames[frames.length - 1]!;
    while (top.at > top.split.last && frames.length > 1) {
      frames.pop();
      top = frames[frames.length - 1]!;
    }
    if (top.at > top.split.last) return new Walked(stack[stack.length - 1]!, names);
    const name = top.split.parts[top.at++]!;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (stack.length > 1) {
        stack.pop();
        names.pop();
      }
      continue;
    }
    const node = stack[stack.length - 1]!.lookup(name);
    if (node === undefined) throw new KernelError('ENOENT');
    const isLast = frames.every((f) => f.at > f.split.last);
    const mustBeDir = isLast && frames.some((f) => f.at < f.split.parts.length);
    if (node.kind === 'link' && (!isLast || follow || mustBeDir)) {
      if (++links > MAXSYMLINKS) throw new KernelError('ELOOP');
      if (node.absolute) {
        stack.length = 1;
        names.length = 0;
      }
      frames.push({ split: node.split, at: 0 });
      continue;
    }
    if (node.kind === 'dir') {
      stack.push(node);
      names.push(name);
      continue;
    }
    if (!isLast || mustBeDir) throw new KernelError('ENOTDIR');
    names.push(name);
    return new Walked(node, names);
  }
}
