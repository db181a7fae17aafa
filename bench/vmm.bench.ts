// Issue 3 figures: a VM start until the guest sees its CRYCB, a hot plug round trip, and
// 10,000 start/stop cycles with the heap measured before and after.

import { restoreVms } from '../src/api/vm-host.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { O_RDWR, writeText } from '../src/kernel/syscall-surface.js';
import { fmtRate, heapUsed, measure, report } from './harness.js';
import { s390Board } from '../src/vmm/s390/board.js';

const UUID = '62177883-f1bb-47f0-914d-32a22e3a8804';
const MDEV = `/sys/devices/vfio_ap/matrix/${UUID}`;
const ARGS = ['-cpu', 'host,ap=on,apqci=on,apft=on,apqi=on', '-device', `vfio-ap,sysfsdev=${MDEV},id=ap0`];

/** The documentation's host with one mdev holding 05.0004 and 05.00ab. */
function docHostWithMdev(): Host {
  const host = Host.boot(presetSpec('doc'));
  const sh = host.process();
  writeText(sh, '/sys/bus/ap/apmask', '-5,-6');
  writeText(sh, '/sys/bus/ap/aqmask', '-4,-0xab');
  writeText(sh, '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create', UUID);
  for (const [file, value] of [['assign_adapter', '5'], ['assign_domain', '4'], ['assign_domain', '0xab']] as const)
    writeText(sh, `${MDEV}/${file}`, value);
  sh.exit();
  return host;
}

function startStop(vms: ReturnType<typeof restoreVms>): void {
  const r = vms.start(ARGS);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const vm = vms.get(r.stdout.trim())!;
  if (s390Board(vm).crycb().apm.isEmpty() || s390Board(vm).guest.view.cards.length === 0) throw new Error('the guest saw nothing');
  vm.exit();
}

export function benchVmStart(): void {
  const host = docHostWithMdev();
  const vms = restoreVms(host, undefined);
  const cycle = measure('VM start + stop', () => startStop(vms), 5, 300);
  // baseline: the bare kernel part, a process opening and closing the mdev's group file
  const raw = measure('open+close /dev/vfio/0', () => {
    const p = host.process();
    p.close(p.open('/dev/vfio/0', O_RDWR));
    p.exit();
  });
  const ms = 1000 / cycle.opsPerSec;
  report('VM start until the guest sees its CRYCB (+stop)', `${ms.toFixed(3)} ms`, fmtRate(raw), raw.opsPerSec / cycle.opsPerSec, '<= 1 ms', ms <= 1);
}

export function benchHotplug(): void {
  const host = docHostWithMdev();
  const vms = restoreVms(host, undefined);
  const sh = host.process();
  const hot = measure('hot plug round trip', (i) => writeText(sh, `${MDEV}/${i & 1 ? 'unassign_adapter' : 'assign_adapter'}`, '6'));
  const r = vms.start(ARGS);
  const vm = vms.get(r.stdout.trim())!;
  const attached = measure('hot plug round trip, guest attached', (i) => {
    writeText(sh, `${MDEV}/${i & 1 ? 'unassign_adapter' : 'assign_adapter'}`, '6');
    const sees6 = s390Board(vm).guest.view.cards.some((c) => c.apid === 6);
    if (sees6 !== !(i & 1)) throw new Error('the guest did not follow the hot plug');
  });
  report('hot plug/unplug adapter 6, guest sees it', fmtRate(attached), `${fmtRate(hot)} (no guest)`, attached.opsPerSec / hot.opsPerSec, 'guest updated at once', true);
}

export function benchStartStopLeak(): void {
  const host = docHostWithMdev();
  const vms = restoreVms(host, undefined);
  for (let i = 0; i < 1_000; i++) startStop(vms);
  const after1k = heapUsed();
  for (let i = 0; i < 9_000; i++) startStop(vms);
  const after10k = heapUsed();
  const growth = (after10k - after1k) / 2 ** 20;
  report('10,000 start/stop cycles: heap growth 1k→10k', `${growth.toFixed(2)} MiB`, `${(after1k / 2 ** 20).toFixed(1)} MiB at 1k`, after10k / after1k, 'flat (< 2 MiB)', growth < 2);
}
