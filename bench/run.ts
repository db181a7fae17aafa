// `npm run bench`: every figure printed with its ratio against a baseline measured in this run.

import { benchAssignDomain, benchBoot, benchPathResolution } from './host-twin.bench.js';
import { benchCrypto } from './crypto.bench.js';
import { benchFuse } from './fuse.bench.js';
import { benchMdevctl } from './mdevctl.bench.js';
import { benchStartup } from './startup.bench.js';
import { benchHotplug, benchStartStopLeak, benchVmStart } from './vmm.bench.js';

console.log('# CLI start-up (issue 12)');
benchStartup();
console.log('# host twin (issue 2)');
benchBoot();
benchAssignDomain();
benchPathResolution();
console.log('# VFIO, KVM and the QEMU model (issue 3)');
benchVmStart();
benchHotplug();
benchStartStopLeak();
console.log('# management (issue 4)');
benchMdevctl();
console.log('# FUSE mount (issue 5)');
await benchFuse();
console.log('# AP queues that compute (issue 13)');
benchCrypto();
