// The twin's file tree: /sys and /dev as one node graph, with helpers the kernel
// subsystems use to publish directories, attributes and sysfs-style relative links.

import { KernelError } from '../../core/errno.js';
import { Dir, Link, relativeTarget, type Task, type VfsNode } from './node.js';
import { walk, type Resolved } from './path-walk.js';

function split(path: string): { parent: string; name: string } {
  const at = path.lastIndexOf('/');
  return { parent: path.slice(0, at) || '/', name: path.slice(at + 1) };
}

export class Vfs {
  readonly root = new Dir();
  /** The task whose syscall is running (the kernel's `current`), for log lines that name it. */
  current: Task | undefined;

  resolve(path: string, follow = true): Resolved {
    return walk(this.root, path, follow);
  }

  /** The directory at an absolute path, created (with parents) if missing. */
  mkdirp(path: string): Dir {
    let dir = this.root;
    for (const name of path.split('/')) if (name) dir = dir.dir(name);
    return dir;
  }

  /** Publishes a node at an absolute path. */
  attach<N extends VfsNode>(path: string, node: N): N {
    const { parent, name } = split(path);
    return this.mkdirp(parent).add(name, node);
  }

  /** sysfs_create_link: a symlink at linkPath whose relative target leads to targetPath. */
  link(linkPath: string, targetPath: string): Link {
    const { parent } = split(linkPath);
    return this.attach(linkPath, new Link(relativeTarget(parent, targetPath)));
  }

  /** Removes the entry at an absolute path (no error if it is already gone). */
  detach(path: string): void {
    const { parent, name } = split(path);
    const dir = this.lookupDir(parent);
    dir?.remove(name);
  }

  private lookupDir(path: string): Dir | undefined {
    try {
      const { node } = this.resolve(path, true);
      return node instanceof Dir ? node : undefined;
    } catch (e) {
      if (e instanceof KernelError) return undefined;
      throw e;
    }
  }
}
