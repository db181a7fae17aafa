// /sys/bus/ap attributes (ap_bus.c BUS_ATTR_*), each with the kernel's format and parser.

import { parseMaskWrite } from '../../core/ap-mask-parse.js';
import { KernelError } from '../../core/errno.js';
import { kstrtobool, kstrtoul, sscanfInt } from '../../core/kstrtoul.js';
import { Attr } from '../vfs/node.js';
import { ueventAttr } from '../vfs/uevent.js';
import { sysfsStreqName } from '../base/bus-type.js';
import type { ApBus } from './ap-bus.js';

export function apBusAttributes(bus: ApBus): Map<string, Attr> {
  const qciMask = (pick: 'apm' | 'aqm' | 'adm') => () => (bus.qci ? `${bus.qci[pick].toHex()}\n` : 'not supported\n');
  return new Map<string, Attr>([
    ['ap_adapter_mask', Attr.ro(qciMask('apm'))],
    ['ap_control_domain_mask', Attr.ro(qciMask('adm'))],
    [
      'ap_domain',
      // models ap_domain_store: "%i" within 0..ap_max_domain_id and set in aqmask
      Attr.rw(
        () => `${bus.apDomain}\n`,
        (buf) => {
          const domain = sscanfInt(buf, true);
          if (domain === undefined || domain < 0 || domain > bus.lpar.maxDomainId || !bus.aqmask.has(domain))
            throw new KernelError('EINVAL');
          bus.apDomain = domain;
        },
      ),
    ],
    ['ap_interrupts', Attr.ro(() => '1\n')],
    ['ap_max_adapter_id', Attr.ro(() => `${bus.lpar.maxAdapterId}\n`)],
    ['ap_max_domain_id', Attr.ro(() => `${bus.lpar.maxDomainId}\n`)],
    ['ap_usage_domain_mask', Attr.ro(qciMask('aqm'))],
    ['apmask', Attr.rw(() => `${bus.apmask.toHex()}\n`, (buf) => bus.setMask('apmask', parseMaskWrite(buf, bus.apmask)))],
    ['aqmask', Attr.rw(() => `${bus.aqmask.toHex()}\n`, (buf) => bus.setMask('aqmask', parseMaskWrite(buf, bus.aqmask)))],
    [
      'bindings',
      Attr.ro(() => {
        const { apqns, bound } = bus.bindingCounts();
        return bus.scans >= 1n && bound === apqns ? `${bound}/${apqns} (complete)\n` : `${bound}/${apqns}\n`;
      }),
    ],
    [
      'config_time',
      // models config_time_store: "%d" within 5..120 seconds
      Attr.rw(
        () => `${bus.configTime}\n`,
        (buf) => {
          const time = sscanfInt(buf, false);
          if (time === undefined || time < 5 || time > 120) throw new KernelError('EINVAL');
          bus.configTime = time;
        },
      ),
    ],
    [
      'drivers_autoprobe',
      // models the driver core's drivers_autoprobe_store: "0..." turns it off, anything else on
      Attr.rw(
        () => `${bus.driversAutoprobe ? 1 : 0}\n`,
        (buf) => {
          bus.driversAutoprobe = buf[0] !== '0';
        },
      ),
    ],
    [
      'drivers_probe',
      Attr.wo((buf) => {
        const dev = bus.device(sysfsStreqName(buf));
        if (!dev) throw new KernelError('ENODEV');
        if (!dev.driver) bus.probe(dev);
      }),
    ],
    [
      'features',
      // models features_show: the QCI facility names, or "-" without QCI
      Attr.ro(() => {
        if (!bus.qci) return '-\n';
        return `${['APSC', ...(bus.qci.apxa ? ['APXA'] : []), 'QACT', 'RC8A'].join(' ')}\n`;
      }),
    ],
    [
      'poll_thread',
      Attr.rw(
        () => `${bus.pollThread ? 1 : 0}\n`,
        (buf) => {
          bus.pollThread = kstrtobool(buf);
        },
      ),
    ],
    [
      'poll_timeout',
      // models poll_timeout_store: kstrtoul(buf, 0) (EINVAL/ERANGE), then at most 120 s in ns
      Attr.rw(
        () => `${bus.pollTimeout}\n`,
        (buf) => {
          const value = kstrtoul(buf);
          if (value > 120_000_000_000n) throw new KernelError('EINVAL');
          bus.pollTimeout = value;
        },
      ),
    ],
    ['scans', Attr.rw(() => `${bus.scans}\n`, () => bus.scan())],
    ['uevent', ueventAttr()],
  ]);
}
