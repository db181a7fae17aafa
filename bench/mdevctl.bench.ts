// `vfioctl mdev list --defined` and `list` with 1,000 configs and 1,000 active mdevs, on an
// exported tree, against Debian's mdevctl 1.2.0 run in a chroot of the same tree (when it
// is installed and we are root). Both as processes (end to end: what a user or libvirt
// waits for) and vfioctl's work alone (in-process). Prints medians and ratios.

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
import { report, timeOnce } from './harness.js';
import { peerUnavailable, preparePeerRoot, runMdevctl } from './mdevctl-chroot.js';

const N = 1000;
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

function medianMs(fn: () => void, runs = 7): number {
  return timeOnce(fn, runs);
}

export function benchMdevctl(): void {
  const root = buildTree();
  try {
    const b = new RootBackend(root);
    // the real entry point (npm run bench builds dist first)
    const entry = resolve('bin/vfioctl');
    for (const defined of [true, false]) {
      const label = `mdev list${defined ? ' --defined' : ''} (${N} configs, ${N} active)`;
      const args = ['list', ...(defined ? ['--defined'] : [])];
      const inProcess = medianMs(() => mdevList({ b, out: new MdevOutput(), readFile: () => new Uint8Array() }, { defined, dumpjson: false, verbose: false }));
      let ours = '';
      const proc = medianMs(() => {
        const r = spawnSync(process.execPath, [entry, 'mdev', ...args, '--root', root], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`vfioctl ${args.join(' ')} failed: ${r.stderr}`);
        ours = r.stdout;
      }, 5);
      const why = peerUnavailable();
      if (why) {
        console.log(`${label}: vfioctl ${proc.toFixed(1)} ms as a process, ${inProcess.toFixed(1)} ms in-process; mdevctl comparison skipped: ${why}`);
        continue;
      }
      preparePeerRoot(root);
      let theirs = '';
      const peer = medianMs(() => {
        const r = runMdevctl(root, args);
        if (r.code !== 0) throw new Error(`mdevctl ${args.join(' ')} failed: ${r.stderr}`);
        theirs = r.stdout;
      }, 5);
      // the same chroot spawn without work: what mdevctl's figure spends before it starts
      const spawnOnly = medianMs(() => void runMdevctl(root, ['--version']), 5);
      if (ours !== theirs) console.log(`WARNING: ${label}: outputs differ (${ours.length} vs ${theirs.length} bytes)`);
      report(`${label} process`, `${proc.toFixed(1)} ms`, `mdevctl ${peer.toFixed(1)} ms`, proc / peer, '<= 1.00x', proc <= peer);
      report(`${label} work only`, `${inProcess.toFixed(1)} ms`, `mdevctl ${(peer - spawnOnly).toFixed(1)} ms`, inProcess / Math.max(peer - spawnOnly, 0.001), '<= 1.00x', inProcess <= peer - spawnOnly);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
