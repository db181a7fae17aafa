// Issue 2 figures: booting the max host, assign_domain among 1,000 mdevs, and resolving
// the four sysfs paths of an mdev.

import { ApMask } from '../src/core/ap-mask.js';
import { apqnKey } from '../src/core/apqn.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { writeText } from '../src/kernel/syscall-surface.js';
import { fmtRate, heapUsed, measure, report, timeOnce } from './harness.js';
import { apOf } from '../src/kernel/ap/ap-subsystem.js';

const CREATE = '/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create';

function uuidFor(i: number): string {
  const h = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${h}`;
}

export function benchBoot(): void {
  const max = presetSpec('max');
  const doc = presetSpec('doc');
  const tMax = timeOnce(() => Host.boot(max));
  const tDoc = timeOnce(() => Host.boot(doc));
  report('boot max host (256 x 256)', `${tMax.toFixed(2)} ms`, `doc ${tDoc.toFixed(2)} ms`, tMax / tDoc, '<= 20 ms', tMax <= 20);
  const before = heapUsed();
  const kept = Host.boot(max);
  const grown = (heapUsed() - before) / 2 ** 20;
  report('boot max host heap growth', `${grown.toFixed(1)} MiB`, '-', 1, '<= 64 MiB', grown <= 64 && apOf(kept).bus.queues.size === 65536);
}

/** A host with 1,000 mdevs on distinct APQNs (adapters 0..249, domains 0..3) and one under test. */
function hostWithMdevs(): { host: Host; target: string } {
  const host = Host.boot(presetSpec('max'));
  const sh = host.process();
  writeText(sh, '/sys/bus/ap/apmask', '0x\n');
  writeText(sh, '/sys/bus/ap/aqmask', '0x\n');
  for (let i = 0; i < 1000; i++) {
    const uuid = uuidFor(i);
    writeText(sh, CREATE, uuid);
    const dir = `/sys/devices/vfio_ap/matrix/${uuid}`;
    writeText(sh, `${dir}/assign_adapter`, `${i % 250}`);
    writeText(sh, `${dir}/assign_domain`, `${Math.floor(i / 250)}`);
  }
  const target = uuidFor(1000);
  writeText(sh, CREATE, target);
  for (let a = 250; a < 256; a++) writeText(sh, `/sys/devices/vfio_ap/matrix/${target}/assign_adapter`, `${a}`);
  return { host, target };
}

/** The naive check: every APQN of the candidate against every other mdev's APQN set. */
function naiveConflict(candidate: { apm: ApMask; aqm: ApMask }, others: Set<number>[]): boolean {
  for (const a of candidate.apm)
    for (const d of candidate.aqm) {
      const key = apqnKey(a, d);
      for (const owned of others) if (owned.has(key)) return true;
    }
  return false;
}

export function benchAssignDomain(): void {
  const { host, target } = hostWithMdevs();
  const sh = host.process();
  const dir = `/sys/devices/vfio_ap/matrix/${target}`;
  // Alternate assign and unassign so every assign runs the full validation.
  const twin = measure('assign_domain', (i) => {
    const d = 10 + ((i >> 1) % 200);
    writeText(sh, `${dir}/${i & 1 ? 'unassign_domain' : 'assign_domain'}`, `${d}\n`);
  });
  const m = apOf(host).vfioAp.byUuid.get(target)!;
  const others = apOf(host).vfioAp
    .mdevList()
    .filter((o) => o !== m)
    .map((o) => {
      const keys = new Set<number>();
      for (const a of o.matrix.apm) for (const d of o.matrix.aqm) keys.add(apqnKey(a, d));
      return keys;
    });
  const naive = measure('naive per-APQN scan', (i) => {
    const aqm = m.matrix.aqm.clone().set(10 + (i % 200));
    if (naiveConflict({ apm: m.matrix.apm, aqm }, others)) throw new Error('unexpected conflict');
  });
  report('assign_domain, 1,000 mdevs (via write(2))', fmtRate(twin), fmtRate(naive), twin.opsPerSec / naive.opsPerSec, '>= 100,000/s and >= 10x', twin.opsPerSec >= 100_000 && twin.opsPerSec >= 10 * naive.opsPerSec);
}

export function benchPathResolution(): void {
  const host = Host.boot(presetSpec('doc'));
  const sh = host.process();
  const uuid = uuidFor(1);
  writeText(sh, CREATE, uuid);
  const paths = [
    `/sys/devices/vfio_ap/matrix/${uuid}`,
    `/sys/bus/mdev/devices/${uuid}`,
    `/sys/bus/mdev/drivers/vfio_ap_mdev/${uuid}`,
    `/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/${uuid}`,
  ];
  const four = measure('resolve the four mdev paths', (i) => void sh.realpath(paths[i & 3]!));
  const plain = measure('resolve /sys/bus/ap/apmask', () => void sh.realpath('/sys/bus/ap/apmask'));
  report('resolve the four mdev paths', fmtRate(four), `${fmtRate(plain)} (link-free)`, four.opsPerSec / plain.opsPerSec, '>= 2,000,000/s', four.opsPerSec >= 2_000_000);
}
