// Path resolution as namei does it: `.`/`..`, absolute and relative symlink targets,
// ELOOP after 40 links (MAXSYMLINKS), ENOENT, ENOTDIR.

import { KernelError } from '../../core/errno.js';
import { Dir, type VfsNode } from './node.js';

export const MAXSYMLINKS = 40;

export interface Resolved {
  node: VfsNode;
  /** The physical absolute path of the node (what realpath prints). */
  path: string;
}

/**
 * Walks `path` from `root`. The last component's symlink is followed only when `follow`
 * is set (stat vs lstat). A trailing slash demands a directory.
 */
export function walk(root: Dir, path: string, follow: boolean): Resolved {
  if (path === '') throw new KernelError('ENOENT');
  let pending = path.split('/');
  const mustBeDir = path.endsWith('/');
  const stack: Dir[] = [root];
  const names: string[] = [];
  let links = 0;
  let i = 0;
  for (;;) {
    while (i < pending.length && (pending[i] === '' || pending[i] === '.')) i++;
    if (i >= pending.length) {
      return { node: stack[stack.length - 1]!, path: '/' + names.join('/') };
    }
    const name = pending[i++]!;
    if (name === '..') {
      if (stack.length > 1) {
        stack.pop();
        names.pop();
      }
      continue;
    }
    const dir = stack[stack.length - 1]!;
    const node = dir.lookup(name);
    if (node === undefined) throw new KernelError('ENOENT');
    let rest = i;
    while (rest < pending.length && (pending[rest] === '' || pending[rest] === '.')) rest++;
    const isLast = rest >= pending.length;
    if (node.kind === 'link' && (!isLast || follow || mustBeDir)) {
      if (++links > MAXSYMLINKS) throw new KernelError('ELOOP');
      const target = node.target.split('/');
      if (node.target.startsWith('/')) {
        stack.length = 1;
        names.length = 0;
      }
      pending = target.concat(pending.slice(i));
      i = 0;
      continue;
    }
    if (node.kind === 'dir') {
      stack.push(node);
      names.push(name);
      continue;
    }
    if (!isLast || mustBeDir) throw new KernelError('ENOTDIR');
    names.push(name);
    return { node, path: '/' + names.join('/') };
  }
}
