// A SysfsReader over a real directory tree: `/` on a real host, or a tree written by
// `vfioctl host export` (paths like /sys/bus/ap are looked up under the root).

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { SysfsReader } from './sysfs-reader.js';

export function directoryReader(root: string): SysfsReader {
  const at = (path: string): string => join(root, path);
  return {
    // latin1 keeps every byte, as the twin's reads do
    read: (path) => readFileSync(at(path), 'latin1'),
    readdir: (path) => readdirSync(at(path)).sort(),
    readlink: (path) => readlinkSync(at(path)),
    exists: (path) => existsSync(at(path)),
  };
}
