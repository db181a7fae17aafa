// The AP bus in sysfs: /sys/devices/ap/cardXX/XX.YYYY, /sys/bus/ap/{devices,drivers}.
// Device directories are built on lookup, so a 256 x 256 host boots without 65,536 dirs.

import { KernelError } from '../../core/errno.js';
import { sscanfInt } from '../../core/kstrtoul.js';
import { Attr, Dir, Link, relativeTarget, type VfsNode } from '../vfs/node.js';
import type { Vfs } from '../vfs/vfs.js';
import type { ApBus } from './ap-bus.js';
import { checkSyntheticUevent, deviceUeventAttr } from '../vfs/uevent.js';
import { apBusAttributes } from './ap-bus-attrs.js';
import type { ApCard, ApDevice, ApQueue } from './ap-device.js';
import type { ApDriver } from './ap-driver.js';

export const AP_DEVICES_PATH = '/sys/devices/ap';
export const AP_BUS_PATH = '/sys/bus/ap';

export function devicePath(dev: ApDevice): string {
  return dev.kind === 'card' ? `${AP_DEVICES_PATH}/${dev.name}` : `${AP_DEVICES_PATH}/${dev.card.name}/${dev.name}`;
}

/** A directory whose entries are a fixed map plus names computed now. */
function computedDir(names: () => Iterable<string>, lookup: (name: string) => VfsNode | undefined): Dir {
  return new Dir({ names, lookup });
}

/** models the queue's request_count_show: `-` while the device is uninitiated (modern kernels only). */
function queueRequestCount(q: ApQueue, modern: boolean): string {
  return modern && q.devState === 'uninitiated' ? '-\n' : `${q.requestCount}\n`;
}

/** models requestq_count_show / pendingq_count_show: 0 while the device is uninitiated. */
function queueCount(q: ApQueue, which: 'requestq' | 'pendingq'): string {
  return `${q.devState === 'uninitiated' ? 0 : q.queuedCounts[which]}\n`;
}

/** models ap_card.c requestq_count_show / pendingq_count_show: the sum over the card's queues. */
function cardCount(card: ApCard, bus: ApBus, which: 'requestq' | 'pendingq'): string {
  let n = 0;
  for (const q of bus.queuesOf(card)) n += q.queuedCounts[which];
  return `${n}\n`;
}

/** models reset_show: by the state machine's state. */
function resetText(q: ApQueue): string {
  const s = q.smPhase;
  if (s === 'reset_start' || s === 'reset_wait') return 'Reset in progress.\n';
  if (s === 'working' || s === 'queue_full') return 'Reset Timer armed.\n';
  return 'No Reset Timer set.\n';
}

const hexUpper = (v: number, width: number): string => v.toString(16).toUpperCase().padStart(width, '0');

/** dev_uevent's DRIVER= line (after DEVTYPE=, before the bus's ap_uevent variables), while a driver is bound. */
const driverEnv = (dev: ApDevice): string => (dev.driver ? `DRIVER=${dev.driver.name}\n` : '');

/** models ap_uevent's MODE= variable. */
const modeEnv = (card: ApCard): string => `MODE=${card.model.mode === 'CCA' ? 'cca' : card.model.mode === 'EP11' ? 'ep11' : 'accel'}\n`;

function cardAttributes(card: ApCard, bus: ApBus): Map<string, Attr> {
  return new Map<string, Attr>([
    ['ap_functions', Attr.value(`0x${card.model.functions.toString(16).toUpperCase().padStart(8, '0')}\n`)],
    ['chkstop', Attr.ro(() => `${card.chkstop ? 1 : 0}\n`)],
    [
      'config',
      // models config_store: "%d" in {0,1}; SCLP (de)configures the adapter
      Attr.rw(
        () => `${card.config ? 1 : 0}\n`,
        (buf) => {
          const cfg = sscanfInt(buf, false);
          if (cfg === undefined || cfg < 0 || cfg > 1) throw new KernelError('EINVAL');
          card.config = cfg === 1;
          if (!card.config) {
            // a deconfigured adapter loses what its queues held
            bus.machine.dropAdapter(card.apid);
            card.online = false;
            for (const q of bus.queuesOf(card)) q.online = false;
          }
        },
      ),
    ],
    ['depth', Attr.value(`${card.model.depth}\n`)],
    ['hwtype', Attr.value(`${card.model.hwtype}\n`)],
    ['max_msg_size', Attr.value(`${card.model.maxMsgSize}\n`)],
    ['modalias', Attr.value(`ap:t${card.model.hwtype.toString(16).toUpperCase().padStart(2, '0')}\n`)],
    ['pendingq_count', Attr.ro(() => cardCount(card, bus, 'pendingq'))],
    ['raw_hwtype', Attr.value(`${card.model.hwtype}\n`)],
    [
      'request_count',
      Attr.rw(
        () => `${card.requestCount}\n`,
        () => {
          card.requestCount = 0n;
          for (const q of bus.queuesOf(card)) q.requestCount = 0n;
        },
      ),
    ],
    ['requestq_count', Attr.ro(() => cardCount(card, bus, 'requestq'))],
    ['uevent', deviceUeventAttr(() => `DEVTYPE=ap_card\n${driverEnv(card)}DEV_TYPE=${hexUpper(card.model.hwtype, 4)}\nMODALIAS=ap:t${hexUpper(card.model.hwtype, 2)}\n${modeEnv(card)}`)],
  ]);
}

function queueAttributes(q: ApQueue, modern: boolean): Map<string, Attr> {
  const attrs = new Map<string, Attr>([
    ['chkstop', Attr.ro(() => `${q.checkstopped ? 1 : 0}\n`)],
    ['config', Attr.ro(() => `${q.config ? 1 : 0}\n`)],
    ['interrupt', Attr.ro(() => (q.interruptsEnabled ? 'Interrupts enabled.\n' : 'Interrupts disabled.\n'))],
    ['pendingq_count', Attr.ro(() => queueCount(q, 'pendingq'))],
    ['request_count', Attr.rw(() => queueRequestCount(q, modern), () => (q.requestCount = 0n))],
    ['requestq_count', Attr.ro(() => queueCount(q, 'requestq'))],
    // models reset_show/reset_store: a write flushes the queue and resets it through the state machine
    ['reset', Attr.rw(() => resetText(q), () => q.sm.userReset())],
    ['uevent', deviceUeventAttr(() => `DEVTYPE=ap_queue\n${driverEnv(q)}${modeEnv(q.card)}`)],
  ]);
  if (modern) attrs.set('ap_functions', Attr.value(`0x${q.card.model.functions.toString(16).toUpperCase().padStart(8, '0')}\n`));
  return attrs;
}

export class ApSysfs {
  private readonly dirs = new WeakMap<ApDevice, Dir>();

  constructor(
    private readonly vfs: Vfs,
    private readonly bus: ApBus,
    private readonly modern: boolean,
  ) {}

  publish(): void {
    const { vfs, bus } = this;
    const busDir = vfs.mkdirp(AP_BUS_PATH);
    for (const [name, attr] of apBusAttributes(bus)) busDir.add(name, attr);
    busDir.add(
      'devices',
      computedDir(
        () => [...bus.cards.values(), ...bus.queues.values()].map((d) => d.name),
        (name) => {
          const dev = bus.device(name);
          return dev ? new Link(relativeTarget(`${AP_BUS_PATH}/devices`, devicePath(dev))) : undefined;
        },
      ),
    );
    busDir.dir('drivers');
    vfs.attach(
      AP_DEVICES_PATH,
      new Dir({
        names: () => [...bus.cards.values()].map((c) => c.name),
        lookup: (name) => {
          const dev = bus.device(name);
          return dev?.kind === 'card' ? this.deviceDir(dev) : undefined;
        },
      }),
    );
    vfs.attach(`${AP_DEVICES_PATH}/uevent`, deviceUeventAttr(() => ''));
  }

  /** models driver registration in sysfs: bind/unbind/uevent plus one link per bound device. */
  publishDriver(drv: ApDriver): void {
    const { bus } = this;
    const dir = `${AP_BUS_PATH}/drivers/${drv.name}`;
    const bound = () => [...bus.devices()].filter((d) => d.driver === drv);
    const node = computedDir(
      () => bound().map((d) => d.name),
      (name) => {
        const dev = bus.device(name);
        return dev?.driver === drv ? new Link(relativeTarget(dir, devicePath(dev))) : undefined;
      },
    );
    node.add('bind', Attr.wo((buf) => bus.bind(drv, buf)));
    node.add('unbind', Attr.wo((buf) => bus.unbind(drv, buf)));
    node.add('uevent', Attr.wo(checkSyntheticUevent));
    this.vfs.attach(dir, node);
  }

  private deviceDir(dev: ApDevice): Dir {
    let dir = this.dirs.get(dev);
    if (dir) return dir;
    const base = dev.kind === 'card' ? cardAttributes(dev, this.bus) : queueAttributes(dev, this.modern);
    const path = devicePath(dev);
    const links = (): Map<string, Link> => {
      const m = new Map<string, Link>([['subsystem', new Link(relativeTarget(path, AP_BUS_PATH))]]);
      if (dev.driver) m.set('driver', new Link(relativeTarget(path, `${AP_BUS_PATH}/drivers/${dev.driver.name}`)));
      return m;
    };
    const queues = (): ApQueue[] => (dev.kind === 'card' ? [...this.bus.queuesOf(dev)] : []);
    dir = computedDir(
      () => [...base.keys(), ...(dev.driver?.attributes?.(dev).keys() ?? []), ...links().keys(), ...queues().map((q) => q.name)],
      (name) => {
        const node = base.get(name) ?? dev.driver?.attributes?.(dev).get(name) ?? links().get(name);
        if (node) return node;
        if (dev.kind !== 'card') return undefined;
        const q = this.bus.device(name);
        return q?.kind === 'queue' && q.card === dev ? this.deviceDir(q) : undefined;
      },
    );
    this.dirs.set(dev, dir);
    return dir;
  }
}
