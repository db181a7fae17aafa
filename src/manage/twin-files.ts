// The twin's configuration files: /etc/mdevctl.d, /etc/udev/rules.d/41-ap.rules and
// /run/lock as a small in-memory tree (files and directories by absolute path). It is
// part of the twin's state: the CLI persists its snapshot next to the Host snapshot.

import { isValidUtf8 } from './serde-json.js';
import { APCONFIG_LOCK, dirname, type ConfigFiles } from './backend.js';

/** File contents as text, or `{ base64 }` for bytes that are not UTF-8. */
export type TwinFileData = string | { base64: string };

export interface TwinFilesSnapshot {
  files: Record<string, TwinFileData>;
  dirs: string[];
}

function normalise(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`twin file paths are absolute and plain: ${path}`);
  return `/${parts.join('/')}`;
}

export class TwinFiles implements ConfigFiles {
  private readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Set<string>(['/']);
  /** Bumped on every change, so a session can tell whether to save. */
  generation = 0;

  static restore(snap: TwinFilesSnapshot | undefined): TwinFiles {
    const t = new TwinFiles();
    if (!snap) return t;
    for (const d of snap.dirs) t.mkdirp(d);
    for (const [path, data] of Object.entries(snap.files)) {
      t.mkdirp(dirname(path));
      t.files.set(normalise(path), typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.base64, 'base64'));
    }
    t.generation = 0;
    return t;
  }

  snapshot(): TwinFilesSnapshot {
    const files: Record<string, TwinFileData> = {};
    for (const path of [...this.files.keys()].sort()) {
      const bytes = this.files.get(path)!;
      files[path] = isValidUtf8(bytes) ? Buffer.from(bytes).toString('utf8') : { base64: Buffer.from(bytes).toString('base64') };
    }
    return { files, dirs: [...this.dirs].filter((d) => d !== '/').sort() };
  }

  /** Every file, for exporting the tree. */
  allFiles(): [string, Uint8Array][] {
    return [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  allDirs(): string[] {
    return [...this.dirs].sort();
  }

  mkdirp(path: string): void {
    const p = normalise(path);
    if (this.files.has(p)) throw new Error(`not a directory: ${p}`);
    if (this.dirs.has(p)) return;
    this.mkdirp(dirname(p));
    this.dirs.add(p);
    this.generation++;
  }

  read(path: string): Uint8Array | undefined {
    return this.files.get(normalise(path));
  }

  readText(path: string): string | undefined {
    const bytes = this.read(path);
    return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  kind(path: string): 'dir' | 'file' | undefined {
    const p = normalise(path);
    if (this.dirs.has(p)) return 'dir';
    return this.files.has(p) ? 'file' : undefined;
  }

  list(path: string): string[] | undefined {
    const p = normalise(path);
    if (!this.dirs.has(p)) return undefined;
    const prefix = p === '/' ? '/' : `${p}/`;
    const names = new Set<string>();
    for (const key of [...this.files.keys(), ...this.dirs]) {
      if (key !== p && key.startsWith(prefix) && !key.slice(prefix.length).includes('/')) names.add(key.slice(prefix.length));
    }
    return [...names];
  }

  listKinds(path: string): [string, 'dir' | 'file' | undefined][] | undefined {
    const p = normalise(path);
    return this.list(p)?.map((name) => [name, this.kind(`${p}/${name}`)]);
  }

  writeAtomic(path: string, data: string | Uint8Array): void {
    const p = normalise(path);
    if (this.dirs.has(p)) throw new Error(`is a directory: ${p}`);
    this.mkdirp(dirname(p));
    this.files.set(p, typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
    this.generation++;
  }

  remove(path: string): boolean {
    const removed = this.files.delete(normalise(path));
    if (removed) this.generation++;
    return removed;
  }

  /** The whole twin is one process's state under the state-file lock; ap-check's lock file exists as on a host. */
  withLock<T>(fn: () => T): T {
    if (!this.files.has(APCONFIG_LOCK)) this.writeAtomic(APCONFIG_LOCK, '');
    return fn();
  }
}
