// Builds vfioctl from the current sources into a private directory (so concurrent test files
// never race on dist/): tsc of the given entries, the CLI bundle, bin/ and package.json.

import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..');

export interface BuildOptions {
  /** Sources to compile (default: the CLI's entry). */
  entries?: string[];
  /** Emit type declarations (the package's `types`). */
  declaration?: boolean;
}

/** Returns the path of the built bin/vfioctl. */
export function privateBuild(dir: string, opts: BuildOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const entries = opts.entries ?? ['src/cli/main.ts'];
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(REPO, 'tsconfig.json'),
      compilerOptions: { rootDir: REPO, outDir: join(dir, 'dist'), noEmit: false, sourceMap: false, declaration: opts.declaration ?? false, typeRoots: [join(REPO, 'node_modules/@types')] },
      include: [],
      files: entries.map((e) => join(REPO, e)),
    }),
  );
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (e) {
    // type errors are `npm test`'s tsc step to report; tsc still emits, so only a missing build is fatal here
    if (!existsSync(join(dir, 'dist/src/cli/main.js'))) throw new Error(`tsc emitted nothing:\n${String((e as { stdout?: Buffer }).stdout)}`);
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(REPO, 'scripts/bundle.mjs'), join(dir, 'dist')], { stdio: 'pipe' });
  rmSync(join(dir, 'tsconfig.json'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(REPO, 'bin/vfioctl'), join(dir, 'bin/vfioctl'));
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  return join(dir, 'bin/vfioctl');
}
