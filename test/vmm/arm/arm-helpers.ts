// Shared set-up for the ARM VMM scenarios: a twin host (seattle: aarch64, midway: 32-bit
// arm), its devices bound to vfio-platform as the kernel documentation does it, and VMs
// managed as the CLI manages them (with dumpdtb's files kept in memory).

import { Host } from '../../../src/kernel/host.js';
import { presetSpec, type Profile } from '../../../src/kernel/host-spec.js';
import { platformOf } from '../../../src/kernel/platform/platform-subsystem.js';
import { writeText } from '../../../src/kernel/syscall-surface.js';
import type { Process } from '../../../src/kernel/vfs/process.js';
import { hostVmAdapter, snapshotVms } from '../../../src/api/vm-host.js';
import { VmManager } from '../../../src/vmm/vm-manager.js';
import { armBoard, type ArmBoard } from '../../../src/vmm/arm/board.js';

export interface ArmTwin {
  host: Host;
  sh: Process;
  vms: VmManager;
  files: Map<string, Uint8Array>;
}

export const NOW = 1_700_000_000_000;

function manager(host: Host, files: Map<string, Uint8Array>, snap?: ReturnType<typeof snapshotVms>): VmManager {
  const adapter = {
    ...hostVmAdapter(host),
    writeFile: (path: string, data: Uint8Array) => {
      // the capture's failing case writes into a directory that does not exist
      if (path.startsWith('/nonexistent/')) throw new Error(`ENOENT: ${path}`);
      files.set(path, data);
    },
  };
  return snap ? VmManager.restore(adapter, snap) : new VmManager(adapter);
}

export function bootArm(preset: 'seattle' | 'midway', profile: Profile = 'modern', cmdline?: string): ArmTwin {
  const spec = presetSpec(preset, profile);
  const host = Host.boot(cmdline ? { ...spec, cmdline } : spec, { now: () => NOW });
  const files = new Map<string, Uint8Array>();
  return { host, sh: host.process(), vms: manager(host, files), files };
}

/** driver_override + unbind + drivers_probe: the device is vfio-platform's. */
export function bindVfio(t: ArmTwin, name: string): void {
  const dev = platformOf(t.host).device(name)!;
  writeText(t.sh, `${dev.path}/driver_override`, 'vfio-platform');
  if (dev.driver) writeText(t.sh, `/sys/bus/platform/drivers/${dev.driver.name}/unbind`, name);
  writeText(t.sh, '/sys/bus/platform/drivers_probe', name);
}

/** What a new CLI invocation sees: the twin and its VMs through their snapshots (JSON). */
export function reloadArm(t: ArmTwin): ArmTwin {
  const hostSnap = JSON.parse(JSON.stringify(t.host.snapshot()));
  const vmSnap = JSON.parse(JSON.stringify(snapshotVms(t.vms)));
  const host = Host.restore(hostSnap, { now: () => NOW });
  return { host, sh: host.process(), vms: manager(host, t.files, vmSnap), files: t.files };
}

export function start(t: ArmTwin, args: string[]): { vm: string; board: ArmBoard } {
  const r = t.vms.start(args);
  if (r.exitCode !== 0 || !r.vm) throw new Error(`qemu failed (${r.exitCode}): ${r.stderr}`);
  return { vm: r.vm.id, board: armBoard(r.vm) };
}
