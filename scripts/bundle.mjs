// Bundles the compiled CLI (dist/src/cli/main.js) into one module, dist/vfioctl.mjs:
// loading one file instead of a few hundred halves the CLI's start-up time.
// Usage: node scripts/bundle.mjs [DIST_DIR]   (default: dist beside this script's parent)
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(process.argv[2] ?? join(fileURLToPath(new URL('..', import.meta.url)), 'dist'));
await build({
  entryPoints: [join(dist, 'src/cli/main.js')],
  outfile: join(dist, 'vfioctl.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // the CommonJS dependencies call require() for Node built-ins, and write-file-atomic names
  // its temp files after __filename: give the bundle what a CommonJS module would have
  banner: {
    js: [
      "import { createRequire } from 'node:module';",
      "import { fileURLToPath as __vfioctlFileURLToPath } from 'node:url';",
      'const require = createRequire(import.meta.url);',
      'const __filename = __vfioctlFileURLToPath(import.meta.url);',
    ].join(' '),
  },
});
