// zcrypt's default AP drivers cex4card and cex4queue (zcrypt_cex4.c) with the attributes
// they add while bound: type/online/load/serialnr on cards, online/load on queues.

import { hex } from '../../core/apqn.js';
import { KernelError } from '../../core/errno.js';
import { sscanfInt } from '../../core/kstrtoul.js';
import { Attr } from '../vfs/node.js';
import type { ApCard, ApDevice, ApQueue } from './ap-device.js';
import type { ApDriver } from './ap-driver.js';

/** models zcrypt_card online_store/zcrypt_queue online_store: "%d" in {0,1}. */
function parseOnline(buf: string): boolean {
  const v = sscanfInt(buf, false);
  if (v === undefined || v < 0 || v > 1) throw new KernelError('EINVAL');
  return v === 1;
}

export class Cex4CardDriver implements ApDriver {
  readonly name = 'cex4card';
  readonly isDefault = true;
  private readonly attrs = new WeakMap<ApDevice, ReadonlyMap<string, Attr>>();

  constructor(private readonly queuesOf: (card: ApCard) => Iterable<ApQueue>) {}

  matches(dev: ApDevice): boolean {
    return dev.kind === 'card' && dev.model.hwtype >= 10;
  }

  probe(): void {}

  remove(): void {}

  attributes(dev: ApDevice): ReadonlyMap<string, Attr> {
    let a = this.attrs.get(dev);
    if (!a && dev.kind === 'card') {
      const card = dev;
      const entries: [string, Attr][] = [
        ['type', Attr.value(`${card.model.type}\n`)],
        // models zcrypt_card online_store: going online needs a configured, running card
        [
          'online',
          Attr.rw(
            () => `${card.online ? 1 : 0}\n`,
            (buf) => {
              const online = parseOnline(buf);
              if (online && (!card.config || card.chkstop)) throw new KernelError('ENODEV');
              card.online = online;
              for (const q of this.queuesOf(card)) if (q.driver?.name === 'cex4queue') q.online = online;
            },
          ),
        ],
        ['load', Attr.ro(() => '0\n')],
      ];
      if (card.model.mode !== 'Accelerator') entries.push(['serialnr', Attr.value(`${serialOf(card.apid)}\n`)]);
      a = new Map(entries);
      this.attrs.set(dev, a);
    }
    return a ?? new Map();
  }
}

export class Cex4QueueDriver implements ApDriver {
  readonly name = 'cex4queue';
  readonly isDefault = true;
  private readonly attrs = new WeakMap<ApDevice, ReadonlyMap<string, Attr>>();

  matches(dev: ApDevice): boolean {
    return dev.kind === 'queue' && dev.card.model.hwtype >= 10;
  }

  /** models zcrypt_cex4_queue_probe: online as its card, then ap_queue_init_state. */
  probe(dev: ApDevice): void {
    if (dev.kind !== 'queue') return;
    dev.online = dev.card.online;
    dev.initState();
  }

  remove(): void {}

  attributes(dev: ApDevice): ReadonlyMap<string, Attr> {
    let a = this.attrs.get(dev);
    if (!a && dev.kind === 'queue') {
      const q = dev;
      a = new Map([
        [
          'online',
          Attr.rw(
            () => `${q.online ? 1 : 0}\n`,
            (buf) => {
              const online = parseOnline(buf);
              if (online && (!q.config || q.checkstopped)) throw new KernelError('ENODEV');
              if (online && !q.card.online) throw new KernelError('EINVAL');
              q.online = online;
            },
          ),
        ],
        ['load', Attr.ro(() => '0\n')],
      ]);
      this.attrs.set(dev, a);
    }
    return a ?? new Map();
  }
}

/** A stable serial number per adapter, in the shape CCA cards report (e.g. 93AADFK7). */
function serialOf(apid: number): string {
  return `93AAD${hex(apid, 2).toUpperCase()}K`;
}
