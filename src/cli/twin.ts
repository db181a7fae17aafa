// The whole twin a state file holds: the host kernel, the VMs running on it, and any other
// top-level section (kept as it was), so no command drops what another one stored.

import { Host, type HostOptions, type HostSnapshot } from '../kernel/host.js';
import type { VmManager } from '../vmm/vm-manager.js';
import type { VmsSnapshot } from '../vmm/vm-snapshot.js';
import { restoreVms, snapshotVms } from './commands/vm.js';

export type TwinSnapshot = HostSnapshot & { vmm?: VmsSnapshot } & Record<string, unknown>;

// lpar, ap and vfioAp are the version-1 places of what parts.ap holds now
const HOST_KEYS = new Set(['version', 'spec', 'bootEpochMs', 'parts', 'params', 'lpar', 'ap', 'vfioAp', 'log', 'vms', 'vmm']);

export class Twin {
  private constructor(
    readonly host: Host,
    readonly vms: VmManager,
    /** Sections other layers own (e.g. the twin's /etc files), carried over unchanged. */
    readonly sections: Record<string, unknown>,
  ) {}

  static fromHost(host: Host): Twin {
    return new Twin(host, restoreVms(host, undefined), {});
  }

  /** VMs are rebuilt right after the kernel, before any command can signal their handlers. */
  static restore(snap: TwinSnapshot, opts: HostOptions = {}): Twin {
    const host = Host.restore(snap, opts);
    const vms = restoreVms(host, snap.vmm);
    const sections: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(snap)) if (!HOST_KEYS.has(key)) sections[key] = value;
    return new Twin(host, vms, sections);
  }

  snapshot(): TwinSnapshot {
    return { ...this.sections, ...this.host.snapshot(), vmm: snapshotVms(this.vms) };
  }
}
