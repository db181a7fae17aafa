// The guest's view: shadow APCB filtering (guest_matrix), queue `status`, hot plug and
// unplug on unbind and on host configuration changes (spec vfio-ap §2.5, §3.7, §4.3, §4.5).
import { describe, expect, it } from 'vitest';
import { ApMask } from '../../../src/core/ap-mask.js';
import { AP, boot, CEX4QUEUE_DRV, FakeKvm, UUID1, UUID2, VFIO_AP_DRV } from '../sh.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';

const Q = (apqn: string) => `/sys/devices/ap/card${apqn.slice(0, 2)}/${apqn}`;
const hex = (...ids: number[]) => ApMask.fromIds(ids).toHex();

/** The doc host with one mdev holding adapters 5, 6 and domains 4, 0x47, control domain 0xab. */
function assigned() {
  const sh = boot();
  sh.reserveDocQueues();
  const dir = sh.mdev(UUID1);
  for (const [f, v] of [
    ['assign_adapter', '5'],
    ['assign_adapter', '6'],
    ['assign_domain', '4'],
    ['assign_domain', '0x47'],
    ['assign_control_domain', '0xab'],
  ] as const)
    expect(sh.echo(v, `${dir}/${f}`)).toBe(v.length + 1);
  return { sh, dir, m: sh.matrixMdev(UUID1) };
}

const ALL4 = '05.0004\n05.0047\n06.0004\n06.0047\n';

describe('queue status', () => {
  it('unassigned, assigned, in use (attached and in the shadow)', () => {
    const sh = boot();
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('ENOENT'); // bound to cex4queue: no status
    sh.reserveDocQueues();
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('unassigned\n');
    const dir = sh.mdev(UUID1);
    sh.echo('5', `${dir}/assign_adapter`);
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('unassigned\n');
    sh.echo('4', `${dir}/assign_domain`);
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('assigned\n');
    expect(sh.cat(`${Q('05.0047')}/status`)).toBe('unassigned\n');
    const m = sh.matrixMdev(UUID1);
    m.kvm = new FakeKvm();
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('in use\n');
    // attached, assigned, but filtered out of the shadow: only "assigned"
    sh.echo('-0x10', `${AP}/apmask`);
    apOf(sh.host).configChange('add', 'adapter', 0x10, 'CEX7P');
    sh.echo('0x10', `${dir}/assign_adapter`);
    sh.echo('10.0004', `${VFIO_AP_DRV}/unbind`);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.0004\n');
    sh.echo('10.0004', `${VFIO_AP_DRV}/bind`);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.0004\n10.0004\n');
    expect(sh.cat(`${Q('10.0004')}/status`)).toBe('in use\n');
    sh.echo('0x47', `${dir}/assign_domain`);
    sh.echo('05.0047', `${VFIO_AP_DRV}/unbind`);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('10.0004\n10.0047\n');
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('assigned\n');
    expect(sh.cat(`${Q('10.0047')}/status`)).toBe('in use\n');
    m.kvm = undefined;
    expect(sh.cat(`${Q('10.0047')}/status`)).toBe('assigned\n');
  });
});

describe('shadow filtering (guest_matrix)', () => {
  it('an adapter drops out when one of its queues is unbound from vfio_ap, and comes back on bind', () => {
    const { sh, dir, m } = assigned();
    const kvm = new FakeKvm();
    m.kvm = kvm;
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(ALL4);
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/unbind`)).toBe(8);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('06.0004\n06.0047\n');
    expect(sh.cat(`${dir}/matrix`)).toBe(ALL4); // the matrix keeps it
    expect(kvm.masks).toEqual({ apm: hex(6), aqm: hex(4, 0x47), adm: hex(0xab) });
    expect(sh.cat(`${Q('05.0047')}/status`)).toBe('assigned\n');
    expect(sh.ls(Q('05.0004'))).not.toContain('status');
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/bind`)).toBe(8);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(ALL4);
    expect(kvm.masks).toEqual({ apm: hex(5, 6), aqm: hex(4, 0x47), adm: hex(0xab) });
  });

  it('a queue given back to the host drops its adapter too', () => {
    const { sh, dir } = assigned();
    expect(sh.echo('05.0004', `${VFIO_AP_DRV}/unbind`)).toBe(8);
    expect(sh.echo('05.0004', `${CEX4QUEUE_DRV}/bind`)).toBe('ENODEV'); // not reserved
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('06.0004\n06.0047\n');
  });

  it('unassigning hot-unplugs: adapters and domains leave the shadow and the guest', () => {
    const { sh, dir, m } = assigned();
    const kvm = new FakeKvm();
    m.kvm = kvm;
    expect(sh.echo('5', `${dir}/unassign_adapter`)).toBe(2);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('06.0004\n06.0047\n');
    expect(kvm.masks?.apm).toBe(hex(6));
    expect(sh.cat(`${Q('05.0004')}/status`)).toBe('unassigned\n');
    expect(sh.echo('0x47', `${dir}/unassign_domain`)).toBe(5);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('06.0004\n');
    expect(kvm.masks?.aqm).toBe(hex(4));
    expect(sh.echo('0xab', `${dir}/unassign_control_domain`)).toBe(5);
    expect(kvm.masks?.adm).toBe(hex());
    const sets = kvm.sets;
    expect(sh.echo('0xab', `${dir}/unassign_control_domain`)).toBe(5); // no change: no push
    expect(sh.echo('4', `${dir}/assign_control_domain`)).toBe(2);
    expect(kvm.sets).toBe(sets + 1);
    expect(kvm.masks?.adm).toBe(hex(4));
    expect(sh.echo('9', `${dir}/assign_control_domain`)).toBe(2); // not in the host config: shadow unchanged
    expect(kvm.sets).toBe(sets + 1);
  });

  it('only resources in the host configuration reach the shadow', () => {
    const sh = boot();
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    sh.echo('-0x20', `${AP}/apmask`);
    for (const [f, v] of [
      ['assign_adapter', '5'],
      ['assign_adapter', '0x20'],
      ['assign_domain', '4'],
      ['assign_domain', '0x30'],
      ['assign_control_domain', '0x30'],
      ['assign_control_domain', '4'],
    ] as const)
      sh.echo(v, `${dir}/${f}`);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n05.0030\n20.0004\n20.0030\n');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.0004\n');
    expect(sh.matrixMdev(UUID1).shadow.adm.ids()).toEqual([4]);
  });

  it('a second mdev on the same host filters independently', () => {
    const { sh } = assigned();
    const other = sh.mdev(UUID2);
    sh.echo('5', `${other}/assign_adapter`);
    sh.echo('0xab', `${other}/assign_domain`);
    expect(sh.cat(`${other}/guest_matrix`)).toBe('05.00ab\n');
    sh.echo('05.00ab', `${VFIO_AP_DRV}/unbind`);
    expect(sh.cat(`${other}/guest_matrix`)).toBe('.00ab\n');
    expect(sh.cat(`/sys/devices/vfio_ap/matrix/${UUID1}/guest_matrix`)).toBe(ALL4);
  });
});

describe('host configuration changes', () => {
  it('an adapter leaves: the shadow loses it; it comes back: hot plugged at scan complete', () => {
    const { sh, dir, m } = assigned();
    const kvm = new FakeKvm();
    m.kvm = kvm;
    apOf(sh.host).configChange('remove', 'adapter', 5);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('06.0004\n06.0047\n');
    expect(sh.cat(`${dir}/matrix`)).toBe(ALL4);
    expect(kvm.masks?.apm).toBe(hex(6));
    expect(sh.ls('/sys/devices/ap')).not.toContain('card05');
    expect(sh.cat(`${AP}/ap_adapter_mask`)).toBe(`${hex(6)}\n`);
    expect(apOf(sh.host).vfioAp.info?.apm.ids()).toEqual([6]);
    const sets = kvm.sets;
    apOf(sh.host).configChange('add', 'adapter', 5, 'CEX7C');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(ALL4);
    expect(kvm.masks?.apm).toBe(hex(5, 6));
    expect(kvm.sets).toBe(sets + 1); // one push, after every new queue was probed
    expect(sh.cat('/sys/devices/ap/card05/type')).toBe('CEX7C\n');
    expect(sh.cat(`${Q('05.0047')}/status`)).toBe('in use\n');
  });

  it('a domain leaves and comes back', () => {
    const { sh, dir, m } = assigned();
    const kvm = new FakeKvm();
    m.kvm = kvm;
    apOf(sh.host).configChange('remove', 'domain', 0x47);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.0004\n06.0004\n');
    expect(kvm.masks?.aqm).toBe(hex(4));
    expect(sh.ls(VFIO_AP_DRV)).not.toContain('05.0047');
    apOf(sh.host).configChange('add', 'domain', 0x47);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(ALL4);
    expect(kvm.masks?.aqm).toBe(hex(4, 0x47));
  });

  it('a control domain leaves and comes back', () => {
    const { sh, m } = assigned();
    const kvm = new FakeKvm();
    m.kvm = kvm;
    apOf(sh.host).configChange('remove', 'control-domain', 0xab);
    expect(m.shadow.adm.ids()).toEqual([]);
    expect(kvm.masks?.adm).toBe(hex());
    apOf(sh.host).configChange('add', 'control-domain', 0xab);
    expect(m.shadow.adm.ids()).toEqual([0xab]);
    expect(kvm.masks?.adm).toBe(hex(0xab));
  });

  it('an assigned adapter that joins the configuration for the first time is plugged in', () => {
    const { sh, dir } = assigned();
    sh.echo('-9', `${AP}/apmask`);
    sh.echo('9', `${dir}/assign_adapter`);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(ALL4);
    apOf(sh.host).configChange('add', 'adapter', 9, 'CEX8P');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(`${ALL4}09.0004\n09.0047\n`);
    // an adapter whose queue 0a.0004 is reserved for the host (apmask bit 10, aqmask bit 4)
    expect(sh.echo('+4', `${AP}/aqmask`)).toBe(3);
    apOf(sh.host).configChange('add', 'adapter', 0xa, 'CEX8P');
    expect(sh.ls(CEX4QUEUE_DRV)).toContain('0a.0004');
    expect(sh.ls(VFIO_AP_DRV)).toContain('0a.0047');
    expect(sh.echo('0xa', `${dir}/assign_adapter`)).toBe('EADDRNOTAVAIL');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(`${ALL4}09.0004\n09.0047\n`);
  });

  it('legacy: the bus changes, the driver ignores it', () => {
    const sh = boot('doc', 'legacy');
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    apOf(sh.host).configChange('remove', 'adapter', 5);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
    expect(sh.ls('/sys/devices/ap')).not.toContain('card05');
  });
});
