// Mounting and unmounting a FUSE file system with util-linux, and reading the mount table.
//
// mount(8) with -i (no /sbin/mount.fuse helper) passes `-o fd=N,rootmode=…` straight to
// mount(2); the kernel takes the /dev/fuse file from the mount process's fd N, which is our
// open /dev/fuse handed down as its fd 3. Nothing here stats the mount point itself: for a
// mount this process serves that would wait on ourselves, for a dead one it fails ENOTCONN.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The file system type we mount as: `fuse` with subtype `vfioctl` (shows in /proc/mounts). */
export const FS_TYPE = 'fuse.vfioctl';
/** The mount source names the served state file: `vfioctl:/path/to/twin.json`. */
export const SOURCE_PREFIX = 'vfioctl:';
const FUSECTL_DIR = '/sys/fs/fuse/connections';

export interface MountEntry {
  /** major:minor of the mounted file system; a FUSE connection's fusectl id is its minor. */
  dev: { major: number; minor: number };
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Mount table fields escape space, tab, newline and backslash as octal (\040 …). */
function unescapeField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** /proc/self/mountinfo (proc(5)): mount points, types and sources. */
export function readMountTable(text = readFileSync('/proc/self/mountinfo', 'utf8')): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0 || fields.length < sep + 3) continue;
    const [major, minor] = (fields[2] ?? '0:0').split(':').map(Number);
    out.push({
      dev: { major: major ?? 0, minor: minor ?? 0 },
      mountPoint: unescapeField(fields[4] ?? ''),
      fsType: fields[sep + 1] ?? '',
      source: unescapeField(fields[sep + 2] ?? ''),
    });
  }
  return out;
}

/** The topmost mount at `dir` (a canonical path), if any. */
export function findMount(dir: string, table = readMountTable()): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const m of table) if (m.mountPoint === dir) found = m;
  return found;
}

/** The state file a vfioctl mount serves, from its source; undefined for other mounts. */
export function servedState(m: MountEntry): string | undefined {
  return m.fsType === FS_TYPE && m.source.startsWith(SOURCE_PREFIX) ? m.source.slice(SOURCE_PREFIX.length) : undefined;
}

/**
 * `dir` as the mount table spells it, without touching a file system mounted there:
 * symlinks resolved in the parent, and in `dir` itself only while nothing is mounted on it.
 */
export function canonicalDir(dir: string): string {
  const abs = resolve(dir);
  if (abs === '/') return abs;
  let parent: string;
  try {
    parent = realpathSync(dirname(abs));
  } catch {
    return abs;
  }
  const joined = join(parent, basename(abs));
  if (findMount(joined)) return joined;
  try {
    return realpathSync(joined);
  } catch {
    return joined;
  }
}

export interface RunResult {
  code: number | null;
  stderr: string;
}

/** Runs a program to completion (async: our own mount may need us to answer meanwhile). */
export function run(cmd: string, args: string[], extraFd?: number, timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'ignore', 'pipe'];
    if (extraFd !== undefined) stdio.push(extraFd);
    const child = spawn(cmd, args, { stdio });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ code: null, stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr: stderr.trim() });
    });
  });
}

export interface FuseMountOptions {
  /** The state file, recorded as the mount source. */
  state: string;
  allowOther?: boolean;
}

/**
 * Mounts the FUSE connection open on `fuseFd` at `dir`. No default_permissions: the served
 * file system checks modes itself at open (the kernel would otherwise fetch attributes
 * for every path component on every open, half the requests); nosuid,nodev,noexec are
 * the flags /sys is mounted with.
 */
export async function mountFuse(dir: string, fuseFd: number, opts: FuseMountOptions): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const o = [`fd=3`, `rootmode=40000`, `user_id=${uid}`, `group_id=${gid}`, 'nosuid', 'nodev', 'noexec'];
  if (opts.allowOther ?? uid === 0) o.push('allow_other');
  const r = await run('mount', ['-i', '-t', FS_TYPE, '-o', o.join(','), `${SOURCE_PREFIX}${opts.state}`, dir], fuseFd);
  if (r.code !== 0) throw new Error(r.stderr || `mount exited with ${String(r.code)}`);
}

/**
 * umount(8) [-l] of a canonical mount point; the result carries umount's message on failure.
 * -c (no canonicalisation) keeps umount from stat'ing the mount point, which would wait
 * forever on a server that does not answer.
 */
export function unmount(dir: string, lazy = false): Promise<RunResult> {
  return run('umount', lazy ? ['-c', '-l', dir] : ['-c', dir]);
}

/** Whether umount failed because the file system is in use. */
export function isBusy(r: RunResult): boolean {
  return /busy/i.test(r.stderr);
}

/**
 * Aborts a FUSE connection through fusectl (Documentation/filesystems/fuse.rst, "Aborting a
 * filesystem connection"): every waiting and future request fails with ENOTCONN. Mounts
 * fusectl first if nobody has. Returns false when that is not possible here.
 */
export async function abortConnection(dev: { major: number; minor: number }): Promise<boolean> {
  if (!readMountTable().some((m) => m.fsType === 'fusectl')) {
    if (!existsSync(FUSECTL_DIR)) return false;
    const r = await run('mount', ['-t', 'fusectl', 'fusectl', FUSECTL_DIR]);
    if (r.code !== 0) return false;
  }
  const abort = join(FUSECTL_DIR, String(dev.minor), 'abort');
  try {
    writeFileSync(abort, '1');
    return true;
  } catch {
    return false;
  }
}
