// A `tree`-style listing of a twin path: box-drawing branches, symlinks shown as
// `name -> target` and not descended, names in byte order, and tree's closing count line
// (a link to a directory counts as a directory, as tree counts it).

import { isKernelError } from '../core/errno.js';
import type { Syscalls } from '../kernel/syscall-surface.js';

export interface TreeCounts {
  directories: number;
  files: number;
}

const child = (dir: string, name: string): string => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);

class TreeWalker {
  readonly counts: TreeCounts = { directories: 0, files: 0 };

  constructor(
    private readonly sys: Syscalls,
    private readonly maxDepth: number,
    private readonly emit: (line: string) => void,
  ) {}

  /** Lists the entries of `dir` (already known to be a directory) at `depth` (1 = top). */
  list(dir: string, names: string[], prefix: string, depth: number): void {
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      this.entry(child(dir, name), name, prefix + (last ? '└── ' : '├── '), prefix + (last ? '    ' : '│   '), depth);
    });
  }

  private entry(path: string, name: string, head: string, nextPrefix: string, depth: number): void {
    const st = this.sys.lstat(path);
    if (st.kind === 'link') {
      this.emit(`${head}${name} -> ${this.sys.readlink(path)}\n`);
      if (this.pointsToDir(path)) this.counts.directories++;
      else this.counts.files++;
      return;
    }
    if (st.kind !== 'dir') {
      this.emit(`${head}${name}\n`);
      this.counts.files++;
      return;
    }
    this.counts.directories++;
    if (depth >= this.maxDepth) {
      this.emit(`${head}${name}\n`);
      return;
    }
    let names: string[];
    try {
      names = sorted(this.sys.readdir(path));
    } catch (e) {
      if (!isKernelError(e)) throw e;
      this.emit(`${head}${name} [error opening dir]\n`);
      return;
    }
    this.emit(`${head}${name}\n`);
    this.list(path, names, nextPrefix, depth + 1);
  }

  private pointsToDir(path: string): boolean {
    try {
      return this.sys.stat(path).kind === 'dir';
    } catch {
      return false;
    }
  }
}

function sorted(names: string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Emits the tree under `root`, `maxDepth` levels deep (tree -L); throws the KernelError of
 * the root's readdir when the root is not a listable directory.
 */
export function writeTree(sys: Syscalls, root: string, maxDepth: number, emit: (line: string) => void): TreeCounts {
  const names = sorted(sys.readdir(root));
  const walker = new TreeWalker(sys, maxDepth, emit);
  emit(`${root}\n`);
  walker.list(root, names, '', 1);
  const { directories: d, files: f } = walker.counts;
  emit(`\n${d} director${d === 1 ? 'y' : 'ies'}, ${f} file${f === 1 ? '' : 's'}\n`);
  return walker.counts;
}
