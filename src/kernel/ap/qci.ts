// The LPAR's AP configuration and what PQAP(QCI) reports of it (ap_bus.c ap_qci_info).

import { ApMask } from '../../core/ap-mask.js';
import type { QciInfo } from '../../core/ap-architecture.js';
import type { S390xMachine } from './ap-host-spec.js';

export type { QciInfo };

export function qciEquals(a: QciInfo | undefined, b: QciInfo | undefined): boolean {
  if (!a || !b) return a === b;
  return a.apxa === b.apxa && a.na === b.na && a.nd === b.nd && a.apm.equals(b.apm) && a.aqm.equals(b.aqm) && a.adm.equals(b.adm);
}

/** What the LPAR gives Linux: changed by `host config add|remove`. */
export class LparConfig {
  constructor(
    readonly qci: boolean,
    readonly apxa: boolean,
    readonly na: number,
    readonly nd: number,
    /** Configured adapters and their card types. */
    readonly adapters: Map<number, string>,
    readonly usage: ApMask,
    readonly control: ApMask,
  ) {}

  static fromSpec(spec: S390xMachine): LparConfig {
    return new LparConfig(
      spec.qci,
      spec.apxa,
      spec.maxAdapter,
      spec.maxDomain,
      new Map(spec.adapters.map((a) => [a.id, a.type])),
      ApMask.fromIds(spec.usageDomains),
      ApMask.fromIds(spec.controlDomains),
    );
  }

  /** models ap_qci(): a fresh copy, so later config changes can be compared with it. */
  queryQci(): QciInfo | undefined {
    if (!this.qci) return undefined;
    return {
      apxa: this.apxa,
      na: this.na,
      nd: this.nd,
      apm: ApMask.fromIds(this.adapters.keys()),
      aqm: this.usage.clone(),
      adm: this.control.clone(),
    };
  }

  /** models ap_max_adapter_id: QCI na with APXA when nonzero, else 63. */
  get maxAdapterId(): number {
    return this.qci && this.apxa && this.na ? this.na : 63;
  }

  /** models ap_max_domain_id: QCI nd with APXA when nonzero, else 15. */
  get maxDomainId(): number {
    return this.qci && this.apxa && this.nd ? this.nd : 15;
  }

  toJSON(): object {
    return {
      qci: this.qci,
      apxa: this.apxa,
      na: this.na,
      nd: this.nd,
      adapters: [...this.adapters].sort((a, b) => a[0] - b[0]).map(([id, type]) => ({ id, type })),
      usage: this.usage.toHex(),
      control: this.control.toHex(),
    };
  }
}
