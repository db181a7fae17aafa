// Bundles the compiled CLI (dist/src/cli/main.js) into dist/cli/: an entry module
// (vfioctl.mjs) holding the argument wiring, and one chunk per command module that the
// entry imports only when that command runs, so a start loads only what it uses.
// Usage: node scripts/bundle.mjs [DIST_DIR]   (default: dist beside this script's parent)
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(repo, 'dist'));
const outdir = join(dist, 'cli');
rmSync(outdir, { recursive: true, force: true });
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

// commander requires child_process at load for executable subcommands, which vfioctl never
// uses: give it a stand-in that loads the real module only if it is ever touched
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'vfioctl' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'vfioctl' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: { vfioctl: join(dist, 'src/cli/main.js') },
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // V8 compiles every loaded module at start: minified chunks compile faster (issue 12 §1);
  // the linked source maps give readable stacks with `node --enable-source-maps`
  minify: true,
  sourcemap: 'linked',
  plugins: [lazyChildProcess],
  // the version is known at build time: no package.json read on every start
  define: { 'globalThis.VFIOCTL_VERSION': JSON.stringify(version) },
  // the CommonJS dependencies call require() for Node built-ins, and write-file-atomic names
  // its temp files after __filename: give every chunk what a CommonJS module would have
  banner: {
    js: [
      "import { createRequire as __vfioctlCreateRequire } from 'node:module';",
      "import { fileURLToPath as __vfioctlFileURLToPath } from 'node:url';",
      'const require = __vfioctlCreateRequire(import.meta.url);',
      'const __filename = __vfioctlFileURLToPath(import.meta.url);',
    ].join(' '),
  },
});
