// Issue 10 figures: inject → guest recovery → verified round trips per second on a pseries
// VM with the 82599 passed through, and a VM start with one vfio-pci device. Baselines: the
// bare VFIO_EEH_PE_OP GET_STATE ioctl round trip, and opening and closing the group file.

import { loadTarget, restoreVms } from '../src/api/vm-host.js';
import { loadArch } from '../src/kernel/arch/index.js';
import { Host } from '../src/kernel/host.js';
import { presetSpec } from '../src/kernel/host-spec.js';
import { pciOf } from '../src/kernel/pci/pci-subsystem.js';
import { O_RDWR, writeText } from '../src/kernel/syscall-surface.js';
import { VFIO_EEH_PE_OP, encodeEehPeOp } from '../src/core/vfio-spapr-uapi.js';
import { spaprBoard } from '../src/vmm/ppc/board.js';
import { fmtRate, measure, report } from './harness.js';

const ETH0 = '0000:01:00.0';
const ARGS = ['-M', 'pseries', '-nodefaults', '-nographic', '-device', `vfio-pci,host=${ETH0}`];

async function p9Host(): Promise<Host> {
  await loadArch('ppc64le');
  await loadTarget('ppc64le');
  const host = Host.boot(presetSpec('p9'));
  const sh = host.process();
  for (const bdf of [ETH0, '0000:01:00.1']) {
    writeText(sh, `/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
    writeText(sh, `/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf);
    writeText(sh, '/sys/bus/pci/drivers_probe', bdf);
  }
  sh.exit();
  return host;
}

export async function benchEehRecovery(): Promise<void> {
  const host = await p9Host();
  const vms = restoreVms(host, undefined);
  const r = vms.start(ARGS);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  const vm = vms.get(r.stdout.trim())!;
  const guest = spaprBoard(vm).guest;
  const pe = pciOf(host).pes[0]!;
  const trip = measure('inject → recovery → verified', () => {
    pe.injectError(0, 0);
    if (!guest.recover('0000:00:00.0').ok) throw new Error('not recovered');
  });
  // baseline: one VFIO_EEH_PE_OP GET_STATE on the container, as QEMU issues it
  const container = vm.vfio.containers[0]!.fd;
  const op = encodeEehPeOp(4);
  const raw = measure('VFIO_EEH_PE_OP GET_STATE', () => vm.sys.ioctl(container, VFIO_EEH_PE_OP, op));
  report('EEH inject → guest recovery → verified', fmtRate(trip), fmtRate(raw), raw.opsPerSec / trip.opsPerSec, '>= 50,000/s', trip.opsPerSec >= 50_000);
}

export async function benchPseriesStart(): Promise<void> {
  const host = await p9Host();
  const vms = restoreVms(host, undefined);
  const cycle = measure('pseries start + stop', () => {
    const r = vms.start(ARGS);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    vms.get(r.stdout.trim())!.exit();
  }, 5, 300);
  const raw = measure('open+close /dev/vfio/0', () => {
    const p = host.process();
    p.close(p.open('/dev/vfio/0', O_RDWR));
    p.exit();
  });
  const ms = 1000 / cycle.opsPerSec;
  report('pseries VM start with one vfio-pci (+stop)', `${ms.toFixed(3)} ms`, fmtRate(raw), raw.opsPerSec / cycle.opsPerSec, '<= 1 ms', ms <= 1);
}
