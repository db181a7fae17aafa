// The vfio_ap driver (vfio_ap_drv.c, vfio_ap_ops.c): the matrix device, the AP queue
// driver with its in_use veto and host-config callbacks, and the mdev driver.

import { ApMask } from '../../core/ap-mask.js';
import { apqnKey, apqnName, type ApqnKey } from '../../core/apqn.js';
import { KernelError } from '../../core/errno.js';
import type { ApBus } from '../ap/ap-bus.js';
import type { ApDevice, ApQueue } from '../ap/ap-device.js';
import type { ApDriver } from '../ap/ap-driver.js';
import type { ApSysfs } from '../ap/ap-sysfs.js';
import type { QciInfo } from '../ap/qci.js';
import type { KernelContext } from '../kernel-context.js';
import type { MdevCore } from '../mdev/mdev-core.js';
import { MdevDevice, MdevParent, type MdevDriver, type MdevType } from '../mdev/mdev-device.js';
import type { VfioCore } from '../vfio/vfio-core.js';
import { Attr } from '../vfs/node.js';
import { deviceUeventAttr, ueventAttr } from '../vfs/uevent.js';
import { mdevAttributes } from './mdev-attributes.js';
import { MatrixMdev, VFIO_AP_MDEV_DRIVER, type MatrixDevState } from './matrix-mdev.js';
import { VfioApQueue } from './vfio-ap-queue.js';
import { VfioApDeviceOps } from './vfio-ap-device-ops.js';

export const MATRIX_PATH = '/sys/devices/vfio_ap/matrix';
export const MDEV_TYPE_ID = 'vfio_ap-passthrough';
/** MAX_ZDEV_ENTRIES_EXT: 256 adapters x 256 domains. */
export const MAX_ZDEV_ENTRIES_EXT = 256 * 256;
/** models VFIO_AP_MDEV_TYPE_HWVIRT's name and VFIO_DEVICE_API_AP_STRING. */
export const MDEV_TYPE_NAME = 'VFIO AP Passthrough Device';
export const VFIO_DEVICE_API_AP_STRING = 'vfio-ap';

export interface VfioApSnapshot {
  info: unknown;
  mdevs: { uuid: string; group: number; apm: string; aqm: string; adm: string; shadow: { apm: string; aqm: string; adm: string } }[];
  /** Queues whose last reset answered something other than 00. */
  resetStatus: { apqn: string; rc: number }[];
}

export class VfioAp implements MatrixDevState, ApDriver {
  readonly name: string;
  readonly isDefault = false;
  /** mdev_list: newest first. */
  private readonly list: MatrixMdev[] = [];
  readonly byUuid = new Map<string, MatrixMdev>();
  readonly queues = new Map<ApqnKey, VfioApQueue>();
  readonly mdevType: MdevType;
  readonly parent: MdevParent;
  info: QciInfo | undefined;
  private readonly statusAttrs = new WeakMap<ApDevice, ReadonlyMap<string, Attr>>();

  constructor(
    private readonly ctx: KernelContext,
    readonly bus: ApBus,
    private readonly mdevCore: MdevCore,
    private readonly vfio: VfioCore,
  ) {
    // The AP queue driver is "vfio_ap"; the mdev driver is vfio_ap_mdev (legacy: the generic vfio_mdev).
    this.name = 'vfio_ap';
    const mdevDriver: MdevDriver = {
      name: this.modern ? VFIO_AP_MDEV_DRIVER : 'vfio_mdev',
      probe: (m) => this.probeMdev(m),
      remove: (m) => this.removeMdev(m),
      attributes: (m) => this.mdevAttrs(m),
    };
    this.mdevType = {
      id: MDEV_TYPE_ID,
      name: MDEV_TYPE_NAME,
      deviceApi: VFIO_DEVICE_API_AP_STRING,
      maxInstances: MAX_ZDEV_ENTRIES_EXT,
      driver: mdevDriver,
      // modern: the mdev core's counter (-EUSERS); 4.20: vfio_ap's own counter in create (-EPERM)
      exhaustedErrno: this.modern ? 'EUSERS' : undefined,
    };
    this.parent = new MdevParent('matrix', MATRIX_PATH, [this.mdevType]);
  }

  get profile() {
    return this.ctx.profile;
  }

  get log() {
    return this.ctx.log;
  }

  private get modern(): boolean {
    return this.ctx.profile === 'modern';
  }

  mdevList(): readonly MatrixMdev[] {
    return this.list;
  }

  queue(apid: number, apqi: number): VfioApQueue | undefined {
    return this.queues.get(apqnKey(apid, apqi));
  }

  private holders: MatrixMdev[][] | undefined;

  adapterHolders(apid: number): readonly MatrixMdev[] {
    if (!this.holders) {
      const index: MatrixMdev[][] = Array.from({ length: 256 }, () => []);
      for (const m of this.list) for (const a of m.matrix.apm) index[a]!.push(m);
      this.holders = index;
    }
    return this.holders[apid]!;
  }

  adaptersChanged(): void {
    this.holders = undefined;
  }

  /** models vfio_ap_init: matrix device, queue driver, mdev driver and parent. */
  load(apSysfs: ApSysfs): void {
    const { vfs } = this.ctx;
    this.info = this.bus.lpar.queryQci();
    const root = vfs.mkdirp('/sys/devices/vfio_ap');
    root.add('uevent', deviceUeventAttr(() => ''));
    const matrix = vfs.mkdirp(MATRIX_PATH);
    matrix.add('uevent', deviceUeventAttr(() => 'DRIVER=vfio_ap\n'));
    matrix.dir('power');
    if (this.modern) matrix.add('features', Attr.value('guest_matrix hotplug ap_config\n'));
    vfs.link(`${MATRIX_PATH}/subsystem`, '/sys/bus/matrix');
    vfs.link(`${MATRIX_PATH}/driver`, '/sys/bus/matrix/drivers/vfio_ap');
    vfs.link('/sys/bus/matrix/devices/matrix', MATRIX_PATH);
    vfs.link('/sys/bus/matrix/drivers/vfio_ap/matrix', MATRIX_PATH);
    vfs.attach('/sys/bus/matrix/drivers/vfio_ap/uevent', ueventAttr());
    vfs.attach('/sys/bus/matrix/uevent', ueventAttr());
    this.bus.registerDriver(this);
    apSysfs.publishDriver(this);
    this.mdevCore.registerDriver(this.mdevType.driver);
    this.mdevCore.registerParent(this.parent);
    this.ctx.log.dev('vfio_ap', 'matrix', 'MDEV: Registered');
  }

  // ---- AP queue driver -------------------------------------------------------------------

  /** vfio_ap's id table: CEX4..CEX8 queues. */
  matches(dev: ApDevice): boolean {
    return dev.kind === 'queue' && dev.card.model.hwtype >= 10 && dev.card.model.hwtype <= 14;
  }

  /** models vfio_ap_mdev_probe_queue: link to the mdev holding the APQN and hot plug it. */
  probe(dev: ApDevice): void {
    if (dev.kind !== 'queue') throw new KernelError('ENODEV');
    const q = new VfioApQueue(dev);
    this.queues.set(dev.key, q);
    if (!this.modern) return;
    const owner = this.ownerOf(dev.apid, dev.apqi);
    if (!owner) return;
    q.mdev = owner;
    // a host-config add in progress: on_scan_complete filters once every new queue is probed
    if (!owner.apmAdd.isEmpty() || !owner.aqmAdd.isEmpty()) return;
    const { changed, filtered } = owner.filterMatrix();
    if (changed) {
      owner.updateGuestApcb();
      owner.resetQueuesForApids(filtered);
    }
  }

  /** models vfio_ap_mdev_remove_queue: unplug the whole adapter if the guest had the queue. */
  remove(dev: ApDevice): void {
    if (dev.kind !== 'queue') return;
    const q = this.queues.get(dev.key);
    if (!q) return;
    const m = q.mdev;
    if (this.modern) {
      if (m && m.shadow.apm.has(dev.apid) && m.shadow.aqm.has(dev.apqi)) {
        m.shadow.apm.clear(dev.apid);
        m.updateGuestApcb();
        m.resetQueuesForApids(ApMask.of(dev.apid));
      } else if (this.info?.apm.has(dev.apid) && this.info.aqm.has(dev.apqi)) {
        q.reset();
      }
    }
    q.mdev = undefined;
    this.queues.delete(dev.key);
  }

  /** models vfio_ap_mdev_for_queue: the mdev whose matrix holds the APQN. */
  ownerOf(apid: number, apqi: number): MatrixMdev | undefined {
    return this.list.find((m) => m.matrix.apm.has(apid) && m.matrix.aqm.has(apqi));
  }

  /** The queue `status` attribute (dynamic kernels and later). */
  attributes(dev: ApDevice): ReadonlyMap<string, Attr> {
    if (!this.modern || dev.kind !== 'queue') return new Map();
    let attrs = this.statusAttrs.get(dev);
    if (!attrs) {
      attrs = new Map([['status', Attr.ro(() => this.queueStatus(dev))]]);
      this.statusAttrs.set(dev, attrs);
    }
    return attrs;
  }

  /** models status_show: in use only when the guest really has the APQN in its APCB. */
  private queueStatus(dev: ApQueue): string {
    const m = this.ownerOf(dev.apid, dev.apqi);
    if (!m) return 'unassigned\n';
    if (m.kvm && m.shadow.apm.has(dev.apid) && m.shadow.aqm.has(dev.apqi)) return 'in use\n';
    return 'assigned\n';
  }

  /**
   * models vfio_ap_mdev_resource_in_use: the apmask/aqmask veto. Logs every APQN of the
   * first mdev that holds one of apm x aqm. The 4.20 driver had no such callback.
   */
  inUse(apm: ApMask, aqm: ApMask): boolean {
    if (!this.modern) return false;
    for (const m of this.list) {
      if (!m.matrix.apm.intersects(apm) || !m.matrix.aqm.intersects(aqm)) continue;
      for (const a of apm.and(m.matrix.apm))
        for (const d of aqm.and(m.matrix.aqm))
          this.log.dev(VFIO_AP_MDEV_DRIVER, m.uuid, `Can not reserve queue ${apqnName(a, d)} for host driver: in use by mdev`);
      return true;
    }
    return false;
  }

  /** models vfio_ap_on_cfg_changed: unplug what left, remember what joined, store the new QCI. */
  onConfigChanged(next: QciInfo, prev: QciInfo): void {
    if (!this.modern) return;
    const removed = { apm: prev.apm.andNot(next.apm), aqm: prev.aqm.andNot(next.aqm), adm: prev.adm.andNot(next.adm) };
    for (const m of this.list) {
      let hotplug = false;
      for (const key of ['apm', 'aqm', 'adm'] as const) {
        const kept = m.shadow[key].andNot(removed[key]);
        if (!kept.equals(m.shadow[key])) {
          m.shadow[key] = kept;
          hotplug = true;
        }
      }
      if (hotplug) m.updateGuestApcb();
    }
    const added = { apm: next.apm.andNot(prev.apm), aqm: next.aqm.andNot(prev.aqm), adm: next.adm.andNot(prev.adm) };
    for (const m of this.list) {
      m.apmAdd = m.matrix.apm.and(added.apm);
      m.aqmAdd = m.matrix.aqm.and(added.aqm);
      m.admAdd = m.matrix.adm.and(added.adm);
    }
    this.info = next;
  }

  /** models vfio_ap_on_scan_complete: hot plug what joined once its queues are bound. */
  onScanComplete(): void {
    if (!this.modern) return;
    for (const m of this.list) {
      let update = false;
      let filtered = ApMask.empty();
      if (!m.apmAdd.isEmpty() || !m.aqmAdd.isEmpty()) {
        const r = m.filterMatrix();
        update = r.changed;
        filtered = r.filtered;
      }
      if (!m.admAdd.isEmpty()) update = m.filterCdoms() || update;
      if (update) m.updateGuestApcb();
      m.resetQueuesForApids(filtered);
      m.apmAdd = ApMask.empty();
      m.aqmAdd = ApMask.empty();
      m.admAdd = ApMask.empty();
    }
  }

  // ---- mdev driver ----------------------------------------------------------------------

  /** models vfio_ap_mdev_probe (4.20: vfio_ap_mdev_create with its own instance counter). */
  private probeMdev(mdev: MdevDevice, groupId?: number): MatrixMdev {
    if (!this.modern && this.list.length >= this.mdevType.maxInstances) throw new KernelError('EPERM');
    const m = new MatrixMdev(mdev, this);
    const ops = new VfioApDeviceOps(m, this);
    m.vfio = this.vfio.registerEmulatedIommuDevice(mdev.uuid, mdev.path, ops, groupId);
    this.log.dev(this.mdevType.driver.name, mdev.uuid, `Adding to iommu group ${m.vfio.group.id}`);
    // 4.20: the mdev core's mdev_attach_iommu made the group and said so
    if (!this.modern) this.log.dev(this.mdevType.driver.name, mdev.uuid, `MDEV: group_id = ${m.vfio.group.id}`);
    this.list.unshift(m);
    this.byUuid.set(mdev.uuid, m);
    return m;
  }

  /** models vfio_ap_mdev_remove: waits for user space to let go, resets and unlinks the queues. */
  private removeMdev(mdev: MdevDevice): void {
    const m = this.byUuid.get(mdev.uuid);
    if (!m) return;
    // 4.20's parent-ops remove refuses while a guest holds the mdev
    if (!this.modern && m.kvm) throw new KernelError('EBUSY');
    if (m.vfio) {
      this.vfio.unregister(m.vfio);
      this.log.dev(this.mdevType.driver.name, mdev.uuid, `Removing from iommu group ${m.vfio.group.id}`);
      // 4.20: mdev_detach_iommu
      if (!this.modern) this.log.dev(this.mdevType.driver.name, mdev.uuid, 'MDEV: detaching iommu');
    }
    m.resetQueues();
    for (const q of m.linkedQueues()) q.mdev = undefined;
    this.list.splice(this.list.indexOf(m), 1);
    this.byUuid.delete(mdev.uuid);
    this.adaptersChanged();
  }

  private readonly attrCache = new WeakMap<MdevDevice, ReadonlyMap<string, Attr>>();

  private mdevAttrs(mdev: MdevDevice): ReadonlyMap<string, Attr> {
    let attrs = this.attrCache.get(mdev);
    const m = this.byUuid.get(mdev.uuid);
    if (!attrs && m) {
      attrs = mdevAttributes(m, this.modern);
      this.attrCache.set(mdev, attrs);
    }
    return attrs ?? new Map();
  }

  // ---- snapshots ------------------------------------------------------------------------

  snapshot(): VfioApSnapshot {
    return {
      info: this.info ?? null,
      // oldest first, so restoring with unshift rebuilds the same list order
      mdevs: [...this.list].reverse().map((m) => ({
        uuid: m.uuid,
        group: m.vfio!.group.id,
        apm: m.matrix.apm.toHex(),
        aqm: m.matrix.aqm.toHex(),
        adm: m.matrix.adm.toHex(),
        shadow: { apm: m.shadow.apm.toHex(), aqm: m.shadow.aqm.toHex(), adm: m.shadow.adm.toHex() },
      })),
      resetStatus: [...this.queues.values()]
        .filter((q) => q.resetStatus !== 0)
        .sort((a, b) => a.dev.key - b.dev.key)
        .map((q) => ({ apqn: q.dev.name, rc: q.resetStatus })),
    };
  }

  /** Rebuilds the driver's state over a restored AP bus, without replaying any store. */
  restore(s: VfioApSnapshot): void {
    this.info = s.info ? reviveInfo(s.info as Record<string, unknown>) : undefined;
    for (const q of this.bus.queuesBoundTo(this)) this.queues.set(q.key, new VfioApQueue(q));
    for (const r of s.resetStatus) {
      const dev = this.bus.device(r.apqn);
      if (dev?.kind === 'queue') {
        const q = this.queues.get(dev.key);
        if (q) q.resetStatus = r.rc;
      }
    }
    for (const saved of s.mdevs) {
      const mdev = this.mdevCore.add(new MdevDevice(saved.uuid, this.parent, this.mdevType), false);
      const m = this.probeMdev(mdev, saved.group);
      m.matrix.apm = ApMask.fromHex(saved.apm);
      this.adaptersChanged();
      m.matrix.aqm = ApMask.fromHex(saved.aqm);
      m.matrix.adm = ApMask.fromHex(saved.adm);
      m.shadow = { apm: ApMask.fromHex(saved.shadow.apm), aqm: ApMask.fromHex(saved.shadow.aqm), adm: ApMask.fromHex(saved.shadow.adm) };
      // 4.20 never links queues to an mdev; modern links every assigned queue bound to vfio_ap
      if (this.modern)
        for (const apid of m.matrix.apm)
          for (const apqi of m.matrix.aqm) {
            const q = this.queue(apid, apqi);
            if (q) q.mdev = m;
          }
    }
  }

}

function reviveInfo(q: Record<string, unknown>): QciInfo {
  const mask = (m: unknown): ApMask => ApMask.fromHex(String(m));
  return { apxa: q.apxa === true, na: Number(q.na), nd: Number(q.nd), apm: mask(q.apm), aqm: mask(q.aqm), adm: mask(q.adm) };
}

