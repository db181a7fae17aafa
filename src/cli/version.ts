// vfioctl's version: set by the bundle at build time, else package.json's, found by walking
// up from this module (src/ or dist/src/).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare global {
  var VFIOCTL_VERSION: string | undefined;
}

export function packageVersion(): string {
  if (globalThis.VFIOCTL_VERSION) return globalThis.VFIOCTL_VERSION;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'vfioctl' && pkg.version) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return '0.0.0';
    dir = up;
  }
}
