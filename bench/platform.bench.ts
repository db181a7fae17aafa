// Issue 9 figures: host interrupt → guest count → EOI round trips per second on the KVM
// irqfd path (seattle) and on QEMU's eventfd path (midway under TCG), each against an
// eventfd signal + read in the same process; and a VM start with one platform device
// until the guest sees its node, against opening and closing the device's group file.

import { loadTarget, restoreVms } from '../src/api/vm-host.js';
import { loadArch } from '../src/kernel/arch/index.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { platformOf } from '../src/kernel/platform/platform-subsystem.js';
import { EFD_NONBLOCK, O_RDWR, writeText } from '../src/kernel/syscall-surface.js';
import { armBoard } from '../src/vmm/arm/board.js';
import { fmtRate, measure, report } from './harness.js';

interface Setup {
  host: Host;
  device: string;
  args: string[];
}

const SEATTLE: Setup & { preset: 'seattle' } = { preset: 'seattle', host: undefined!, device: 'e0700000.xgmac', args: ['-M', 'virt', '-cpu', 'host', '-accel', 'kvm', '-device', 'vfio-amd-xgbe,host=e0700000.xgmac'] };
const MIDWAY: Setup & { preset: 'midway' } = { preset: 'midway', host: undefined!, device: 'fff51000.ethernet', args: ['-M', 'virt', '-accel', 'tcg', '-device', 'vfio-calxeda-xgmac,host=fff51000.ethernet'] };

function boundHost(preset: 'seattle' | 'midway', device: string): Host {
  const host = Host.boot(presetSpec(preset));
  const sh = host.process();
  const dev = platformOf(host).device(device)!;
  writeText(sh, `${dev.path}/driver_override`, 'vfio-platform');
  writeText(sh, `/sys/bus/platform/drivers/${dev.driver!.name}/unbind`, device);
  writeText(sh, '/sys/bus/platform/drivers_probe', device);
  sh.exit();
  return host;
}

/** assert → the guest takes it → deassert → the handler reads the device (EOI, unmask). */
function roundTrips(s: Setup & { preset: 'seattle' | 'midway' }, label: string) {
  const host = boundHost(s.preset, s.device);
  const vms = restoreVms(host, undefined);
  const r = vms.start(s.args);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const board = armBoard(r.vm!);
  const part = platformOf(host);
  const irq = board.guest.state.devices[0]!.irqs[0]!;
  return measure(label, () => {
    const before = irq.count;
    part.driveIrq(s.device, 0, false);
    part.driveIrq(s.device, 0, true);
    board.mmio(s.device, 0, 0);
    if (irq.count !== before + 1) throw new Error('the guest did not count the interrupt once');
  });
}

export async function benchPlatform(): Promise<void> {
  for (const arch of ['aarch64', 'arm'] as const) {
    await loadArch(arch);
    await loadTarget(arch);
  }
  // baseline: the floor of any eventfd path, one signal and one read in this process
  const p = Host.boot(presetSpec('seattle')).process();
  const efd = p.eventfd(0, EFD_NONBLOCK);
  const one = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]);
  const base = measure('eventfd write + read', () => {
    p.write(efd, one);
    p.read(efd, 8);
  });
  const irqfd = roundTrips(SEATTLE, 'irqfd round trip');
  const eventfd = roundTrips(MIDWAY, 'eventfd round trip');
  report('IRQ round trip, KVM irqfd + resample', fmtRate(irqfd), fmtRate(base), base.opsPerSec / irqfd.opsPerSec, '>= 100,000/s', irqfd.opsPerSec >= 100_000);
  report("IRQ round trip, QEMU's eventfd path", fmtRate(eventfd), fmtRate(irqfd), irqfd.opsPerSec / eventfd.opsPerSec, 'ratio to irqfd', true);

  const host = boundHost('midway', MIDWAY.device);
  const vms = restoreVms(host, undefined);
  const cycle = measure('VM start + stop with a platform device', () => {
    const r = vms.start(MIDWAY.args);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    if (armBoard(r.vm!).guest.state.devices.length !== 1) throw new Error('the guest did not see its node');
    r.vm!.exit();
  }, 5, 300);
  const raw = measure('open+close /dev/vfio/1', () => {
    const q = host.process();
    q.close(q.open('/dev/vfio/1', O_RDWR));
    q.exit();
  });
  const ms = 1000 / cycle.opsPerSec;
  report('VM start until the guest sees its node (+stop)', `${ms.toFixed(3)} ms`, fmtRate(raw), raw.opsPerSec / cycle.opsPerSec, '<= 1 ms', ms <= 1);
}
