// Runs Debian's mdevctl 1.2.0 against an exported tree, as ecosystem spec §1.11 does:
// the binary and its libraries copied into the tree, then `unshare -m` + `chroot` (1.2.0
// hard-codes `/`; MDEVCTL_ENV_ROOT only exists from 1.3.0). Needs root and the package.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const MDEVCTL = '/usr/bin/mdevctl';

let cached: string | undefined | null = null;

/** Why the peer cannot run here (undefined when it can). */
export function peerUnavailable(): string | undefined {
  if (cached !== null) return cached;
  cached = undefined;
  if (!existsSync(MDEVCTL)) cached = `${MDEVCTL} is not installed (apt-get install mdevctl)`;
  else if (process.getuid?.() !== 0) cached = 'mdevctl runs in a chroot, which needs root';
  else {
    const r = spawnSync('unshare', ['-m', 'true']);
    if (r.status !== 0) cached = `unshare -m is not permitted here (${r.stderr?.toString().trim() || r.error?.message})`;
    else {
      const v = spawnSync(MDEVCTL, ['--version']).stdout?.toString() ?? '';
      if (!v.includes('1.2.0')) cached = `installed mdevctl is not 1.2.0 (${v.trim()})`;
    }
  }
  return cached;
}

/** Copies mdevctl, its libraries and a /bin/sh into ROOT, plus the directories 1.2.0 requires. */
export function preparePeerRoot(root: string): void {
  const ldd = spawnSync('ldd', [MDEVCTL]).stdout.toString();
  const libs = [...ldd.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
  for (const file of [MDEVCTL, ...libs, '/bin/dash']) {
    const dest = join(root, file === '/bin/dash' ? '/bin/sh' : file);
    mkdirSync(dirname(dest), { recursive: true });
    if (!existsSync(dest)) copyFileSync(file, dest);
  }
  const lsmdev = join(root, 'usr/bin/lsmdev');
  if (!existsSync(lsmdev)) symlinkSync('mdevctl', lsmdev);
  mkdirSync(join(root, 'dev'), { recursive: true });
  writeFileSync(join(root, 'dev/urandom'), '');
  for (const d of ['etc/mdevctl.d/scripts.d/callouts', 'etc/mdevctl.d/scripts.d/notifiers']) mkdirSync(join(root, d), { recursive: true });
}

export interface PeerResult {
  code: number;
  stdout: string;
  stderr: string;
}

const CHROOT = 'mount --bind /dev/urandom "$0/dev/urandom" && exec chroot "$0" /usr/bin/mdevctl "$@"';

/** `mdevctl ARGS` chrooted into ROOT (with /dev/urandom bound for UUID generation). */
export function runMdevctl(root: string, args: string[]): PeerResult {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', CHROOT, root, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const TIME = '/usr/bin/time';

/**
 * runMdevctl with the CPU time (user + system, ms) the chroot and mdevctl used, from GNU
 * time (10 ms ticks: meaningful over many runs); undefined where GNU time is missing.
 */
export function runMdevctlCpu(root: string, args: string[]): PeerResult & { cpuMs?: number } {
  if (!existsSync(TIME)) return runMdevctl(root, args);
  const dir = mkdtempSync(join(tmpdir(), 'vfioctl-time-'));
  try {
    const out = join(dir, 'time');
    const r = spawnSync(TIME, ['-f', '%U %S', '-o', out, 'unshare', '-m', 'sh', '-c', CHROOT, root, ...args], { encoding: 'utf8', timeout: 20_000 });
    const [user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** runMdevctl without blocking the event loop (a test runner keeps talking to its workers). */
export function runMdevctlAsync(root: string, args: string[]): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', ['-m', 'sh', '-c', CHROOT, root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
