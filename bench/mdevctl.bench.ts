// `vfioctl mdev list --defined` and `list` with 1,000 configs and 1,000 active mdevs, on an
// exported tree, against Debian's mdevctl 1.2.0 run in a chroot of the same tree (when it
// is installed and we are root). Two figures each, interleaved round by round, medians:
//   process    the whole command as a user or libvirt waits for it (vfioctl's includes
//              Node's start-up and module loading; mdevctl's its chroot spawn)
//   work part  the command's own work: vfioctl's mdevList on a fresh RootBackend (what
//              one command does, in a warm process), mdevctl's whole process minus the
//              same chroot spawn running `mdevctl --version`
// Targets (issue 12, for `list --defined`): process ≤ 3× mdevctl's, work part ≤ 0.5×
// mdevctl's; `list` of the running devices is shown beside it without one. On a shared
// machine wall times swing with the load, so the CPU time of both work parts is shown too.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { presetSpec } from '../src/kernel/host-spec.js';
import { Host } from '../src/kernel/host.js';
import { exportSysfs } from '../src/manage/export.js';
import { exportTwinFiles } from '../src/manage/files-export.js';
import { formatMdevConfig } from '../src/manage/mdev-config.js';
import { mdevList } from '../src/manage/mdev-list.js';
import { MdevOutput } from '../src/manage/mdev-output.js';
import { RootBackend } from '../src/manage/root-backend.js';
import { TwinBackend } from '../src/manage/twin-backend.js';
import { TwinFiles } from '../src/manage/twin-files.js';
import { report } from './harness.js';
import { peerUnavailable, preparePeerRoot, runMdevctlCpu } from './mdevctl-chroot.js';

const N = 1000;
const ROUNDS = 25;
const uuidOf = (i: number): string => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function buildTree(): string {
  const host = Host.boot(presetSpec('doc'));
  const files = new TwinFiles();
  const b = new TwinBackend(host, files);
  const body = formatMdevConfig({ mdevType: 'vfio_ap-passthrough', start: 'manual', attrs: [['assign_adapter', '5'], ['assign_domain', '4']] });
  for (let i = 0; i < N; i++) {
    b.write('/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', uuidOf(i));
    files.writeAtomic(`/etc/mdevctl.d/matrix/${uuidOf(i)}`, body);
  }
  const root = mkdtempSync(join(tmpdir(), 'vfioctl-bench-'));
  exportSysfs(host.process(), root);
  exportTwinFiles(files, root, { mdevctlDirs: true });
  return root;
}

function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The command's own work: one listing on a fresh backend (as one command makes it). */
function work(root: string, defined: boolean): string {
  const out = new MdevOutput();
  mdevList({ b: new RootBackend(root), out, readFile: () => new Uint8Array() }, { defined, dumpjson: false, verbose: false });
  return out.stdout.join('');
}

export function benchMdevctl(): void {
  const root = buildTree();
  try {
    // the real entry point (npm run bench builds dist first)
    const entry = resolve('bin/vfioctl');
    const why = peerUnavailable();
    if (!why) preparePeerRoot(root);
    for (const defined of [true, false]) {
      const label = `mdev list${defined ? ' --defined' : ''} (${N} configs, ${N} active)`;
      const args = ['list', ...(defined ? ['--defined'] : [])];
      const t = { proc: [] as number[], work: [] as number[], peer: [] as number[], spawn: [] as number[], workCpu: [] as number[], peerCpu: [] as number[], spawnCpu: [] as number[] };
      let ours = '';
      let theirs = '';
      // warm the JIT as a long-lived caller would be; a fresh backend each time
      for (let i = 0; i < 3; i++) work(root, defined);
      for (let r = 0; r < ROUNDS; r++) {
        const cpu = process.cpuUsage();
        t.work.push(timed(() => void work(root, defined)));
        const used = process.cpuUsage(cpu);
        t.workCpu.push((used.user + used.system) / 1000);
        t.proc.push(
          timed(() => {
            const p = spawnSync(process.execPath, [entry, 'mdev', ...args, '--root', root], { encoding: 'utf8' });
            if (p.status !== 0) throw new Error(`vfioctl ${args.join(' ')} failed: ${p.stderr}`);
            ours = p.stdout;
          }),
        );
        if (why) continue;
        t.peer.push(
          timed(() => {
            const p = runMdevctlCpu(root, args);
            if (p.code !== 0) throw new Error(`mdevctl ${args.join(' ')} failed: ${p.stderr}`);
            theirs = p.stdout;
            if (p.cpuMs !== undefined) t.peerCpu.push(p.cpuMs);
          }),
        );
        // the same chroot spawn without work: what mdevctl's figure spends before it starts
        t.spawn.push(
          timed(() => {
            const p = runMdevctlCpu(root, ['--version']);
            if (p.cpuMs !== undefined) t.spawnCpu.push(p.cpuMs);
          }),
        );
      }
      const [proc, ourWork] = [median(t.proc), median(t.work)];
      if (why) {
        console.log(`${label}: vfioctl ${proc.toFixed(1)} ms as a process, work part ${ourWork.toFixed(1)} ms; mdevctl comparison skipped: ${why}`);
        continue;
      }
      const [peer, spawn] = [median(t.peer), median(t.spawn)];
      const peerWork = Math.max(peer - spawn, 0.001);
      if (ours !== theirs) console.log(`WARNING: ${label}: outputs differ (${ours.length} vs ${theirs.length} bytes)`);
      report(`${label} process`, `${proc.toFixed(1)} ms`, `mdevctl ${peer.toFixed(1)} ms`, proc / peer, defined ? '<= 3.00x' : '-', !defined || proc <= 3 * peer);
      report(`${label} work part`, `${ourWork.toFixed(1)} ms`, `mdevctl ${peerWork.toFixed(1)} ms`, ourWork / peerWork, defined ? '<= 0.50x' : '-', !defined || ourWork <= 0.5 * peerWork);
      console.log(`  (mdevctl ${peer.toFixed(1)} ms = chroot spawn ${spawn.toFixed(1)} ms + work ${peerWork.toFixed(1)} ms)`);
      if (t.peerCpu.length > 0) {
        // GNU time counts 10 ms ticks: means over the rounds, not medians
        const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
        const [ourCpu, peerCpu] = [mean(t.workCpu), Math.max(mean(t.peerCpu) - mean(t.spawnCpu), 0.001)];
        console.log(`  (CPU time of the work parts: vfioctl ${ourCpu.toFixed(1)} ms, mdevctl ${peerCpu.toFixed(1)} ms, ratio ${(ourCpu / peerCpu).toFixed(2)}x)`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
