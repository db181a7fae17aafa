// Boots a twin kernel from a HostSpec: the AP bus with zcrypt's drivers, the mdev core,
// VFIO and the vfio_ap driver, all publishing into one sysfs/devfs tree.

import { ApMask } from '../core/ap-mask.js';
import { ApBus, type ApBusSnapshot } from './ap/ap-bus.js';
import { ApSysfs } from './ap/ap-sysfs.js';
import { LparConfig } from './ap/qci.js';
import { Cex4CardDriver, Cex4QueueDriver } from './ap/zcrypt-drivers.js';
import { CARD_TYPE_RE, type HostSpec, type Profile } from './host-spec.js';
import type { KernelContext } from './kernel-context.js';
import { MdevCore } from './mdev/mdev-core.js';
import { KernelLog, type LogEntry } from './printk.js';
import { VfioAp, type VfioApSnapshot } from './vfio-ap/vfio-ap-driver.js';
import { VfioCore } from './vfio/vfio-core.js';
import { Process } from './vfs/process.js';
import { Vfs } from './vfs/vfs.js';

export const SNAPSHOT_VERSION = 1;

export interface HostSnapshot {
  version: typeof SNAPSHOT_VERSION;
  spec: HostSpec;
  bootEpochMs: number;
  lpar: {
    qci: boolean;
    apxa: boolean;
    na: number;
    nd: number;
    adapters: { id: number; type: string }[];
    usage: string;
    control: string;
  };
  ap: ApBusSnapshot;
  vfioAp: VfioApSnapshot;
  log: LogEntry[];
}

export interface HostOptions {
  /** Wall clock in ms since the epoch; the kernel's uptime is measured from boot with it. */
  now?: () => number;
}

export type ConfigResource = 'adapter' | 'domain' | 'control-domain';

/** A refused change to the LPAR configuration (not a kernel errno: the hypervisor said no). */
export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

export class Host {
  readonly vfs = new Vfs();
  readonly log: KernelLog;
  readonly ctx: KernelContext;
  readonly lpar: LparConfig;
  readonly bus: ApBus;
  readonly apSysfs: ApSysfs;
  readonly mdevCore: MdevCore;
  readonly vfio: VfioCore;
  readonly vfioAp: VfioAp;
  private nextPid = 1000;

  private constructor(
    readonly spec: HostSpec,
    readonly bootEpochMs: number,
    lpar: LparConfig,
    now: () => number,
  ) {
    this.log = new KernelLog(() => (now() - bootEpochMs) * 1000);
    this.ctx = { vfs: this.vfs, log: this.log, profile: spec.profile };
    this.lpar = lpar;
    this.bus = new ApBus(this.ctx, lpar);
    this.apSysfs = new ApSysfs(this.vfs, this.bus, spec.profile === 'modern');
    this.apSysfs.publish();
    const cardDriver = new Cex4CardDriver((card) => [...this.bus.queues.values()].filter((q) => q.card === card));
    for (const drv of [cardDriver, new Cex4QueueDriver()]) {
      this.bus.registerDriver(drv);
      this.apSysfs.publishDriver(drv);
    }
    this.mdevCore = new MdevCore(this.ctx);
    this.vfio = new VfioCore(this.ctx);
    this.vfioAp = new VfioAp(this.ctx, this.bus, this.mdevCore, this.vfio);
  }

  get profile(): Profile {
    return this.spec.profile;
  }

  static boot(spec: HostSpec, opts: HostOptions = {}): Host {
    const now = opts.now ?? Date.now;
    const host = new Host(spec, now(), LparConfig.fromSpec(spec), now);
    host.bus.scan();
    host.vfioAp.load(host.apSysfs);
    return host;
  }

  static restore(snap: HostSnapshot, opts: HostOptions = {}): Host {
    if (snap.version !== SNAPSHOT_VERSION) throw new Error(`unsupported twin state version ${String(snap.version)}`);
    const l = snap.lpar;
    const lpar = new LparConfig(
      l.qci,
      l.apxa,
      l.na,
      l.nd,
      new Map(l.adapters.map((a) => [a.id, a.type])),
      ApMask.fromHex(l.usage),
      ApMask.fromHex(l.control),
    );
    const host = new Host(snap.spec, snap.bootEpochMs, lpar, opts.now ?? Date.now);
    host.vfioAp.load(host.apSysfs);
    host.log.entries.length = 0;
    host.bus.restore(snap.ap);
    host.vfioAp.restore(snap.vfioAp);
    host.log.entries.push(...snap.log);
    return host;
  }

  /** The twin's state as JSON-ready data; equal snapshots mean equal twins. */
  snapshot(): HostSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      spec: this.spec,
      bootEpochMs: this.bootEpochMs,
      lpar: this.lpar.toJSON() as HostSnapshot['lpar'],
      ap: this.bus.snapshot(),
      vfioAp: this.vfioAp.snapshot(),
      log: this.log.entries.map((e) => ({ ...e })),
    };
  }

  /** A new user-space process with its own file table. */
  process(): Process {
    return new Process(this.vfs, this.nextPid++);
  }

  /**
   * An adapter or domain joins or leaves the LPAR's configuration; the AP bus then gets
   * the configuration-changed notification and rescans (spec vfio-ap §4.5).
   */
  configChange(op: 'add' | 'remove', what: ConfigResource, id: number, type = 'CEX8C'): void {
    const max = what === 'adapter' ? this.lpar.na : this.lpar.nd;
    const label = what === 'control-domain' ? 'control domain' : what;
    const idText = `0x${id.toString(16).padStart(2, '0')}`;
    if (!Number.isInteger(id) || id < 0 || id > max) throw new HostConfigError(`${label} ${id} is outside 0..${max}`);
    if (what === 'adapter') {
      if (!CARD_TYPE_RE.test(type)) throw new HostConfigError(`invalid card type '${type}': expected CEX4..CEX8 followed by A, C or P`);
      const present = this.lpar.adapters.has(id);
      if (op === 'add' && present) throw new HostConfigError(`adapter ${idText} is already in the configuration`);
      if (op === 'remove' && !present) throw new HostConfigError(`adapter ${idText} is not in the configuration`);
      if (op === 'add') this.lpar.adapters.set(id, type);
      else this.lpar.adapters.delete(id);
    } else {
      const mask = what === 'domain' ? this.lpar.usage : this.lpar.control;
      if (op === 'add' && mask.has(id)) throw new HostConfigError(`${label} ${idText} is already in the configuration`);
      if (op === 'remove' && !mask.has(id)) throw new HostConfigError(`${label} ${idText} is not in the configuration`);
      if (op === 'add') mask.set(id);
      else mask.clear(id);
    }
    this.bus.scan();
  }
}
