// Issue 5 figures: `cat matrix` through the FUSE mount against `cat` of a regular file on
// tmpfs (target <= 3x), the open+read+close latency seen by a shell builtin, and sysfs
// writes per second through the mount. The server runs in this process; every loop runs
// in one bash process outside the mount (a process must never start inside a mount its
// own server process serves: spawn waits for the child's chdir).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../src/api/state-store.js';
import { readMountTable } from '../src/fuse/mount-table.js';
import { TwinServer } from '../src/fuse/twin-server.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { report } from './harness.js';

const UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';

function bash(script: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', script], { cwd: '/', timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve())),
  );
}

/** Median wall time of a bash loop, in ms. */
async function timeLoop(script: string, runs = 3): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await bash(script);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function skipReason(): string | undefined {
  if (process.platform !== 'linux' || !existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (process.getuid?.() !== 0) return 'mounting needs root';
  return undefined;
}

/** A directory on tmpfs for the baseline: /dev/shm when it is one, else the temp dir. */
function tmpfsDir(): { dir: string; note: string } {
  const table = readMountTable();
  if (table.some((m) => m.mountPoint === '/dev/shm' && m.fsType === 'tmpfs')) return { dir: '/dev/shm', note: 'tmpfs' };
  const tmp = tmpdir();
  const fs = table.filter((m) => tmp.startsWith(m.mountPoint)).sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0]?.fsType ?? '?';
  return { dir: tmp, note: fs };
}

export async function benchFuse(): Promise<void> {
  const why = skipReason();
  if (why) {
    console.log(`FUSE mount benchmarks skipped: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vfioctl-fuse-bench-'));
  const store = new StateStore(join(dir, 'twin.json'));
  await store.create(Host.boot(presetSpec('doc')), false);
  const mnt = join(dir, 'sys');
  mkdirSync(mnt);
  const server = await TwinServer.start({ dir: mnt, store });
  const base = tmpfsDir();
  const plain = join(base.dir, `vfioctl-bench-${process.pid}`);
  try {
    const m = `${mnt}/devices/vfio_ap/matrix/${UUID}`;
    await bash(
      [
        `echo -5,-6 > ${mnt}/bus/ap/apmask`,
        `echo -4,-0xab > ${mnt}/bus/ap/aqmask`,
        `echo ${UUID} > ${mnt}/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create`,
        `echo 5 > ${m}/assign_adapter`,
        `echo 6 > ${m}/assign_adapter`,
        `echo 4 > ${m}/assign_domain`,
        `echo 0xab > ${m}/assign_domain`,
      ].join(' && '),
    );
    writeFileSync(plain, '05.0004\n05.00ab\n06.0004\n06.00ab\n');

    const cats = 300;
    const catMount = (await timeLoop(`for i in $(seq ${cats}); do cat ${m}/matrix >/dev/null; done`)) / cats;
    const catPlain = (await timeLoop(`for i in $(seq ${cats}); do cat ${plain} >/dev/null; done`)) / cats;
    const r1 = catMount / catPlain;
    report('cat matrix: mount vs tmpfs file', `${catMount.toFixed(3)} ms`, `${catPlain.toFixed(3)} ms (${base.note})`, r1, '<= 3x', r1 <= 3);

    const reads = 2000;
    const readMount = ((await timeLoop(`for i in $(seq ${reads}); do read -r l < ${m}/matrix; done`)) * 1000) / reads;
    const readPlain = ((await timeLoop(`for i in $(seq ${reads}); do read -r l < ${plain}; done`)) * 1000) / reads;
    report('bash read < matrix (open+read+close)', `${readMount.toFixed(1)} us`, `${readPlain.toFixed(1)} us (${base.note})`, readMount / readPlain, 'none', true);

    const writes = 2000;
    const writeMount = (writes * 1000) / (await timeLoop(`for i in $(seq ${writes}); do echo 0xab > ${m}/assign_domain; done`));
    const writePlain = (writes * 1000) / (await timeLoop(`for i in $(seq ${writes}); do echo 0xab > ${plain}.w; done`));
    report('writes/s via mount (echo > assign_domain)', `${Math.round(writeMount)} /s`, `${Math.round(writePlain)} /s (${base.note})`, writePlain / writeMount, 'none', true);
  } finally {
    await server.stop();
    rmSync(plain, { force: true });
    rmSync(`${plain}.w`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
