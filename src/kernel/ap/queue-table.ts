// The AP bus's queue devices by APQN. A restored twin's queues that are still in the state a
// fresh probe leaves them in are not built at restore: they are implied by the LPAR
// configuration (every configured adapter x every configured domain) and made on first use,
// so a read on a 256 x 256 host builds the one queue it touches instead of 65,536.

import { apqnKey, type ApqnKey } from '../../core/apqn.js';
import type { ApQueue } from './ap-device.js';

/** Queues implied but not made yet. */
interface Implied {
  adapters: ReadonlySet<number>;
  domains: readonly number[];
  domainSet: ReadonlySet<number>;
  /** Made, replaced or deleted since: no longer implied. */
  taken: Set<ApqnKey>;
  make(apid: number, apqi: number): ApQueue;
}

export class QueueTable {
  private readonly made = new Map<ApqnKey, ApQueue>();
  private implied: Implied | undefined;

  /** From now on every adapter x domain not in the table is implied, made by `make` on first use. */
  imply(adapters: Iterable<number>, domains: Iterable<number>, make: (apid: number, apqi: number) => ApQueue): void {
    const list = [...domains];
    this.implied = { adapters: new Set(adapters), domains: list, domainSet: new Set(list), taken: new Set(this.made.keys()), make };
  }

  private isImplied(key: ApqnKey): boolean {
    const i = this.implied;
    return !!i && i.adapters.has(key >>> 8) && i.domainSet.has(key & 0xff) && !i.taken.has(key);
  }

  get(key: ApqnKey): ApQueue | undefined {
    const q = this.made.get(key);
    if (q || !this.isImplied(key)) return q;
    const made = this.implied!.make(key >>> 8, key & 0xff);
    this.implied!.taken.add(key);
    this.made.set(key, made);
    return made;
  }

  has(key: ApqnKey): boolean {
    return this.made.has(key) || this.isImplied(key);
  }

  set(key: ApqnKey, q: ApQueue): void {
    this.implied?.taken.add(key);
    this.made.set(key, q);
  }

  delete(key: ApqnKey): boolean {
    const implied = this.isImplied(key);
    this.implied?.taken.add(key);
    return this.made.delete(key) || implied;
  }

  clear(): void {
    this.made.clear();
    this.implied = undefined;
  }

  get size(): number {
    const i = this.implied;
    if (!i) return this.made.size;
    let implied = i.adapters.size * i.domains.length;
    for (const key of i.taken) if (i.adapters.has(key >>> 8) && i.domainSet.has(key & 0xff)) implied--;
    return this.made.size + implied;
  }

  /** Every queue, made now if still implied (an iteration over all queues needs them all), in APQN order. */
  values(): IterableIterator<ApQueue> {
    const i = this.implied;
    if (i) {
      this.implied = undefined;
      for (const apid of i.adapters)
        for (const apqi of i.domains) {
          const key = apqnKey(apid, apqi);
          if (!i.taken.has(key)) this.made.set(key, i.make(apid, apqi));
        }
      // the order a restore that built every queue had: by APQN
      const all = [...this.made].sort((a, b) => a[0] - b[0]);
      this.made.clear();
      for (const [key, q] of all) this.made.set(key, q);
    }
    return this.made.values();
  }

  /** The queues made so far; the implied ones are all in their probe state. */
  madeValues(): IterableIterator<ApQueue> {
    return this.made.values();
  }

  /** The implied APQNs (not made yet) that `pick` chooses, made now. */
  *makeWhere(pick: (apid: number, apqi: number) => boolean): IterableIterator<ApQueue> {
    const i = this.implied;
    if (!i) return;
    for (const apid of i.adapters)
      for (const apqi of i.domains) {
        const key = apqnKey(apid, apqi);
        if (!i.taken.has(key) && pick(apid, apqi)) yield this.get(key)!;
      }
  }
}
