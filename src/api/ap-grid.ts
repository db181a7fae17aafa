// The adapter x domain matrix as an admin looks at it: for every configured adapter and
// usage domain, who owns the queue (the host's zcrypt driver, vfio_ap with no mdev, an
// mdev, or an mdev a guest is using), plus the control domains and each mdev's matrices.
// Queues a restored twin has not built are read from the masks (ap_owned_by_def_drv),
// so a 256 x 256 host is described without building 65,536 queue objects.

import { apqnKey } from '../core/apqn.js';
import { apOf } from '../kernel/ap/ap-subsystem.js';
import type { Host } from '../kernel/host.js';
import type { VmManager } from '../vmm/vm-manager.js';

export interface GridMdev {
  uuid: string;
  matrix: { adapters: number[]; domains: number[]; controlDomains: number[] };
  /** What the guest gets (the filtered shadow APCB on modern kernels). */
  guestMatrix: { adapters: number[]; domains: number[]; controlDomains: number[] };
  /** The VM using it (KVM attached), or null. */
  vm: string | null;
}

/** Cell codes: owner of each queue, row-major by adapter then domain. */
export const CELL = { none: 0, host: 1, vfioFree: 2, unbound: 3 } as const;
/** Codes from MDEV_BASE on name mdev index (code - MDEV_BASE) in `mdevs`. */
export const MDEV_BASE = 4;

export interface ApGrid {
  adapters: number[];
  /** Card type by adapter, e.g. CEX8C. */
  types: string[];
  domains: number[];
  controlDomains: number[];
  apmask: string;
  aqmask: string;
  mdevs: GridMdev[];
  /** adapters.length x domains.length owner codes (CELL, or MDEV_BASE + mdev index). */
  cells: number[];
}

export function apGrid(host: Host, vms?: VmManager): ApGrid {
  const { bus, lpar, vfioAp } = apOf(host);
  const adapters = [...bus.cards.keys()].sort((a, b) => a - b);
  const domains = lpar.usage.truncate(lpar.maxDomainId).ids();
  const holder = new Map<string, string>();
  for (const vm of vms?.list() ?? []) for (const d of vm.board.vfioDevices()) if (d.sysfsdev) holder.set(d.sysfsdev.split('/').pop()!, vm.id);
  const list = vfioAp.mdevList();
  const mdevs: GridMdev[] = list.map((m) => {
    const g = m.guestMasks();
    return {
      uuid: m.uuid,
      matrix: { adapters: m.matrix.apm.ids(), domains: m.matrix.aqm.ids(), controlDomains: m.matrix.adm.ids() },
      guestMatrix: { adapters: g.apm.ids(), domains: g.aqm.ids(), controlDomains: g.adm.ids() },
      vm: m.kvm ? (holder.get(m.uuid) ?? 'unknown') : null,
    };
  });
  const index = new Map(list.map((m, i) => [m, i]));
  const made = new Map<number, string | undefined>();
  for (const q of bus.queues.madeValues()) made.set(q.key, q.driver?.name);
  const cells: number[] = [];
  for (const apid of adapters)
    for (const apqi of domains) {
      const key = apqnKey(apid, apqi);
      if (!bus.queues.has(key)) {
        cells.push(CELL.none);
        continue;
      }
      const driver = made.has(key) ? made.get(key) : bus.reserved(apid, apqi) ? 'host' : 'vfio_ap';
      if (driver === undefined) cells.push(CELL.unbound);
      else if (driver === vfioAp.name || driver === 'vfio_ap') {
        const owner = vfioAp.ownerOf(apid, apqi);
        cells.push(owner ? MDEV_BASE + index.get(owner)! : CELL.vfioFree);
      } else cells.push(CELL.host);
    }
  return {
    adapters,
    types: adapters.map((a) => lpar.adapters.get(a) ?? ''),
    domains,
    controlDomains: lpar.control.ids(),
    apmask: bus.apmask.toHex(),
    aqmask: bus.aqmask.toHex(),
    mdevs,
    cells,
  };
}
