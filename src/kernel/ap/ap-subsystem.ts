// The s390x part of a host: the LPAR's AP configuration, the AP bus with zcrypt's card and
// queue drivers and /dev/z90crypt, the mdev core and vfio_ap, and the LPAR configuration
// changes that make the bus rescan (spec vfio-ap §4.5).

import { ApMask } from '../../core/ap-mask.js';
import { s390xSpec } from '../host-spec-types.js';
import { findPart, type HostPart, type HostServices, type VmStateLookups } from '../host-part.js';
import { kvmCrypto } from '../kvm/s390/kvm-s390.js';
import { MdevCore } from '../mdev/mdev-core.js';
import { restoreAttachments, snapshotAttachments, type VfioApAttachSnapshot } from '../vfio-ap/vfio-ap-attach.js';
import { VfioAp, type VfioApSnapshot } from '../vfio-ap/vfio-ap-driver.js';
import type { CheckpointRefs } from '../vfs/node.js';
import { CARD_TYPE_RE } from './card-type.js';
import { ApBus } from './ap-bus.js';
import type { ApBusSnapshot } from './ap-bus-snapshot.js';
import { ApSysfs } from './ap-sysfs.js';
import { LparConfig } from './qci.js';
import { Cex4CardDriver, Cex4QueueDriver } from './zcrypt-drivers.js';
import { Z90Crypt } from '../zcrypt/z90crypt.js';

export type ConfigResource = 'adapter' | 'domain' | 'control-domain';

/** A refused change to the LPAR configuration (not a kernel errno: the hypervisor said no). */
export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

export interface ApSubsystemSnapshot {
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
}

export class ApSubsystem implements HostPart {
  readonly key = 'ap';
  readonly lpar: LparConfig;
  readonly bus: ApBus;
  readonly apSysfs: ApSysfs;
  readonly mdevCore: MdevCore;
  readonly vfioAp: VfioAp;
  /** zcrypt's /dev/z90crypt over the queues its drivers hold. */
  readonly zcrypt: Z90Crypt;

  /** `saved`: the part's snapshot section when the host is being restored (the LPAR may have changed since boot). */
  constructor(
    readonly host: HostServices,
    saved?: ApSubsystemSnapshot,
  ) {
    const { ctx } = host;
    this.lpar = saved ? lparOf(saved.lpar) : LparConfig.fromSpec(s390xSpec(host.spec));
    this.bus = new ApBus(ctx, this.lpar);
    this.apSysfs = new ApSysfs(ctx.vfs, this.bus, ctx.profile === 'modern');
    this.apSysfs.publish();
    const cardDriver = new Cex4CardDriver((card) => [...this.bus.queuesOf(card)]);
    for (const drv of [cardDriver, new Cex4QueueDriver()]) {
      this.bus.registerDriver(drv);
      this.apSysfs.publishDriver(drv);
    }
    this.zcrypt = new Z90Crypt(ctx.vfs, this.bus);
    this.mdevCore = new MdevCore(ctx);
    this.vfioAp = new VfioAp(ctx, this.bus, this.mdevCore, host.vfio);
  }

  boot(): void {
    this.bus.scan();
    this.vfioAp.load(this.apSysfs);
  }

  snapshot(): ApSubsystemSnapshot {
    return {
      lpar: this.lpar.toJSON() as ApSubsystemSnapshot['lpar'],
      ap: this.bus.snapshot(),
      vfioAp: this.vfioAp.snapshot(),
    };
  }

  restore(saved: unknown): void {
    const s = saved as ApSubsystemSnapshot;
    this.vfioAp.load(this.apSysfs);
    this.bus.restore(s.ap);
    this.vfioAp.restore(s.vfioAp);
  }

  snapshotVmState(refs: CheckpointRefs): VfioApAttachSnapshot[] {
    return snapshotAttachments(this.vfioAp, refs);
  }

  restoreVmState(saved: unknown, lookups: VmStateLookups): void {
    restoreAttachments(this.vfioAp, saved as VfioApAttachSnapshot[], (id) => kvmCrypto(lookups.kvm(id)), lookups.eventfd);
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

function lparOf(l: ApSubsystemSnapshot['lpar']): LparConfig {
  return new LparConfig(l.qci, l.apxa, l.na, l.nd, new Map(l.adapters.map((a) => [a.id, a.type])), ApMask.fromHex(l.usage), ApMask.fromHex(l.control));
}

/** The AP part of a host, if its architecture has one (s390x). */
export function findAp(host: { readonly parts: readonly HostPart[] }): ApSubsystem | undefined {
  return findPart(host, ApSubsystem);
}

/** The s390x part of a host (its AP bus, vfio_ap, LPAR); throws on a host of another arch. */
export function apOf(host: { readonly parts: readonly HostPart[]; readonly spec: { arch: string } }): ApSubsystem {
  const part = findAp(host);
  if (!part) throw new Error(`an ${host.spec.arch} host has no AP bus`);
  return part;
}
