// struct ap_matrix_mdev and the store operations of its sysfs files (vfio_ap_ops.c):
// assign/unassign with the kernel's order of checks, shadow APCB filtering and hot plug.

import { ApMask } from '../../core/ap-mask.js';
import { apqnName } from '../../core/apqn.js';
import { KernelError } from '../../core/errno.js';
import { kstrtoul } from '../../core/kstrtoul.js';
import type { ApBus } from '../ap/ap-bus.js';
import { AP_RESPONSE_Q_NOT_AVAIL } from '../ap/ap-device.js';
import type { QciInfo } from '../ap/qci.js';
import type { Profile } from '../host-spec.js';
import type { KvmCrypto } from '../kvm/s390/kvm-crypto.js';
import type { MdevDevice } from '../mdev/mdev-device.js';
import type { KernelLog } from '../printk.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { emptyMatrix, type ApMatrix, type MatrixMasks } from './ap-matrix.js';
import { parseApConfig } from './ap-config-parse.js';
import type { VfioApQueue } from './vfio-ap-queue.js';

export const VFIO_AP_MDEV_DRIVER = 'vfio_ap_mdev';

/** An eventfd the driver signals (VFIO request and AP config-change IRQs). */
export interface Trigger {
  signal(): void;
}

/** What an mdev needs of the driver-wide state (struct ap_matrix_dev). */
export interface MatrixDevState {
  readonly profile: Profile;
  readonly info: QciInfo | undefined;
  readonly bus: ApBus;
  readonly log: KernelLog;
  /** mdev_list order: newest first (list_add). */
  mdevList(): readonly MatrixMdev[];
  /** The vfio_ap queue object of a queue device bound to vfio_ap. */
  queue(apid: number, apqi: number): VfioApQueue | undefined;
  /** The mdevs whose matrix holds this adapter, in mdev_list order. */
  adapterHolders(apid: number): readonly MatrixMdev[];
  /** Every change to any mdev's adapter mask must be announced, to keep adapterHolders true. */
  adaptersChanged(): void;
}

type Axis = 'adapter' | 'domain';

export class MatrixMdev {
  matrix: ApMatrix;
  shadow: MatrixMasks;
  kvm: KvmCrypto | undefined;
  vfio: VfioDevice | undefined;
  reqTrigger: Trigger | undefined;
  cfgChgTrigger: Trigger | undefined;
  /** Resources that joined the host configuration and this matrix, pending hot plug at scan end. */
  apmAdd = ApMask.empty();
  aqmAdd = ApMask.empty();
  admAdd = ApMask.empty();

  constructor(
    readonly mdev: MdevDevice,
    private readonly dev: MatrixDevState,
  ) {
    this.matrix = emptyMatrix(dev.info);
    this.shadow = { apm: ApMask.empty(), aqm: ApMask.empty(), adm: ApMask.empty() };
  }

  get uuid(): string {
    return this.mdev.uuid;
  }

  private get modern(): boolean {
    return this.dev.profile === 'modern';
  }

  private warn(text: string): void {
    this.dev.log.dev(VFIO_AP_MDEV_DRIVER, this.uuid, text);
  }

  /** Queues linked to this mdev (its qtable). */
  linkedQueues(): VfioApQueue[] {
    const out: VfioApQueue[] = [];
    for (const apid of this.matrix.apm)
      for (const apqi of this.matrix.aqm) {
        const q = this.dev.queue(apid, apqi);
        if (q?.mdev === this) out.push(q);
      }
    return out;
  }

  // ---- assign / unassign -------------------------------------------------------------

  /** models assign_adapter_store / assign_domain_store. */
  assign(axis: Axis, buf: string): void {
    if (!this.modern) return this.assignLegacy(axis, buf);
    const id = this.parseId(buf, axis === 'adapter' ? this.matrix.apmMax : this.matrix.aqmMax);
    const mask = axis === 'adapter' ? this.matrix.apm : this.matrix.aqm;
    if (mask.has(id)) return;
    mask.set(id);
    if (axis === 'adapter') this.dev.adaptersChanged();
    try {
      this.validateMasks(this.matrix.apm, this.matrix.aqm);
    } catch (e) {
      mask.clear(id);
      if (axis === 'adapter') this.dev.adaptersChanged();
      throw e;
    }
    if (axis === 'adapter') this.linkAdapter(id);
    else this.linkDomain(id);
    const { changed, filtered } = this.filterMatrix();
    if (changed) {
      this.updateGuestApcb();
      this.resetQueuesForApids(filtered);
    }
  }

  /** models the 4.20 assign stores: EBUSY while a guest holds the mdev, checked before parsing. */
  private assignLegacy(axis: Axis, buf: string): void {
    if (this.kvm) throw new KernelError('EBUSY');
    const id = this.parseId(buf, axis === 'adapter' ? this.matrix.apmMax : this.matrix.aqmMax);
    this.verifyQueuesBoundLegacy(axis, id);
    const mask = axis === 'adapter' ? this.matrix.apm : this.matrix.aqm;
    const wasSet = mask.has(id);
    mask.set(id);
    if (axis === 'adapter') this.dev.adaptersChanged();
    if (this.sharingConflict(this.matrix.apm, this.matrix.aqm)) {
      if (!wasSet) mask.clear(id);
      if (axis === 'adapter') this.dev.adaptersChanged();
      throw new KernelError('EADDRINUSE');
    }
  }

  /** models vfio_ap_mdev_verify_queues_reserved_for_apid/apqi: EADDRNOTAVAIL unless bound to vfio_ap. */
  private verifyQueuesBoundLegacy(axis: Axis, id: number): void {
    const others = axis === 'adapter' ? this.matrix.aqm.truncate(this.matrix.aqmMax) : this.matrix.apm.truncate(this.matrix.apmMax);
    const bound = (a: number, d: number) => this.dev.queue(a, d) !== undefined;
    if (others.isEmpty()) {
      for (const q of this.dev.bus.queues.values()) {
        if ((axis === 'adapter' ? q.apid : q.apqi) === id && bound(q.apid, q.apqi)) return;
      }
      throw new KernelError('EADDRNOTAVAIL');
    }
    for (const other of others) {
      const ok = axis === 'adapter' ? bound(id, other) : bound(other, id);
      if (!ok) throw new KernelError('EADDRNOTAVAIL');
    }
  }

  /** models unassign_adapter_store / unassign_domain_store. */
  unassign(axis: Axis, buf: string): void {
    if (!this.modern && this.kvm) throw new KernelError('EBUSY');
    const id = this.parseId(buf, axis === 'adapter' ? this.matrix.apmMax : this.matrix.aqmMax);
    const mask = axis === 'adapter' ? this.matrix.apm : this.matrix.aqm;
    if (!this.modern) {
      mask.clear(id);
      if (axis === 'adapter') this.dev.adaptersChanged();
      return;
    }
    if (!mask.has(id)) return;
    if (axis === 'adapter') this.hotUnplug(ApMask.of(id), ApMask.empty());
    else this.hotUnplug(ApMask.empty(), ApMask.of(id));
  }

  /** models assign_control_domain_store: no reservation or sharing checks. */
  assignControlDomain(buf: string): void {
    if (!this.modern && this.kvm) throw new KernelError('EBUSY');
    const id = this.parseId(buf, this.matrix.admMax);
    if (this.matrix.adm.has(id)) return;
    this.matrix.adm.set(id);
    if (this.modern && this.filterCdoms()) this.updateGuestApcb();
  }

  /** models unassign_control_domain_store. */
  unassignControlDomain(buf: string): void {
    if (!this.modern && this.kvm) throw new KernelError('EBUSY');
    const id = this.parseId(buf, this.matrix.admMax);
    this.matrix.adm.clear(id);
    if (this.modern && this.shadow.adm.has(id)) {
      this.shadow.adm.clear(id);
      this.updateGuestApcb();
    }
  }

  /** models ap_config_store: all three masks at once, all or nothing. */
  writeApConfig(buf: string): void {
    const next = parseApConfig(buf);
    const old = { apm: this.matrix.apm, aqm: this.matrix.aqm, adm: this.matrix.adm };
    this.validateMasks(next.apm, next.aqm);
    // models ap_matrix_overflow_check, which runs after the reservation and sharing checks
    if (next.apm.last() > this.matrix.apmMax || next.aqm.last() > this.matrix.aqmMax || next.adm.last() > this.matrix.admMax)
      throw new KernelError('ENODEV');
    const removed = { apm: old.apm.andNot(next.apm), aqm: old.aqm.andNot(next.aqm) };
    const added = { apm: next.apm.andNot(old.apm), aqm: next.aqm.andNot(old.aqm) };
    this.hotUnplug(removed.apm, removed.aqm);
    this.matrix.apm = next.apm.clone();
    this.matrix.aqm = next.aqm.clone();
    this.matrix.adm = next.adm.clone();
    this.dev.adaptersChanged();
    for (const apid of added.apm) this.linkAdapter(apid);
    for (const apqi of added.aqm) this.linkDomain(apqi);
    const { changed, filtered } = this.filterMatrix();
    const cdomsChanged = this.filterCdoms();
    if (changed || cdomsChanged) {
      this.updateGuestApcb();
      this.resetQueuesForApids(filtered);
    }
  }

  /** kstrtoul then the id limit: EINVAL/ERANGE, then ENODEV. */
  private parseId(buf: string, max: number): number {
    const value = kstrtoul(buf);
    if (value > BigInt(max)) throw new KernelError('ENODEV');
    return Number(value);
  }

  // ---- validation ----------------------------------------------------------------------

  /** models vfio_ap_mdev_validate_masks: host-reserved first (EADDRNOTAVAIL), then sharing. */
  private validateMasks(apm: ApMask, aqm: ApMask): void {
    if (this.dev.bus.anyReserved(apm, aqm)) throw new KernelError('EADDRNOTAVAIL');
    const owner = this.sharingConflict(apm, aqm);
    if (owner) {
      // models vfio_ap_mdev_log_sharing_err: one line per shared APQN, on the assignee
      for (const a of apm.and(owner.matrix.apm))
        for (const d of aqm.and(owner.matrix.aqm))
          this.warn(`Userspace may not assign queue ${apqnName(a, d)} to mdev: already assigned to ${owner.uuid}`);
      throw new KernelError('EADDRINUSE');
    }
  }

  /**
   * models vfio_ap_mdev_verify_no_sharing: the first other mdev (in mdev_list order) holding
   * one of apm x aqm. Only the holders of these adapters are looked at, not every mdev.
   */
  sharingConflict(apm: ApMask, aqm: ApMask): MatrixMdev | undefined {
    let found: MatrixMdev | undefined;
    let foundAt = Infinity;
    const list = this.dev.mdevList();
    for (const apid of apm)
      for (const other of this.dev.adapterHolders(apid)) {
        if (other === this || !other.matrix.aqm.intersects(aqm)) continue;
        const at = list.indexOf(other);
        if (at < foundAt) {
          found = other;
          foundAt = at;
        }
      }
    return found;
  }

  // ---- queue links -----------------------------------------------------------------------

  private linkAdapter(apid: number): void {
    for (const apqi of this.matrix.aqm) this.link(apid, apqi);
  }

  private linkDomain(apqi: number): void {
    for (const apid of this.matrix.apm) this.link(apid, apqi);
  }

  private link(apid: number, apqi: number): void {
    const q = this.dev.queue(apid, apqi);
    if (q) q.mdev = this;
  }

  /**
   * models vfio_ap_mdev_hot_unplug_adapters/domains: drop the ids from the matrix and the
   * shadow, push the smaller APCB, reset the queues the guest had, unlink them all.
   */
  private hotUnplug(apids: ApMask, apqis: ApMask): void {
    const toReset: VfioApQueue[] = [];
    const unlink: VfioApQueue[] = [];
    let apcbUpdate = false;
    for (const apid of this.matrix.apm)
      for (const apqi of this.matrix.aqm) {
        if (!apids.has(apid) && !apqis.has(apqi)) continue;
        const q = this.dev.queue(apid, apqi);
        if (q?.mdev !== this) continue;
        unlink.push(q);
        if (this.shadow.apm.has(apid) && this.shadow.aqm.has(apqi)) toReset.push(q);
      }
    if (!apids.isEmpty()) this.dev.adaptersChanged();
    for (const apid of apids) {
      this.matrix.apm.clear(apid);
      if (this.shadow.apm.has(apid)) {
        this.shadow.apm.clear(apid);
        apcbUpdate = true;
      }
    }
    for (const apqi of apqis) {
      this.matrix.aqm.clear(apqi);
      if (this.shadow.aqm.has(apqi)) {
        this.shadow.aqm.clear(apqi);
        apcbUpdate = true;
      }
    }
    if (apcbUpdate) this.updateGuestApcb();
    for (const q of toReset) q.reset();
    for (const q of unlink) q.mdev = undefined;
  }

  // ---- shadow APCB ---------------------------------------------------------------------

  /**
   * models vfio_ap_mdev_filter_matrix: shadow = matrix ∩ host config, minus every adapter
   * with a queue that is not linked or not passable. Returns the adapters the guest lost.
   */
  filterMatrix(): { changed: boolean; filtered: ApMask } {
    const info = this.dev.info;
    const prev = { apm: this.shadow.apm, aqm: this.shadow.aqm };
    const apm = info ? this.matrix.apm.and(info.apm) : ApMask.empty();
    const aqm = info ? this.matrix.aqm.and(info.aqm) : ApMask.empty();
    const filtered = ApMask.empty();
    for (const apid of apm) {
      for (const apqi of aqm) {
        const q = this.dev.queue(apid, apqi);
        if (q?.mdev !== this || !q.passable) {
          apm.clear(apid);
          if (prev.apm.has(apid)) filtered.set(apid);
          break;
        }
      }
    }
    this.shadow.apm = apm;
    this.shadow.aqm = aqm;
    return { changed: !prev.apm.equals(apm) || !prev.aqm.equals(aqm), filtered };
  }

  /** models vfio_ap_mdev_filter_cdoms: shadow.adm = matrix.adm ∩ host control domains. */
  filterCdoms(): boolean {
    const prev = this.shadow.adm;
    this.shadow.adm = this.dev.info ? this.matrix.adm.and(this.dev.info.adm) : ApMask.empty();
    return !prev.equals(this.shadow.adm);
  }

  /** models vfio_ap_mdev_update_guest_apcb: push the shadow into an attached guest's CRYCB. */
  updateGuestApcb(): void {
    if (!this.kvm) return;
    this.kvm.setMasks(this.shadow.apm, this.shadow.aqm, this.shadow.adm);
    this.cfgChgTrigger?.signal();
  }

  /** models reset_queues_for_apids: reset every linked queue of those adapters. */
  resetQueuesForApids(apids: ApMask): void {
    for (const apid of apids)
      for (const apqi of this.matrix.aqm) {
        const q = this.dev.queue(apid, apqi);
        if (q?.mdev === this) q.reset();
      }
  }

  /** models vfio_ap_mdev_reset_queues: ZAPQ each queue and return the response codes. */
  resetQueues(): number[] {
    if (this.modern) return this.linkedQueues().map((q) => q.reset());
    // 4.20 links no queues: it resets every APQN of the matrix, bound to vfio_ap or not
    const codes: number[] = [];
    for (const apid of this.matrix.apm.truncate(this.matrix.apmMax))
      for (const apqi of this.matrix.aqm.truncate(this.matrix.aqmMax)) {
        const q = this.dev.queue(apid, apqi);
        codes.push(q ? q.reset() : (this.dev.bus.queue(apid, apqi)?.zapq() ?? AP_RESPONSE_Q_NOT_AVAIL));
      }
    return codes;
  }

  /** The masks a guest gets: the filtered shadow (modern) or the raw matrix (legacy). */
  guestMasks(): MatrixMasks {
    if (this.modern) return this.shadow;
    return { apm: this.matrix.apm, aqm: this.matrix.aqm, adm: this.matrix.adm };
  }
}
