// The AP bus (drivers/s390/crypto/ap_bus.c): devices built from the LPAR configuration,
// the apmask/aqmask reservation, driver binding and the rescan path.

import { ApMask } from '../../core/ap-mask.js';
import { apqnKey, parseApqnName } from '../../core/apqn.js';
import { KernelError } from '../../core/errno.js';
import { sysfsStreqName } from '../base/bus-type.js';
import type { KernelContext } from '../kernel-context.js';
import { ApCard, ApQueue, type ApDevice } from './ap-device.js';
import { QueueTable } from './queue-table.js';
import { reviveQci, type ApBusSnapshot } from './ap-bus-snapshot.js';
import { ApMachine } from './ap-machine.js';
import type { ApDriver } from './ap-driver.js';
import { cardModel } from './card-type.js';
import { qciEquals, type LparConfig, type QciInfo } from './qci.js';

export class ApBus {
  readonly cards = new Map<number, ApCard>();
  readonly queues = new QueueTable();
  readonly drivers: ApDriver[] = [];
  /** ap_perms: all ones unless ap.apmask=/ap.aqmask= were given at boot. */
  apmask = ApMask.full();
  aqmask = ApMask.full();
  /** The QCI the bus fetched at its last scan (ap_qci_info). */
  qci: QciInfo | undefined;
  apDomain = -1;
  configTime = 30;
  pollThread = false;
  pollTimeout = 250_000n;
  scans = 0n;
  /** The driver core's drivers_autoprobe: new devices found by a scan are probed only while set. */
  driversAutoprobe = true;
  /** Reservation when the table's queues were implied (boot scan or restore): it binds those still implied. */
  private impliedReserved: ((apid: number, apqi: number) => boolean) | undefined;
  /** The AP hardware under the bus: the queues NQAP, DQAP, TAPQ, RAPQ and ZAPQ reach. */
  readonly machine: ApMachine;

  constructor(
    private readonly ctx: KernelContext,
    readonly lpar: LparConfig,
  ) {
    this.machine = new ApMachine(lpar, {
      adapter: (apid) => {
        const card = this.cards.get(apid);
        if (card) return card;
        const type = lpar.adapters.get(apid);
        return type === undefined ? undefined : { model: cardModel(type), config: true, chkstop: false };
      },
      queueChkstop: (apid, apqi) => this.queue(apid, apqi)?.chkstop ?? false,
      irqEnabled: (apid, apqi) => this.queue(apid, apqi)?.interruptsEnabled ?? false,
    });
  }

  /** models ap_owned_by_def_drv: an APQN is host-reserved iff both mask bits are set. */
  reserved(apid: number, apqi: number): boolean {
    return this.apmask.has(apid) && this.aqmask.has(apqi);
  }

  /** models ap_apqn_in_matrix_owned_by_def_drv. */
  anyReserved(apm: ApMask, aqm: ApMask): boolean {
    return this.apmask.intersects(apm) && this.aqmask.intersects(aqm);
  }

  /** A card's queues, by domain (without touching the other cards' queues). */
  *queuesOf(card: ApCard): IterableIterator<ApQueue> {
    for (let apqi = 0; apqi <= 255; apqi++) {
      const q = this.queues.get(apqnKey(card.apid, apqi));
      if (q) yield q;
    }
  }

  queue(apid: number, apqi: number): ApQueue | undefined {
    return this.queues.get(apqnKey(apid, apqi));
  }

  device(name: string): ApDevice | undefined {
    const q = parseApqnName(name);
    if (q) return this.queue(q.apid, q.apqi);
    const c = /^card([0-9a-f]{2})$/.exec(name);
    return c ? this.cards.get(parseInt(c[1]!, 16)) : undefined;
  }

  driver(name: string): ApDriver | undefined {
    return this.drivers.find((d) => d.name === name);
  }

  /** models ap_driver_register: the driver then probes every unbound device it matches. */
  registerDriver(drv: ApDriver): void {
    this.drivers.push(drv);
    for (const card of this.cards.values()) if (!card.driver && drv.matches(card)) this.tryProbe(drv, card);
    // of the queues still implied, only those no driver took when they were probed can be unbound
    const reserved = this.impliedReserved;
    const unbound = reserved ? this.queues.makeWhere((apid, apqi) => !reserved(apid, apqi)) : [];
    for (const q of [...this.queues.madeValues(), ...unbound]) if (!q.driver && drv.matches(q)) this.tryProbe(drv, q);
  }

  *devices(): IterableIterator<ApDevice> {
    yield* this.cards.values();
    yield* this.queues.values();
  }

  /** models ap_device_probe: a driver whose default flag disagrees with the reservation is refused. */
  private tryProbe(drv: ApDriver, dev: ApDevice): boolean {
    if (dev.kind === 'queue' && this.reserved(dev.apid, dev.apqi) !== drv.isDefault) return false;
    try {
      drv.probe(dev);
    } catch (e) {
      if (e instanceof KernelError) return false;
      throw e;
    }
    dev.driver = drv;
    return true;
  }

  /** models bus_probe_device: the first matching driver that accepts the device wins. */
  probe(dev: ApDevice): void {
    for (const drv of this.drivers) if (drv.matches(dev) && this.tryProbe(drv, dev)) return;
  }

  /** models device_release_driver. */
  release(dev: ApDevice): void {
    const drv = dev.driver;
    if (!drv) return;
    if (dev.kind === 'queue') return dev.removeDriver(() => drv.remove(dev));
    drv.remove(dev);
    dev.driver = undefined;
  }

  /** models the driver core's bind_store on /sys/bus/ap/drivers/<drv>/bind. */
  bind(drv: ApDriver, buf: string): void {
    const dev = this.device(sysfsStreqName(buf));
    if (!dev || !drv.matches(dev)) throw new KernelError('ENODEV');
    if (dev.driver) throw new KernelError(this.ctx.profile === 'legacy' ? 'ENODEV' : 'EBUSY');
    if (!this.tryProbe(drv, dev)) throw new KernelError('ENODEV');
  }

  /** models unbind_store: only a device bound to this driver can be unbound. */
  unbind(drv: ApDriver, buf: string): void {
    const dev = this.device(sysfsStreqName(buf));
    if (!dev || dev.driver !== drv) throw new KernelError('ENODEV');
    this.release(dev);
  }

  /**
   * models apmask_store/aqmask_store with apmask_commit/aqmask_commit: newly reserved
   * APQNs are offered to every driver's in_use veto (EBUSY), then changed queues are re-probed.
   */
  setMask(which: 'apmask' | 'aqmask', next: ApMask): void {
    const current = which === 'apmask' ? this.apmask : this.aqmask;
    if (next.equals(current)) return;
    const added = next.andNot(current);
    if (!added.isEmpty()) {
      const [apm, aqm] = which === 'apmask' ? [added, this.aqmask] : [this.apmask, added];
      for (const drv of this.drivers) if (drv.inUse?.(apm, aqm)) throw new KernelError('EBUSY');
    }
    if (which === 'apmask') this.apmask = next;
    else this.aqmask = next;
    this.reviseBindings();
  }

  /** models ap_bus_revise_bindings: re-probe bound queues whose reservation flipped. */
  reviseBindings(): void {
    for (const q of this.queues.values()) {
      if (!q.driver) continue;
      if (this.reserved(q.apid, q.apqi) !== q.driver.isDefault) {
        this.release(q);
        this.probe(q);
      }
    }
  }

  /** models ap_scan_bus: fetch QCI, tell drivers of a change, add/remove devices, select a domain. */
  scan(): void {
    const prev = this.qci;
    const next = this.lpar.queryQci();
    const changed = this.scans > 0n && !qciEquals(prev, next);
    this.qci = next;
    if (changed && prev && next) for (const drv of this.drivers) drv.onConfigChanged?.(next, prev);
    this.selectDomain();
    const domains = this.lpar.usage.truncate(this.lpar.maxDomainId).ids();
    // a booting bus implies its queues instead of making them (a 256 x 256 host would make 65,536)
    const booting = this.scans === 0n && this.cards.size === 0 && this.queues.size === 0 && this.driversAutoprobe;
    for (let apid = 0; apid <= 255; apid++) this.scanAdapter(apid, booting ? [] : domains);
    if (booting) this.implyProbedQueues(domains);
    if (changed && prev && next) for (const drv of this.drivers) drv.onScanComplete?.(next, prev);
    // queues of APQNs that left the configuration are gone from the hardware, entries and all
    this.machine.prune();
    this.scans++;
  }

  /** models ap_scan_adapter; `domains` are the configured usage domains, ascending. */
  private scanAdapter(apid: number, domains: readonly number[]): void {
    const type = apid <= this.lpar.maxAdapterId ? this.lpar.adapters.get(apid) : undefined;
    let card = this.cards.get(apid);
    if (type === undefined) {
      if (card) this.removeCard(card);
      return;
    }
    if (card) {
      // an existing card may have queues in domains that left the configuration
      for (let apqi = 0; apqi <= 255; apqi++) {
        const q = this.queues.get(apqnKey(apid, apqi));
        if (q && !(apqi <= this.lpar.maxDomainId && this.lpar.usage.has(apqi))) this.removeQueue(q);
      }
    } else {
      card = new ApCard(apid, cardModel(type));
      this.cards.set(apid, card);
      if (this.driversAutoprobe) this.probe(card);
    }
    for (const apqi of domains) {
      const key = apqnKey(apid, apqi);
      if (this.queues.has(key)) continue;
      const q = new ApQueue(card, apqi, this.machine);
      this.queues.set(key, q);
      if (this.driversAutoprobe) this.probe(q);
    }
  }

  /**
   * Every card's queues in `domains`, each made on first use as ap_device_probe would leave
   * it now (a boot's first scan, a restore): bound by the drivers registered now, the
   * default one when host-reserved, else the other one, or unbound until it registers
   * (cex4queue's probe changes nothing else on a queue with nothing pending).
   */
  private implyProbedQueues(domains: readonly number[]): void {
    const reserved = this.reservedAt(this.apmask, this.aqmask);
    const registered = [...this.drivers];
    this.queues.imply(this.cards.keys(), domains, (apid, apqi) => {
      const q = new ApQueue(this.cards.get(apid)!, apqi, this.machine);
      q.driver = registered.find((d) => d.matches(q) && d.isDefault === reserved(apid, apqi));
      return q;
    });
    this.impliedReserved = reserved;
  }

  /** models ap_scan_rm_card_dev_and_queue_devs: queues go first, then the card. */
  private removeCard(card: ApCard): void {
    for (const q of [...this.queuesOf(card)]) this.removeQueue(q);
    this.release(card);
    this.cards.delete(card.apid);
  }

  private removeQueue(q: ApQueue): void {
    this.release(q);
    this.queues.delete(q.key);
  }

  /**
   * models ap_select_domain: a domain once chosen stays chosen (even if it leaves the
   * configuration or aqmask); otherwise the first configured domain in aqmask for which
   * some configured adapter in apmask answers TAPQ with response code 00.
   */
  private selectDomain(): void {
    if (this.apDomain >= 0) return;
    const { lpar } = this;
    for (const dom of lpar.usage.and(this.aqmask)) {
      if (dom > lpar.maxDomainId) break;
      for (const [apid] of lpar.adapters) {
        if (apid > lpar.maxAdapterId || !this.apmask.has(apid)) continue;
        const card = this.cards.get(apid);
        // TAPQ answers 03 (deconfigured) or 04 (checkstopped) instead of 00
        if (card && (!card.config || card.chkstop)) continue;
        this.apDomain = dom;
        return;
      }
    }
  }

  /** models ap_calc_bound_apqns for the `bindings` attribute. */
  bindingCounts(): { apqns: number; bound: number } {
    let bound = 0;
    for (const q of this.queues.values()) if (q.driver) bound++;
    return { apqns: this.queues.size, bound };
  }

  snapshot(): ApBusSnapshot {
    const hw = this.machine.snapshot();
    // sorted by id, so equal twins give equal snapshots whatever order devices were found in
    const cards = [...this.cards.values()]
      .sort((a, b) => a.apid - b.apid)
      .filter((c) => c.driver !== this.expectedDriver(c) || !c.config || c.chkstop || !c.online || c.requestCount !== 0n)
      .map((c) => ({
        apid: c.apid,
        config: c.config,
        chkstop: c.chkstop,
        online: c.online,
        requestCount: String(c.requestCount),
        driver: c.driver?.name ?? null,
      }));
    // queues not made since the restore are in their probe state: the sparse snapshot skips them
    const queues = [...this.queues.madeValues()]
      .sort((a, b) => a.key - b.key)
      .filter((q) => q.driver !== this.expectedDriver(q) || !q.online || q.chkstop || q.requestCount !== 0n || q.smState)
      .map((q) => {
        const sm = q.smState;
        return { apqn: q.name, driver: q.driver?.name ?? null, online: q.online, chkstop: q.chkstop, requestCount: String(q.requestCount), ...(sm ? { sm } : {}) };
      });
    return {
      qci: this.qci ?? null,
      apmask: this.apmask.toHex(),
      aqmask: this.aqmask.toHex(),
      apDomain: this.apDomain,
      configTime: this.configTime,
      pollThread: this.pollThread,
      pollTimeout: String(this.pollTimeout),
      scans: String(this.scans),
      driversAutoprobe: this.driversAutoprobe,
      cards,
      queues,
      // the hardware's queues only when one holds something (idle hardware is implied)
      ...(hw.queues.length ? { hw } : {}),
    };
  }

  /**
   * The queues bound to a driver. A queue the table still implies is bound as the probe at
   * the restore bound it (the default driver when host-reserved then, else the other one),
   * so only those that can be the driver's are made.
   */
  *queuesBoundTo(drv: ApDriver): IterableIterator<ApQueue> {
    for (const q of [...this.queues.madeValues()]) if (q.driver === drv) yield q;
    const reserved = this.impliedReserved;
    if (!reserved) return;
    for (const q of [...this.queues.makeWhere((apid, apqi) => reserved(apid, apqi) === drv.isDefault)]) if (q.driver === drv) yield q;
  }

  /** Host reservation as masks give it (a copy: later mask writes do not change it). */
  private reservedAt(apmask: ApMask, aqmask: ApMask): (apid: number, apqi: number) => boolean {
    const ap = ApMask.fromHex(apmask.toHex());
    const aq = ApMask.fromHex(aqmask.toHex());
    return (apid, apqi) => ap.has(apid) && aq.has(apqi);
  }

  /** The driver a fresh probe would pick (for sparse snapshots). */
  private expectedDriver(dev: ApDevice): ApDriver | undefined {
    if (dev.kind === 'card') return this.drivers.find((d) => d.matches(dev));
    return this.drivers.find((d) => d.matches(dev) && d.isDefault === this.reserved(dev.apid, dev.apqi));
  }

  /**
   * Rebuilds devices from the LPAR configuration and applies a snapshot without calling
   * driver callbacks: drivers restore their own private state afterwards.
   */
  restore(s: ApBusSnapshot): void {
    this.apmask = ApMask.fromHex(s.apmask);
    this.aqmask = ApMask.fromHex(s.aqmask);
    this.qci = s.qci ? reviveQci(s.qci) : undefined;
    this.apDomain = s.apDomain;
    this.configTime = s.configTime;
    this.pollThread = s.pollThread;
    this.pollTimeout = BigInt(s.pollTimeout);
    this.scans = BigInt(s.scans);
    this.driversAutoprobe = s.driversAutoprobe ?? true;
    this.cards.clear();
    this.queues.clear();
    for (const [apid, type] of [...this.lpar.adapters].sort((a, b) => a[0] - b[0])) {
      if (apid > this.lpar.maxAdapterId) continue;
      const card = new ApCard(apid, cardModel(type));
      this.cards.set(apid, card);
      card.driver = this.expectedDriver(card);
    }
    // queues in their probe state are made when first used, bound as the masks of this
    // restore bind them (a later mask write re-probes them like every other queue)
    this.implyProbedQueues(this.lpar.usage.truncate(this.lpar.maxDomainId).ids());
    for (const c of s.cards) {
      const card = this.cards.get(c.apid);
      if (!card) continue;
      Object.assign(card, { config: c.config, chkstop: c.chkstop, online: c.online, requestCount: BigInt(c.requestCount) });
      if (c.driver !== undefined) card.driver = c.driver === null ? undefined : this.driver(c.driver);
    }
    for (const o of s.queues) {
      const q = this.device(o.apqn);
      if (q?.kind !== 'queue') continue;
      q.driver = o.driver === null ? undefined : this.driver(o.driver);
      Object.assign(q, { online: o.online, chkstop: o.chkstop, requestCount: BigInt(o.requestCount) });
      if (o.sm) q.restoreSm(o.sm);
    }
    this.machine.restore(s.hw);
  }
}
