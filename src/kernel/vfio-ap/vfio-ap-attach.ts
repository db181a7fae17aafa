// Which mdev is attached to which guest, and the eventfds its VFIO IRQs signal: the part
// of vfio_ap's state that belongs to running VMs, kept across twin snapshots.

import type { KvmCrypto } from '../kvm/s390/kvm-crypto.js';
import type { CheckpointRefs } from '../vfs/node.js';
import type { Trigger } from './matrix-mdev.js';
import type { VfioAp } from './vfio-ap-driver.js';

export interface VfioApAttachSnapshot {
  uuid: string;
  /** The KVM (VM id) the mdev is attached to, or null. */
  kvm: number | null;
  /** Checkpoint ids of the request and config-change eventfds, or null. */
  req: number | null;
  cfgChg: number | null;
}

/** Only mdevs with something attached are listed. */
export function snapshotAttachments(vfioAp: VfioAp, refs: CheckpointRefs): VfioApAttachSnapshot[] {
  const out: VfioApAttachSnapshot[] = [];
  for (const m of [...vfioAp.mdevList()].reverse()) {
    if (!m.kvm && !m.reqTrigger && !m.cfgChgTrigger) continue;
    out.push({
      uuid: m.uuid,
      kvm: m.kvm ? m.kvm.id : null,
      req: m.reqTrigger ? refs.idOf(m.reqTrigger) : null,
      cfgChg: m.cfgChgTrigger ? refs.idOf(m.cfgChgTrigger) : null,
    });
  }
  return out;
}

/** Relinks mdevs to their VMs and eventfds, without touching any CRYCB (it is restored with its VM). */
export function restoreAttachments(
  vfioAp: VfioAp,
  saved: readonly VfioApAttachSnapshot[],
  kvm: (id: number) => KvmCrypto | undefined,
  eventfd: (id: number) => Trigger | undefined,
): void {
  for (const a of saved) {
    const m = vfioAp.byUuid.get(a.uuid);
    if (!m) continue;
    m.kvm = a.kvm === null ? undefined : kvm(a.kvm);
    m.reqTrigger = a.req === null ? undefined : eventfd(a.req);
    m.cfgChgTrigger = a.cfgChg === null ? undefined : eventfd(a.cfgChg);
  }
}
