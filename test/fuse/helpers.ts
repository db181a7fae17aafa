// Helpers for the tests that mount: why a test must be skipped here, shells with hard
// timeouts, temporary twins, and the wired CLI bundled into a script to run as a process.
//
// A rule for every test: never start a process whose working directory is inside a mount
// served by the test process itself. spawn() waits for the child's exec, the child waits
// in chdir for the server, and the server is the test process: `cd` inside the script.

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { StateStore } from '../../src/api/state-store.js';
import { findMount, readMountTable, unmount } from '../../src/fuse/mount-table.js';
import { Host } from '../../src/kernel/host.js';
import { presetSpec } from '../../src/kernel/host-spec.js';

let probed: string | undefined | null = null;

/** Why mounting cannot be tested here, or undefined when it can (a real probe mount). */
export function fuseSkipReason(): string | undefined {
  if (probed !== null) return probed;
  probed = (() => {
    if (process.platform !== 'linux') return 'FUSE mounts need Linux';
    if (!existsSync('/dev/fuse')) return '/dev/fuse is missing (no FUSE in this kernel or container)';
    if (process.getuid?.() !== 0) return 'mounting with util-linux mount -i needs root';
    for (const tool of ['/usr/bin/mount', '/usr/bin/umount', '/usr/bin/bash'])
      if (!existsSync(tool) && !existsSync(tool.replace('/usr', ''))) return `${tool} is missing`;
    // mount(2) itself may be refused (no CAP_SYS_ADMIN in a container): try once
    const dir = mkdtempSync(join(tmpdir(), 'vfioctl-fuse-probe-'));
    const fd = openSync('/dev/fuse', 'r+');
    try {
      const r = spawnSync('mount', ['-i', '-t', 'fuse.vfioctl', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0', 'vfioctl:probe', dir], {
        stdio: ['ignore', 'ignore', 'pipe', fd],
        timeout: 10_000,
      });
      if (r.status !== 0) return `mount(2) of a FUSE file system is refused here: ${r.stderr?.toString().trim() || r.error?.message}`;
      spawnSync('umount', ['-c', '-l', dir]);
      return undefined;
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return probed;
}

export function skipNote(suite: string): string | undefined {
  const reason = fuseSkipReason();
  if (reason) console.warn(`[skip] ${suite}: ${reason}`);
  return reason;
}

export interface ShResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** bash -c SCRIPT with a hard timeout (SIGKILL): a hang shows up as a failure, not a stuck suite. */
export function sh(script: string, timeoutMs = 10_000): Promise<ShResult> {
  const start = performance.now();
  return new Promise((done) => {
    execFile('bash', ['-c', script], { timeout: timeoutMs, killSignal: 'SIGKILL', cwd: '/' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ code, stdout, stderr, ms: performance.now() - start });
    });
  });
}

const dirs: string[] = [];

export interface TwinDir {
  dir: string;
  state: string;
  mnt: string;
  store: StateStore;
  /** More paths to clean up with this twin (mount points elsewhere). */
  extra: string[];
}

/** A temporary directory with a doc-preset twin state and an empty mount point. */
export async function twinDir(): Promise<TwinDir> {
  const dir = mkdtempSync(join(tmpdir(), 'vfioctl-fuse-'));
  dirs.push(dir);
  const state = join(dir, 'twin.json');
  const store = new StateStore(state);
  await store.create(Host.boot(presetSpec('doc')), false);
  const mnt = join(dir, 'sys');
  mkdirSync(mnt);
  return { dir, state, mnt, store, extra: dirs };
}

/** Detaches whatever is still mounted under our temporary dirs, then removes them. */
export async function cleanupDirs(): Promise<void> {
  for (const dir of dirs.splice(0)) {
    for (const m of readMountTable().filter((e) => e.mountPoint.startsWith(dir)).reverse()) await unmount(m.mountPoint, true);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mounted(mnt: string): boolean {
  return findMount(mnt) !== undefined;
}

/** vfioctl in this process: ['--state', S, ...argv]. */
export async function cli(state: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo();
  const code = await main(['--state', state, ...argv], io, process.env);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}

let bundled: Promise<string> | undefined;

/** vfioctl built from the sources as one script (esbuild), to run the server as its own process. */
export function cliScript(): Promise<string> {
  bundled ??= (async () => {
    const out = resolve(`node_modules/.cache/vfioctl-fuse-tests/vfioctl-${process.pid}.mjs`);
    dirs.push(out);
    await build({
      entryPoints: [resolve('test/fuse/fixtures/cli-entry.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return out;
  })();
  return bundled;
}

/** Starts `vfioctl --state S ARGV…` as a process; stderr is collected in `err()`. */
export async function startCli(state: string, ...argv: string[]): Promise<{ child: ChildProcess; err: () => string; exited: Promise<number | null> }> {
  const script = await cliScript();
  const child = spawn(process.execPath, [script, '--state', state, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, err: () => err, exited };
}

/** Polls until cond holds; false after timeoutMs. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

export function readState(state: string): string {
  return readFileSync(state, 'utf8');
}
