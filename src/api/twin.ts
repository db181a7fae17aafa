// The whole twin a state file holds: the host kernel, the VMs running on it, and any other
// top-level section (kept as it was), so no command drops what another one stored.
//
// The VMM (QEMU's model) loads only when needed: a twin whose snapshot has running VMs
// rebuilds them right after the kernel when it is restored for a change (their eventfd
// handlers must be armed before any command can signal them); otherwise the VMs' section
// is kept as stored and rebuilt on the first vmManager() call. A read never signals.

import { loadArch } from '../kernel/arch/index.js';
import { Host, type HostOptions, type HostSnapshot } from '../kernel/host.js';
import type { VmManager } from '../vmm/vm-manager.js';
import type { VmsSnapshot } from '../vmm/vm-snapshot.js';

export type TwinSnapshot = HostSnapshot & { vmm?: VmsSnapshot } & Record<string, unknown>;

// lpar, ap and vfioAp are the version-1 places of what parts.ap holds now
const HOST_KEYS = new Set(['version', 'spec', 'bootEpochMs', 'parts', 'params', 'lpar', 'ap', 'vfioAp', 'log', 'vms', 'vmm']);

export interface TwinRestoreOptions extends HostOptions {
  /** Rebuild stored VMs now (a command that may change the twin), else on first use. */
  eagerVms?: boolean;
}

export class Twin {
  private vms: VmManager | undefined;

  private constructor(
    readonly host: Host,
    /** The VMs' section as stored, until the VMM is rebuilt from it. */
    private storedVms: VmsSnapshot | undefined,
    /** Sections other layers own (e.g. the twin's /etc files), carried over unchanged. */
    readonly sections: Record<string, unknown>,
  ) {}

  static fromHost(host: Host): Twin {
    return new Twin(host, undefined, {});
  }

  static async restore(snap: TwinSnapshot, opts: TwinRestoreOptions = {}): Promise<Twin> {
    // a version-1 snapshot has no arch: it is an s390x host's
    await loadArch((snap.spec as Partial<HostSnapshot['spec']> | undefined)?.arch ?? 's390x');
    const host = Host.restore(snap, opts);
    const sections: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(snap)) if (!HOST_KEYS.has(key)) sections[key] = value;
    const twin = new Twin(host, snap.vmm, sections);
    if (opts.eagerVms && (snap.vmm?.vms.length ?? 0) > 0) await twin.vmManager();
    return twin;
  }

  /** The running VMs (QEMU processes), rebuilding the VMM on first use. */
  async vmManager(): Promise<VmManager> {
    if (!this.vms) {
      const { loadTarget, restoreVms } = await import('./vm-host.js');
      await loadTarget(this.host.spec.arch);
      this.vms ??= restoreVms(this.host, this.storedVms);
      this.storedVms = undefined;
    }
    return this.vms;
  }

  /** The VMM if it is built already (a synchronous caller cannot wait for it to load). */
  get loadedVms(): VmManager | undefined {
    return this.vms;
  }

  /** Whether the snapshot holds running VMs that the VMM has not rebuilt yet. */
  get hasStoredVms(): boolean {
    return (this.storedVms?.vms.length ?? 0) > 0;
  }

  snapshot(): TwinSnapshot {
    const vmm = this.vms ? this.vms.snapshot() : this.storedVms;
    return { ...this.sections, ...this.host.snapshot(), ...(vmm ? { vmm } : {}) };
  }
}
