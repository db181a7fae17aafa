// The AP bus as Documentation/arch/s390/vfio-ap.rst walks through it: bus attributes,
// reserving queues with apmask/aqmask (both write forms, the AND rule) and driver binding.
import { describe, expect, it } from 'vitest';
import { AP, boot, bootSpec, CEX4QUEUE_DRV, state, UUID1, VFIO_AP_DRV } from '../sh.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';

const ONES = `0x${'f'.repeat(64)}\n`;
const hex64 = (prefix: string) => `0x${prefix.padEnd(64, '0')}\n`;
const DOC_DOMAINS = '0x0800000000000000010000000000000000000000001000000000000000000001\n';
const DOC_QUEUES = ['05.0004', '05.0047', '05.00ab', '05.00ff', '06.0004', '06.0047', '06.00ab', '06.00ff'];
const bound = (list: string[] | string) => (Array.isArray(list) ? list.filter((n) => /^\w\w\.\w{4}$/.test(n)) : list);

describe('/sys/bus/ap attributes (doc host)', () => {
  it('read in their kernel formats', () => {
    const sh = boot();
    expect(sh.cat(`${AP}/ap_adapter_mask`)).toBe(hex64('06'));
    expect(sh.cat(`${AP}/ap_usage_domain_mask`)).toBe(DOC_DOMAINS);
    expect(sh.cat(`${AP}/ap_control_domain_mask`)).toBe(DOC_DOMAINS);
    expect(sh.cat(`${AP}/ap_max_adapter_id`)).toBe('255\n');
    expect(sh.cat(`${AP}/ap_max_domain_id`)).toBe('255\n');
    expect(sh.cat(`${AP}/apmask`)).toBe(ONES);
    expect(sh.cat(`${AP}/aqmask`)).toBe(ONES);
    expect(sh.cat(`${AP}/ap_domain`)).toBe('4\n');
    expect(sh.cat(`${AP}/ap_interrupts`)).toBe('1\n');
    expect(sh.cat(`${AP}/config_time`)).toBe('30\n');
    expect(sh.cat(`${AP}/poll_thread`)).toBe('0\n');
    expect(sh.cat(`${AP}/poll_timeout`)).toBe('250000\n');
    expect(sh.cat(`${AP}/scans`)).toBe('1\n');
    expect(sh.cat(`${AP}/bindings`)).toBe('8/8 (complete)\n');
    expect(sh.cat(`${AP}/features`)).toBe('APSC APXA QACT RC8A\n');
    expect(sh.cat(`${AP}/uevent`)).toBe('EACCES');
  });

  it('without QCI: masks not supported, features "-", default max ids', () => {
    const sh = bootSpec({ qci: false, adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4] });
    for (const f of ['ap_adapter_mask', 'ap_usage_domain_mask', 'ap_control_domain_mask']) expect(sh.cat(`${AP}/${f}`)).toBe('not supported\n');
    expect(sh.cat(`${AP}/features`)).toBe('-\n');
    expect(sh.cat(`${AP}/ap_max_adapter_id`)).toBe('63\n');
    expect(sh.cat(`${AP}/ap_max_domain_id`)).toBe('15\n');
    expect(sh.cat(`${AP}/bindings`)).toBe('1/1 (complete)\n');
  });

  it('without APXA: 63/15 and no APXA feature', () => {
    const sh = bootSpec({ apxa: false, adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4] });
    expect(sh.cat(`${AP}/ap_max_adapter_id`)).toBe('63\n');
    expect(sh.cat(`${AP}/ap_max_domain_id`)).toBe('15\n');
    expect(sh.cat(`${AP}/features`)).toBe('APSC QACT RC8A\n');
  });

  it('config_time takes "%d" in 5..120', () => {
    const sh = boot();
    expect(sh.echo('5', `${AP}/config_time`)).toBe(2);
    expect(sh.cat(`${AP}/config_time`)).toBe('5\n');
    expect(sh.echo('120', `${AP}/config_time`)).toBe(4);
    expect(sh.write(`${AP}/config_time`, ' 60junk')).toBe(7); // sscanf skips blanks and stops at junk
    expect(sh.cat(`${AP}/config_time`)).toBe('60\n');
    for (const bad of ['4', '121', '-5', 'abc', '0x10', ''])
      expect(sh.echo(bad, `${AP}/config_time`), bad).toBe('EINVAL');
    expect(sh.cat(`${AP}/config_time`)).toBe('60\n');
  });

  it('poll_timeout takes kstrtoul(buf, 0) nanoseconds up to 120 s', () => {
    const sh = boot();
    expect(sh.echo('0x10', `${AP}/poll_timeout`)).toBe(5);
    expect(sh.cat(`${AP}/poll_timeout`)).toBe('16\n');
    expect(sh.echo('120000000000', `${AP}/poll_timeout`)).toBe(13);
    expect(sh.echo('120000000001', `${AP}/poll_timeout`)).toBe('EINVAL');
    expect(sh.echo('18446744073709551616', `${AP}/poll_timeout`)).toBe('ERANGE');
    expect(sh.echo('1 ', `${AP}/poll_timeout`)).toBe('EINVAL');
    expect(sh.cat(`${AP}/poll_timeout`)).toBe('120000000000\n');
  });

  it('ap_domain takes "%i" within 0..max and set in aqmask', () => {
    const sh = boot();
    expect(sh.echo('0x47', `${AP}/ap_domain`)).toBe(5);
    expect(sh.cat(`${AP}/ap_domain`)).toBe('71\n');
    expect(sh.echo('5', `${AP}/ap_domain`)).toBe(2); // not a usage domain, but in aqmask: accepted
    for (const bad of ['256', '-1', 'x', '']) expect(sh.echo(bad, `${AP}/ap_domain`), bad).toBe('EINVAL');
    expect(sh.echo('-7', `${AP}/aqmask`)).toBe(3);
    expect(sh.echo('7', `${AP}/ap_domain`)).toBe('EINVAL');
    expect(sh.cat(`${AP}/ap_domain`)).toBe('5\n');
  });

  it('the default domain, once chosen, survives rescans (ap_select_domain)', () => {
    const sh = boot();
    expect(sh.echo('-4', `${AP}/aqmask`)).toBe(3);
    apOf(sh.host).configChange('remove', 'domain', 4);
    expect(sh.cat(`${AP}/ap_domain`)).toBe('4\n');
    // a host without any usable domain at boot selects none, and picks the first one later
    const none = bootSpec({ adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [] });
    expect(none.cat(`${AP}/ap_domain`)).toBe('-1\n');
    apOf(none.host).configChange('add', 'domain', 9);
    apOf(none.host).configChange('add', 'domain', 3);
    expect(none.cat(`${AP}/ap_domain`)).toBe('9\n');
  });

  it('poll_thread takes kstrtobool', () => {
    const sh = boot();
    expect(sh.echo('1', `${AP}/poll_thread`)).toBe(2);
    expect(sh.cat(`${AP}/poll_thread`)).toBe('1\n');
    expect(sh.echo('off', `${AP}/poll_thread`)).toBe(4);
    expect(sh.cat(`${AP}/poll_thread`)).toBe('0\n');
    expect(sh.echo('x', `${AP}/poll_thread`)).toBe('EINVAL');
  });

  it('scans: any write rescans', () => {
    const sh = boot();
    expect(sh.echo('whatever', `${AP}/scans`)).toBe(9);
    expect(sh.cat(`${AP}/scans`)).toBe('2\n');
  });

  it('drivers_autoprobe: "0..." keeps new devices unbound until drivers_probe', () => {
    const sh = boot();
    expect(sh.echo('0', `${AP}/drivers_autoprobe`)).toBe(2);
    expect(sh.cat(`${AP}/drivers_autoprobe`)).toBe('0\n');
    apOf(sh.host).configChange('add', 'adapter', 7, 'CEX7C');
    expect(sh.cat(`${AP}/bindings`)).toBe('8/12\n');
    expect(sh.cat('/sys/devices/ap/card07/07.0004/driver')).toBe('ENOENT');
    expect(sh.echo('07.0004', `${AP}/drivers_probe`)).toBe(8);
    expect(sh.readlink('/sys/devices/ap/card07/07.0004/driver')).toBe('../../../../bus/ap/drivers/cex4queue');
    expect(sh.echo('nonsense', `${AP}/drivers_autoprobe`)).toBe(9); // never fails: anything but "0..." is on
    expect(sh.cat(`${AP}/drivers_autoprobe`)).toBe('1\n');
    expect(sh.echo('99.0004', `${AP}/drivers_probe`)).toBe('ENODEV');
  });

  it('bus and driver uevent files take only kobject actions', () => {
    const sh = boot();
    expect(sh.echo('add', `${AP}/uevent`)).toBe(4);
    const synth = `change ${UUID1} A=1 B2=x`;
    expect(sh.echo(synth, `${AP}/uevent`)).toBe(synth.length + 1);
    for (const bad of ['bogus', 'add junk', `add ${UUID1} A`, `add ${UUID1} A=`, `add ${UUID1} -=1`, ''])
      expect(sh.echo(bad, `${AP}/uevent`), bad).toBe('EINVAL');
    expect(sh.echo('remove', `${VFIO_AP_DRV}/uevent`)).toBe(7);
  });
});

describe('cards and queues', () => {
  it('cards show type, mode and functions; queues their state', () => {
    const sh = boot();
    expect(sh.ls('/sys/bus/ap/devices')).toEqual(['05.0004', '05.0047', '05.00ab', '05.00ff', '06.0004', '06.0047', '06.00ab', '06.00ff', 'card05', 'card06']);
    expect(sh.readlink('/sys/bus/ap/devices/card05')).toBe('../../../devices/ap/card05');
    expect(sh.readlink('/sys/bus/ap/devices/05.0047')).toBe('../../../devices/ap/card05/05.0047');
    expect(sh.cat('/sys/devices/ap/card05/hwtype')).toBe('11\n');
    expect(sh.cat('/sys/devices/ap/card05/type')).toBe('CEX5C\n');
    expect(sh.cat('/sys/devices/ap/card06/type')).toBe('CEX5A\n');
    expect(sh.cat('/sys/devices/ap/card05/modalias')).toBe('ap:t0B\n');
    expect(sh.cat('/sys/devices/ap/card05/uevent')).toBe('DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000B\nMODALIAS=ap:t0B\nMODE=cca\n');
    expect(sh.cat('/sys/devices/ap/card05/05.0004/uevent')).toBe('DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=cca\n');
    expect(sh.cat('/sys/devices/ap/card06/06.0004/uevent')).toBe('DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=accel\n');
    expect(sh.cat('/sys/devices/ap/card05/ap_functions')).toMatch(/^0x[0-9A-F]{8}\n$/);
    expect(sh.cat('/sys/devices/ap/card05/05.0004/online')).toBe('1\n');
    expect(sh.readlink('/sys/devices/ap/card05/driver')).toBe('../../../bus/ap/drivers/cex4card');
    expect(sh.readlink('/sys/devices/ap/card05/subsystem')).toBe('../../../bus/ap');
  });

  it('card online takes 0/1, ENODEV going online while deconfigured', () => {
    const sh = boot();
    const card = '/sys/devices/ap/card05';
    expect(sh.echo('2', `${card}/online`)).toBe('EINVAL');
    expect(sh.echo('0', `${card}/online`)).toBe(2);
    expect(sh.cat(`${card}/05.0004/online`)).toBe('0\n');
    expect(sh.echo('0', `${card}/config`)).toBe(2);
    expect(sh.echo('1', `${card}/online`)).toBe('ENODEV');
    expect(sh.echo('1', `${card}/config`)).toBe(2);
    expect(sh.echo('1', `${card}/online`)).toBe(2);
  });
});

describe('reserving queues for vfio_ap: apmask/aqmask', () => {
  it('the AND rule moves queues from cex4queue to vfio_ap (relative form)', () => {
    const sh = boot();
    expect(bound(sh.ls(CEX4QUEUE_DRV))).toEqual(DOC_QUEUES);
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual([]);
    expect(sh.echo('-5,-6', `${AP}/apmask`)).toBe(6);
    expect(sh.cat(`${AP}/apmask`)).toBe(`0xf9${'f'.repeat(62)}\n`);
    // a queue is host-reserved only while both its bits are set: adapter bits 5 and 6 are clear
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual(DOC_QUEUES);
    expect(bound(sh.ls(CEX4QUEUE_DRV))).toEqual([]);
    expect(sh.readlink(`${VFIO_AP_DRV}/05.0004`)).toBe('../../../../devices/ap/card05/05.0004');
    expect(sh.readlink('/sys/devices/ap/card05/05.0004/driver')).toBe('../../../../bus/ap/drivers/vfio_ap');
    expect(sh.realpath(`${VFIO_AP_DRV}/05.0004`)).toBe('/sys/devices/ap/card05/05.0004');
    expect(sh.cat('/sys/devices/ap/card05/05.0004/online')).toBe('ENOENT'); // a zcrypt attribute
    // cards stay with zcrypt
    expect(sh.readlink('/sys/devices/ap/card05/driver')).toBe('../../../bus/ap/drivers/cex4card');
    // clearing aqmask bits changes nothing more; setting apmask bit 6 back re-reserves 06.*
    expect(sh.echo('-4,-0x47,-0xab,-0xff', `${AP}/aqmask`)).toBe(21);
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual(DOC_QUEUES);
    expect(sh.echo('+6', `${AP}/apmask`)).toBe(3);
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual(DOC_QUEUES);
    expect(sh.echo('+4', `${AP}/aqmask`)).toBe(3);
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual(DOC_QUEUES.filter((q) => q !== '06.0004'));
    expect(bound(sh.ls(CEX4QUEUE_DRV))).toEqual(['06.0004']);
  });

  it('absolute hex writes replace the mask: ap.apmask=0xffff ap.aqmask=0x40', () => {
    const sh = boot();
    expect(sh.echo('0xffff', `${AP}/apmask`)).toBe(7);
    expect(sh.echo('0x40', `${AP}/aqmask`)).toBe(5);
    expect(sh.cat(`${AP}/apmask`)).toBe(hex64('ffff'));
    expect(sh.cat(`${AP}/aqmask`)).toBe(hex64('4'));
    // reserved = adapters 0-15 x domain 1: none of the doc host's queues
    expect(bound(sh.ls(VFIO_AP_DRV))).toEqual(DOC_QUEUES);
    expect(sh.echo('06', `${AP}/apmask`)).toBe(3); // bare hex: adapters 5 and 6
    expect(sh.cat(`${AP}/apmask`)).toBe(hex64('06'));
    expect(sh.echo('5', `${AP}/apmask`)).toBe(2); // hex digit 5 is ids 1 and 3
    expect(sh.cat(`${AP}/apmask`)).toBe(hex64('5'));
    expect(sh.echo('0x', `${AP}/apmask`)).toBe(3);
    expect(sh.cat(`${AP}/apmask`)).toBe(hex64(''));
  });

  it('a refused mask write changes nothing', () => {
    const sh = boot();
    const before = state(sh.host);
    for (const bad of [`0x${'f'.repeat(65)}`, '+256', '+5 ,+6', '0x5 ', '+6-5', 'zz', '+5;-6', '-0x'])
      expect(sh.echo(bad, `${AP}/apmask`), bad).toBe('EINVAL');
    for (const bad of ['+0-256', '+1,2']) expect(sh.echo(bad, `${AP}/aqmask`), bad).toBe('EINVAL');
    expect(state(sh.host)).toEqual(before);
  });

  it('re-probes only queues whose reservation flipped', () => {
    const sh = boot();
    sh.reserveDocQueues();
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/unbind`)).toBe(8);
    // 05.0004 stays unbound through a mask change that does not concern it
    expect(sh.echo('+6', `${AP}/apmask`)).toBe(3);
    expect(sh.readlink('/sys/devices/ap/card05/05.0004/driver')).toBe('ENOENT');
    expect(sh.cat(`${AP}/bindings`)).toBe('7/8\n');
  });

  it('binding a queue to a driver that disagrees with the masks fails ENODEV', () => {
    const sh = boot();
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/bind`)).toBe('EBUSY'); // bound to cex4queue already
    expect(sh.echo('05.0004', `${CEX4QUEUE_DRV}/unbind`)).toBe(8);
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/bind`)).toBe('ENODEV'); // reserved for the host
    expect(sh.echo('05.0004', `${CEX4QUEUE_DRV}/bind`)).toBe(8);
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/unbind`)).toBe('ENODEV'); // not bound to vfio_ap
    expect(sh.echo('card05', `${VFIO_AP_DRV}/bind`)).toBe('ENODEV'); // vfio_ap takes queues only
    expect(sh.echo('07.0004', `${CEX4QUEUE_DRV}/bind`)).toBe('ENODEV');
    expect(sh.write(`${CEX4QUEUE_DRV}/unbind`, '05.0004\0junk')).toBe(12); // sysfs_streq stops at NUL
  });

  it('legacy: bind of a bound device is ENODEV', () => {
    const sh = boot('doc', 'legacy');
    expect(sh.echo('05.0004', `${CEX4QUEUE_DRV}/bind`)).toBe('ENODEV');
  });
});

describe('the queues a boot finds (ap_scan_bus, then each queue probed)', () => {
  it('are there as probed, though made only when first used: 65,536 on a max host, none built at boot', () => {
    const sh = boot('max');
    const bus = apOf(sh.host).bus;
    expect(bus.queues.size).toBe(65536);
    expect([...bus.queues.madeValues()]).toEqual([]);
    expect(sh.readlink('/sys/devices/ap/cardff/ff.00ff/driver')).toBe('../../../../bus/ap/drivers/cex4queue');
    expect([...bus.queues.madeValues()].map((q) => q.name)).toEqual(['ff.00ff']);
    // counting the bindings looks at every queue
    expect(sh.cat(`${AP}/bindings`)).toBe('65536/65536 (complete)\n');
  });

  it('a boot that made every queue would save the same state and show the same tree', () => {
    const lazy = boot();
    const eager = boot();
    // asking for every queue makes them all, as the probe of each at boot would have
    const all = [...apOf(eager.host).bus.queues.values()];
    expect(all.map((q) => `${q.name} ${q.driver?.name} ${q.online}`)).toEqual(DOC_QUEUES.map((n) => `${n} cex4queue true`));
    expect(apOf(lazy.host).bus.snapshot()).toEqual(apOf(eager.host).bus.snapshot());
    for (const q of DOC_QUEUES) {
      expect(lazy.ls(`${AP}/devices/${q}`)).toEqual(eager.ls(`${AP}/devices/${q}`));
      expect(lazy.cat(`${AP}/devices/${q}/status`)).toBe(eager.cat(`${AP}/devices/${q}/status`));
    }
    // the AND rule then moves them the same way
    for (const sh of [lazy, eager]) expect(sh.echo('-5', `${AP}/apmask`)).toBe(3);
    expect(bound(lazy.ls(VFIO_AP_DRV))).toEqual(bound(eager.ls(VFIO_AP_DRV)));
    expect(apOf(lazy.host).bus.snapshot()).toEqual(apOf(eager.host).bus.snapshot());
  });
});
