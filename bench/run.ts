// `npm run bench [-- GROUP…]`: every figure printed with its ratio against a baseline measured
// in this run. With group names (startup, twin, vmm, mdevctl, fuse, crypto, serve, platform, eeh) only those run.
// Every group runs in a process of its own.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchAssignDomain, benchBoot, benchPathResolution } from './host-twin.bench.js';
import { benchCrypto } from './crypto.bench.js';
import { benchEehRecovery, benchPseriesStart } from './eeh.bench.js';
import { benchFuse } from './fuse.bench.js';
import { benchMdevctl } from './mdevctl.bench.js';
import { benchPlatform } from './platform.bench.js';
import { benchServe } from './serve.bench.js';
import { benchStartup } from './startup.bench.js';
import { benchHotplug, benchStartStopLeak, benchVmStart } from './vmm.bench.js';

interface Group {
  name: string;
  title: string;
  run(): void | Promise<void>;
}

const GROUPS: Group[] = [
  { name: 'startup', title: 'CLI start-up (issue 12)', run: benchStartup },
  { name: 'twin', title: 'host twin (issue 2)', run: () => { benchBoot(); benchAssignDomain(); benchPathResolution(); } },
  { name: 'vmm', title: 'VFIO, KVM and the QEMU model (issue 3)', run: () => { benchVmStart(); benchHotplug(); benchStartStopLeak(); } },
  { name: 'mdevctl', title: 'management (issue 4)', run: benchMdevctl },
  { name: 'fuse', title: 'FUSE mount (issue 5)', run: benchFuse },
  { name: 'crypto', title: 'AP queues that compute (issue 13)', run: benchCrypto },
  { name: 'serve', title: 'the twin as a service (issue 11)', run: benchServe },
  { name: 'platform', title: 'ARM platform passthrough (issue 9)', run: benchPlatform },
  { name: 'eeh', title: 'POWER: vfio-pci and EEH on pseries (issue 10)', run: async () => { await benchEehRecovery(); await benchPseriesStart(); } },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !GROUPS.some((g) => g.name === w));
if (unknown.length > 0) {
  console.error(`bench: unknown group ${unknown.join(', ')} (groups: ${GROUPS.map((g) => g.name).join(', ')})`);
  process.exit(2);
}
if (wanted.length === 1) {
  const g = GROUPS.find((x) => x.name === wanted[0])!;
  console.log(`# ${g.title}`);
  await g.run();
} else {
  // each group in a fresh process: a group's heap and type feedback (a max host, an HTTP
  // server) would otherwise slow the groups after it
  for (const g of GROUPS) {
    if (wanted.length > 0 && !wanted.includes(g.name)) continue;
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), g.name], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
