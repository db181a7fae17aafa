// The npm package as a user gets it: built from the sources into a private directory, packed
// with `npm pack`, installed into a fresh project, then imported there (`import 'vfioctl'`)
// by a plain ES module and type-checked from TypeScript through the `exports` map.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBuild, REPO } from '../private-build.js';

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

let work: string;
let project: string;

/** The package as `prepare` builds it (library entry with declarations, the CLI bundle), with its packed files. */
function buildPackage(pkg: string): void {
  privateBuild(pkg, { entries: ['src/api/index.ts', 'src/cli/main.ts'], declaration: true });
  rmSync(join(pkg, 'node_modules'));
  mkdirSync(join(pkg, 'scripts'));
  copyFileSync(join(REPO, 'scripts/bundle.mjs'), join(pkg, 'scripts/bundle.mjs'));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vfioctl-pack-'));
  const pkg = join(work, 'pkg');
  buildPackage(pkg);
  // the build above is what `prepare` does; the packed files are the package's own
  npm(['pack', '--ignore-scripts', '--pack-destination', work], pkg);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-vfioctl', private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball)], project);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed package, installed into another project", () => {
  it('imports as `vfioctl` and drives a twin', () => {
    writeFileSync(
      join(project, 'use.mjs'),
      [
        "import { bootTwin, SyscallFailure } from 'vfioctl';",
        "const twin = await bootTwin({ preset: 'doc' });",
        "await twin.write('/sys/bus/ap/apmask', '-5,-6\\n');",
        "process.stdout.write(twin.readText('/sys/bus/ap/apmask'));",
        "try { twin.read('/sys/nope'); } catch (e) { process.stdout.write(`${e instanceof SyscallFailure} ${e.errno}\\n`); }",
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' });
    expect(out).toBe(`0xf9${'f'.repeat(62)}\ntrue ENOENT\n`);
  });

  it('type-checks against the declarations the exports map names', () => {
    writeFileSync(
      join(project, 'use.ts'),
      [
        "import { bootTwin, type LiveTwin, type TwinEvent } from 'vfioctl';",
        "const twin: LiveTwin = await bootTwin({ preset: 'doc' });",
        "twin.on((e: TwinEvent) => { if (e.type === 'log') console.log(e.line); });",
        'const names: string[] = twin.ls("/sys/bus/ap/devices");',
        'export { names };',
      ].join('\n'),
    );
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, stdio: 'pipe' });
  });
});
