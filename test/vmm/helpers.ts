// Shared set-up for the VMM scenarios: a twin host (doc preset), mdevs made the way the
// kernel documentation makes them, and VMs managed as the CLI manages them.

import { Host } from '../../src/kernel/host.js';
import { presetSpec, type Profile } from '../../src/kernel/host-spec.js';
import { readText, writeText } from '../../src/kernel/syscall-surface.js';
import type { Process } from '../../src/kernel/vfs/process.js';
import { restoreVms, snapshotVms } from '../../src/api/vm-host.js';
import type { VmManager } from '../../src/vmm/vm-manager.js';
import { apOf } from '../../src/kernel/ap/ap-subsystem.js';

export const UUID_A = '669d9b23-fe1b-4ecb-be08-a2fabca99b71';
export const UUID_B = '90c6c135-ad44-41d0-b1b7-bae47de48627';
export const MATRIX = '/sys/devices/vfio_ap/matrix';
export const CREATE = `${MATRIX}/mdev_supported_types/vfio_ap-passthrough/create`;
export const HOST_CPU = '-cpu';
export const AP_CPU = 'host,ap=on,apqci=on,apft=on,apqi=on';

export interface Twin {
  host: Host;
  sh: Process;
  vms: VmManager;
}

/** The doc host with adapters 5, 6 and domains 4, 0x47 handed to vfio_ap. */
export function bootTwin(profile: Profile = 'modern'): Twin {
  const host = Host.boot(presetSpec('doc', profile), { now: () => 1_700_000_000_000 });
  const sh = host.process();
  writeText(sh, '/sys/bus/ap/apmask', '-5,-6');
  writeText(sh, '/sys/bus/ap/aqmask', '-4,-0x47');
  return { host, sh, vms: restoreVms(host, undefined) };
}

/** Creates an mdev and assigns adapters, domains and control domains. */
export function makeMdev(t: Twin, uuid: string, adapters: number[], domains: number[], control: number[] = []): string {
  writeText(t.sh, CREATE, uuid);
  const dir = `${MATRIX}/${uuid}`;
  for (const a of adapters) writeText(t.sh, `${dir}/assign_adapter`, `0x${a.toString(16)}`);
  for (const d of domains) writeText(t.sh, `${dir}/assign_domain`, `0x${d.toString(16)}`);
  for (const c of control) writeText(t.sh, `${dir}/assign_control_domain`, `0x${c.toString(16)}`);
  return dir;
}

/** What a new CLI invocation sees: the twin and its VMs through their snapshots (JSON). */
export function reload(t: Twin): Twin {
  const hostSnap = JSON.parse(JSON.stringify(t.host.snapshot()));
  const vmSnap = JSON.parse(JSON.stringify(snapshotVms(t.vms)));
  const host = Host.restore(hostSnap, { now: () => 1_700_000_000_000 });
  return { host, sh: host.process(), vms: restoreVms(host, vmSnap) };
}

export function read(t: Twin, path: string): string {
  return readText(t.sh, path);
}

/** The mdev's shadow APCB as the driver keeps it (what an attached guest must see). */
export function shadowOf(t: Twin, uuid: string): { apm: string; aqm: string; adm: string } {
  const m = apOf(t.host).vfioAp.byUuid.get(uuid)!;
  return { apm: m.shadow.apm.toHex(), aqm: m.shadow.aqm.toHex(), adm: m.shadow.adm.toHex() };
}

/** The 4.20 driver pushes the unfiltered matrix. */
export function matrixOf(t: Twin, uuid: string): { apm: string; aqm: string; adm: string } {
  const m = apOf(t.host).vfioAp.byUuid.get(uuid)!;
  return { apm: m.matrix.apm.toHex(), aqm: m.matrix.aqm.toHex(), adm: m.matrix.adm.toHex() };
}
