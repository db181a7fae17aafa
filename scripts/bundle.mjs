// Bundles the compiled CLI (dist/src/cli/main.js) into dist/cli/: an entry module
// (vfioctl.mjs) holding the argument wiring, and chunks that the entry imports only when a
// command runs, so a start loads only what it uses.
// Usage: node scripts/bundle.mjs [DIST_DIR]   (default: dist beside this script's parent)
//
// rollup splits the code: its chunks are fewer than esbuild's for the same lazy imports
// (`sys read` loads 13 modules instead of 25), and every ES module costs Node's loader
// about 0.4 ms at start (issue 12 §1). esbuild minifies each chunk.
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { transform } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = resolve(process.argv[2] ?? join(repo, 'dist'));
const outdir = join(dist, 'cli');
rmSync(outdir, { recursive: true, force: true });
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const builtins = new Set(builtinModules);

// tsc's output carries source maps to the TypeScript: hand them on, so the bundle's map
// leads to src/*.ts
const tscMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.startsWith(join(dist, 'src')) || !existsSync(`${id}.map`)) return null;
    return { code: readFileSync(id, 'utf8'), map: readFileSync(`${id}.map`, 'utf8') };
  },
};

// Built-in modules as their CommonJS objects, not as ES modules: an ES facade reads every
// property of the module, so importing node:fs builds its lazy streams (node:stream and
// a dozen internal modules) and node:process its stdout and stderr. A stand-in takes the
// module from process.getBuiltinModule and exports its plain (non-getter) properties.
// commander's child_process, only for executable subcommands vfioctl never uses, loads
// the first time it is touched.
const isIdentifier = (key) => {
  if (!/^[A-Za-z_$][\w$]*$/.test(key) || key === 'default') return false;
  try {
    new Function(`let ${key};`);
    return true;
  } catch {
    return false;
  }
};
function standInSource(name) {
  if (name === 'node:child_process#lazy') {
    return "let real; export default new Proxy({}, { get: (_, key) => (real ??= process.getBuiltinModule('node:child_process'))[key] });";
  }
  const real = process.getBuiltinModule(name);
  const plain = Object.keys(real).filter((k) => isIdentifier(k) && !k.startsWith('$') && !Object.getOwnPropertyDescriptor(real, k).get);
  // each export a pure call, so rollup drops the ones nothing imports (a bare property read
  // it would keep, run at every start)
  return [
    `const $builtin = process.getBuiltinModule(${JSON.stringify(name)});`,
    'const $pick = (key) => $builtin[key];',
    'export default $builtin;',
    ...plain.map((k) => `export const ${k} = /*#__PURE__*/ $pick(${JSON.stringify(k)});`),
  ].join('\n');
}
const builtinName = (source) => (source.startsWith('node:') ? source : builtins.has(source) ? `node:${source}` : undefined);
const STAND_IN = '\0builtin:';
const standIns = {
  name: 'builtin-stand-ins',
  resolveId(source, importer) {
    const name = builtinName(source);
    if (name === undefined) return null;
    const lazy = name === 'node:child_process' && /[\\/]commander[\\/]/.test(importer ?? '');
    return `${STAND_IN}${name}${lazy ? '#lazy' : ''}`;
  },
  load(id) {
    return id.startsWith(STAND_IN) ? standInSource(id.slice(STAND_IN.length)) : null;
  },
};

// the CommonJS dependencies left a require() inside a function and write-file-atomic names
// its temp files after __filename: give the chunks that use them what a CommonJS module has
const COMMONJS_GLOBALS = [
  "import { createRequire as __vfioctlCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vfioctlFileURLToPath } from 'node:url';",
  'const require = __vfioctlCreateRequire(import.meta.url);',
  'const __filename = __vfioctlFileURLToPath(import.meta.url);',
].join(' ');

// V8 compiles every loaded module at start: minified chunks compile faster
const minify = {
  name: 'esbuild-minify',
  async renderChunk(code) {
    const r = await transform(code, {
      minify: true,
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      // the version is known at build time: no package.json read on every start
      define: { 'globalThis.VFIOCTL_VERSION': JSON.stringify(version) },
    });
    const needsGlobals = /\brequire\(|\b__filename\b/.test(r.code);
    return { code: needsGlobals ? `${COMMONJS_GLOBALS}\n${r.code}` : r.code, map: needsGlobals ? shiftMap(r.map) : r.map };
  },
};

/** The map of code that gained one line at its top. */
function shiftMap(json) {
  const map = JSON.parse(json);
  map.mappings = `;${map.mappings}`;
  return map;
}

const bundle = await rollup({
  input: { vfioctl: join(dist, 'src/cli/main.js') },
  // the entry chunk may export what its chunks import from it: no facade module in between
  preserveEntrySignatures: 'allow-extension',
  plugins: [standIns, tscMaps, nodeResolve({ preferBuiltins: true }), commonjs({ requireReturnsDefault: (id) => id.startsWith(STAND_IN) })],
  onwarn(warning, warn) {
    // an import left unresolved would fail only when its command runs
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
    // what rollup says of the dependencies' own code (top-level `this`, annotations it
    // cannot place, their circular imports) is not ours to mend
    const theirs = (id) => id.includes('node_modules');
    if (warning.code === 'THIS_IS_UNDEFINED' || (warning.code === 'INVALID_ANNOTATION' && theirs(warning.id ?? ''))) return;
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every(theirs)) return;
    warn(warning);
  },
});
await bundle.write({
  dir: outdir,
  format: 'es',
  entryFileNames: '[name].mjs',
  chunkFileNames: 'chunks/[name]-[hash].mjs',
  sourcemap: true,
  plugins: [minify],
});
await bundle.close();
