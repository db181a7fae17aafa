// A p9 twin for the pseries scenarios: the adapter's two functions and the drive handed to
// vfio-pci, VMs managed as the CLI manages them, and a reload through the state snapshots.

import { restoreVms, snapshotVms } from '../../../src/api/vm-host.js';
import { Host } from '../../../src/kernel/host.js';
import { presetSpec, type Profile } from '../../../src/kernel/host-spec.js';
import { writeText } from '../../../src/kernel/syscall-surface.js';
import type { Process } from '../../../src/kernel/vfs/process.js';
import type { VmManager } from '../../../src/vmm/vm-manager.js';

export interface PpcTwin {
  host: Host;
  sh: Process;
  vms: VmManager;
}

export const ETH0 = '0000:01:00.0';
export const ETH1 = '0000:01:00.1';
export const NVME = '0001:01:00.0';
export const BASE = ['-M', 'pseries', '-nodefaults', '-nographic'];

export function toVfio(sh: Process, bdf: string): void {
  writeText(sh, `/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
  try {
    writeText(sh, `/sys/bus/pci/devices/${bdf}/driver/unbind`, bdf);
  } catch {
    /* not bound */
  }
  writeText(sh, '/sys/bus/pci/drivers_probe', bdf);
}

export function bootP9(profile: Profile = 'modern', functions: string[] = [ETH0, ETH1, NVME]): PpcTwin {
  const host = Host.boot(presetSpec('p9', profile), { now: () => 1_700_000_000_000 });
  const sh = host.process();
  for (const bdf of functions) toVfio(sh, bdf);
  return { host, sh, vms: restoreVms(host, undefined) };
}

export function reload(t: PpcTwin): PpcTwin {
  const hostSnap = JSON.parse(JSON.stringify(t.host.snapshot()));
  const vmSnap = JSON.parse(JSON.stringify(snapshotVms(t.vms)));
  const host = Host.restore(hostSnap, { now: () => 1_700_000_000_000 });
  return { host, sh: host.process(), vms: restoreVms(host, vmSnap) };
}
