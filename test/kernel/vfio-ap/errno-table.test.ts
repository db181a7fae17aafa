// Every row of spec vfio-ap §3.8, for the modern and the 4.20 (legacy) profile, written as
// `echo VALUE > FILE` with the errno the write fails with. A failed write changes nothing.
import { describe, expect, it } from 'vitest';
import type { ErrnoName } from '../../../src/core/errno.js';
import { AP, boot, bootSpec, FakeKvm, MATRIX, state, type Shell, TYPE, UUID1, UUID2, VFIO_AP_DRV } from '../sh.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';

const ID_FILES = ['assign_adapter', 'unassign_adapter', 'assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain'];

/** The write fails with code and leaves the twin as it was (the log aside). */
function refused(sh: Shell, value: string, path: string, code: ErrnoName): void {
  const before = state(sh.host);
  expect(sh.echo(value, path), `echo ${JSON.stringify(value)} > ${path}`).toBe(code);
  expect(state(sh.host), `state after echo ${value} > ${path}`).toEqual(before);
}

function docWithMdev(profile: 'modern' | 'legacy' = 'modern') {
  const sh = boot('doc', profile);
  sh.reserveDocQueues();
  const dir = sh.mdev(UUID1);
  return { sh, dir };
}

describe.each(['modern', 'legacy'] as const)('%s: parse errors and ids above the maximum', (profile) => {
  it.each(ID_FILES)('%s: EINVAL for bad numbers, ERANGE for overflow, ENODEV above 255', (file) => {
    const { sh, dir } = docWithMdev(profile);
    for (const bad of ['', 'x', '-1', '5 ', ' 5', '0x', '08', '5\n5', '1.0', '+-1']) refused(sh, bad, `${dir}/${file}`, 'EINVAL');
    refused(sh, '18446744073709551616', `${dir}/${file}`, 'ERANGE');
    refused(sh, '0x10000000000000000', `${dir}/${file}`, 'ERANGE');
    refused(sh, '256', `${dir}/${file}`, 'ENODEV');
    refused(sh, '18446744073709551615', `${dir}/${file}`, 'ENODEV');
  });

  it('ENODEV above 63 adapters / 15 domains without APXA', () => {
    const sh = bootSpec({ profile, apxa: false, adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4] });
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    for (const f of ['assign_adapter', 'unassign_adapter']) {
      refused(sh, '64', `${dir}/${f}`, 'ENODEV');
      // legacy assign_adapter then asks for a queue bound to vfio_ap (EADDRNOTAVAIL)
      expect(sh.echo('63', `${dir}/${f}`), f).toBe(profile === 'legacy' && f === 'assign_adapter' ? 'EADDRNOTAVAIL' : 3);
    }
    for (const f of ['assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain']) {
      refused(sh, '16', `${dir}/${f}`, 'ENODEV');
      expect(sh.echo('15', `${dir}/${f}`), f).toBe(profile === 'legacy' && f === 'assign_domain' ? 'EADDRNOTAVAIL' : 3);
    }
  });

  it('ENODEV above the QCI maximum with APXA (custom na/nd)', () => {
    const sh = bootSpec({ profile, maxAdapter: 80, maxDomain: 40, adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4] });
    const dir = sh.mdev(UUID1);
    refused(sh, '81', `${dir}/assign_adapter`, 'ENODEV');
    refused(sh, '41', `${dir}/assign_domain`, 'ENODEV');
    refused(sh, '41', `${dir}/assign_control_domain`, 'ENODEV');
    expect(sh.echo('80', `${dir}/assign_adapter`)).toBe(profile === 'legacy' ? 'EADDRNOTAVAIL' : 3);
    expect(sh.echo('40', `${dir}/assign_control_domain`)).toBe(3);
  });

  it('QCI na/nd of 0 with APXA: the AP bus falls back to 63/15, vfio_ap takes them as they are', () => {
    const sh = bootSpec({ profile, maxAdapter: 0, maxDomain: 0, adapters: [{ id: 0, type: 'CEX5C' }], usageDomains: [0] });
    expect(sh.cat(`${AP}/ap_max_adapter_id`)).toBe('63\n');
    expect(sh.cat(`${AP}/ap_max_domain_id`)).toBe('15\n');
    const dir = sh.mdev(UUID1);
    refused(sh, '1', `${dir}/unassign_adapter`, 'ENODEV');
    refused(sh, '1', `${dir}/unassign_domain`, 'ENODEV');
    refused(sh, '1', `${dir}/assign_control_domain`, 'ENODEV');
    expect(sh.echo('0', `${dir}/assign_control_domain`)).toBe(2);
  });

  it('octal and hex are numbers too', () => {
    const { sh, dir } = docWithMdev(profile);
    expect(sh.echo('05', `${dir}/assign_adapter`)).toBe(3);
    expect(sh.echo('0x47', `${dir}/assign_domain`)).toBe(5);
    expect(sh.echo('+04', `${dir}/assign_domain`)).toBe(4);
    expect(sh.echo('0253', `${dir}/assign_control_domain`)).toBe(5); // octal 253 = 0xab
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n05.0047\n');
    expect(sh.cat(`${dir}/control_domains`)).toBe('00ab\n');
  });
});

describe('modern assign_adapter / assign_domain', () => {
  it('EADDRNOTAVAIL for an APQN reserved for the host (apmask AND aqmask)', () => {
    const sh = boot();
    const dir = sh.mdev(UUID1);
    // with no domain assigned yet there is nothing to check: any adapter goes in
    expect(sh.echo('5', `${dir}/assign_adapter`)).toBe(2);
    refused(sh, '4', `${dir}/assign_domain`, 'EADDRNOTAVAIL');
    expect(sh.echo('-5', `${AP}/apmask`)).toBe(3);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
    refused(sh, '6', `${dir}/assign_adapter`, 'EADDRNOTAVAIL'); // 06.0004 is reserved
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
  });

  it('an APQN outside the host configuration is fine (over-provisioning)', () => {
    const { sh, dir } = docWithMdev();
    expect(sh.echo('-0x10', `${AP}/apmask`)).toBe(6);
    expect(sh.echo('0x10', `${dir}/assign_adapter`)).toBe(5);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
    expect(sh.cat(`${dir}/matrix`)).toBe('10.0004\n');
    // the shadow keeps the configured domain but not the absent adapter
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('.0004\n');
  });

  it('EADDRINUSE when another mdev holds the APQN, with one log line per shared APQN', () => {
    const { sh, dir } = docWithMdev();
    const other = sh.mdev(UUID2);
    expect(sh.echo('5', `${dir}/assign_adapter`)).toBe(2);
    expect(sh.echo('6', `${dir}/assign_adapter`)).toBe(2);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
    expect(sh.echo('0x47', `${dir}/assign_domain`)).toBe(5);
    expect(sh.echo('0x47', `${other}/assign_domain`)).toBe(5);
    expect(sh.echo('4', `${other}/assign_domain`)).toBe(2);
    const lines = sh.logged(() => refused(sh, '5', `${other}/assign_adapter`, 'EADDRINUSE'));
    expect(lines).toEqual([
      `vfio_ap_mdev ${UUID2}: Userspace may not assign queue 05.0004 to mdev: already assigned to ${UUID1}`,
      `vfio_ap_mdev ${UUID2}: Userspace may not assign queue 05.0047 to mdev: already assigned to ${UUID1}`,
    ]);
    expect(sh.cat(`${other}/matrix`)).toBe('.0004\n.0047\n');
    // different APQNs of the same adapter are fine
    expect(sh.echo('0xab', `${other}/unassign_domain`)).toBe(5);
  });

  it('the documentation example: 05.0004 already assigned to another mdev', () => {
    const { sh, dir } = docWithMdev();
    const other = sh.mdev(UUID2);
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    sh.echo('4', `${other}/assign_domain`);
    const lines = sh.logged(() => expect(sh.echo('5', `${other}/assign_adapter`)).toBe('EADDRINUSE'));
    expect(lines).toEqual([`vfio_ap_mdev ${UUID2}: Userspace may not assign queue 05.0004 to mdev: already assigned to ${UUID1}`]);
  });

  it('assigning what is already assigned succeeds without any check', () => {
    const { sh, dir } = docWithMdev();
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    // reserved behind the driver's back (as ap.apmask=/ap.aqmask= at boot could)
    apOf(sh.host).bus.apmask.set(5);
    apOf(sh.host).bus.aqmask.set(4);
    expect(sh.echo('5', `${dir}/assign_adapter`)).toBe(2);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
  });

  it('unassign of something not assigned is a successful no-op', () => {
    const { sh, dir } = docWithMdev();
    const before = state(sh.host);
    for (const f of ['unassign_adapter', 'unassign_domain', 'unassign_control_domain']) expect(sh.echo('7', `${dir}/${f}`), f).toBe(2);
    expect(state(sh.host)).toEqual(before);
  });
});

describe('modern control domains', () => {
  it('are neither reservation- nor sharing-checked', () => {
    const sh = boot(); // every queue reserved for the host
    const a = sh.mdev(UUID1);
    const b = sh.mdev(UUID2);
    expect(sh.echo('4', `${a}/assign_control_domain`)).toBe(2);
    expect(sh.echo('4', `${b}/assign_control_domain`)).toBe(2);
    expect(sh.echo('200', `${b}/assign_control_domain`)).toBe(4);
    expect(sh.cat(`${a}/control_domains`)).toBe('0004\n');
    expect(sh.cat(`${b}/control_domains`)).toBe('0004\n00c8\n');
    expect(sh.echo('4', `${a}/unassign_control_domain`)).toBe(2);
    expect(sh.cat(`${a}/control_domains`)).toBe('');
  });
});

describe('apmask/aqmask EBUSY veto', () => {
  it('refuses to reserve an APQN assigned to an mdev and logs each one', () => {
    const { sh, dir } = docWithMdev();
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    sh.echo('0x47', `${dir}/assign_domain`);
    // the nuance of the documentation: apmask bit 5 is clear, so 05.0004 stays free
    expect(sh.echo('+4', `${AP}/aqmask`)).toBe(3);
    // the veto asks about the new apmask bit x the current aqmask: 05.0004, not 05.0047
    const veto = sh.logged(() => refused(sh, '+5', `${AP}/apmask`, 'EBUSY'));
    expect(veto).toEqual([`vfio_ap_mdev ${UUID1}: Can not reserve queue 05.0004 for host driver: in use by mdev`]);
    expect(sh.readlink(`${VFIO_AP_DRV}/05.0004`)).toBe('../../../../devices/ap/card05/05.0004');
    // absolute writes are vetoed the same way
    refused(sh, `0x${'f'.repeat(64)}`, `${AP}/apmask`, 'EBUSY');
    // clearing never fails
    expect(sh.echo('-4', `${AP}/aqmask`)).toBe(3);
  });

  it('is asked about every mdev, attached or not; the first holder logs', () => {
    const { sh, dir } = docWithMdev();
    const other = sh.mdev(UUID2);
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('4', `${dir}/assign_domain`);
    sh.echo('6', `${other}/assign_adapter`);
    sh.echo('4', `${other}/assign_domain`);
    expect(sh.echo('+0x4', `${AP}/aqmask`)).toBe(5);
    const lines = sh.logged(() => refused(sh, '+5,+6', `${AP}/apmask`, 'EBUSY'));
    // mdev_list is newest first: the second mdev answers first
    expect(lines).toEqual([`vfio_ap_mdev ${UUID2}: Can not reserve queue 06.0004 for host driver: in use by mdev`]);
  });
});

describe('legacy (4.20) assign rules', () => {
  it('EBUSY while a guest holds the mdev, checked before parsing', () => {
    const { sh, dir } = docWithMdev('legacy');
    sh.echo('5', `${dir}/assign_adapter`);
    sh.matrixMdev(UUID1).kvm = new FakeKvm();
    for (const f of ID_FILES) {
      refused(sh, '4', `${dir}/${f}`, 'EBUSY');
      refused(sh, 'garbage', `${dir}/${f}`, 'EBUSY');
      refused(sh, '999', `${dir}/${f}`, 'EBUSY');
    }
    sh.matrixMdev(UUID1).kvm = undefined;
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
  });

  it('EADDRNOTAVAIL means "not bound to vfio_ap"', () => {
    const sh = boot('doc', 'legacy');
    const dir = sh.mdev(UUID1);
    // every queue is bound to cex4queue: even a lone adapter needs one queue bound to vfio_ap
    refused(sh, '5', `${dir}/assign_adapter`, 'EADDRNOTAVAIL');
    refused(sh, '4', `${dir}/assign_domain`, 'EADDRNOTAVAIL');
    expect(sh.echo('-5', `${AP}/apmask`)).toBe(3);
    expect(sh.echo('5', `${dir}/assign_adapter`)).toBe(2);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
    refused(sh, '6', `${dir}/assign_adapter`, 'EADDRNOTAVAIL'); // 06.0004 is with cex4queue
    // an adapter that is not there at all has no queue bound to vfio_ap
    refused(sh, '7', `${dir}/assign_adapter`, 'EADDRNOTAVAIL');
    // unbinding 05.0047 from vfio_ap makes domain 0x47 unassignable
    expect(sh.echo('05.0047', `${VFIO_AP_DRV}/unbind`)).toBe(8);
    refused(sh, '0x47', `${dir}/assign_domain`, 'EADDRNOTAVAIL');
  });

  it('re-assigning re-checks (no early success) and EADDRINUSE logs nothing', () => {
    const sh = boot('doc', 'legacy');
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    const other = sh.mdev(UUID2);
    expect(sh.echo('5', `${dir}/assign_adapter`)).toBe(2);
    expect(sh.echo('4', `${dir}/assign_domain`)).toBe(2);
    expect(sh.echo('4', `${other}/assign_domain`)).toBe(2);
    const lines = sh.logged(() => refused(sh, '5', `${other}/assign_adapter`, 'EADDRINUSE'));
    expect(lines).toEqual([]);
    // 4.20 has no in_use veto: the queue can go back to the host while assigned
    expect(sh.echo('+5', `${AP}/apmask`)).toBe(3);
    expect(sh.echo('+4', `${AP}/aqmask`)).toBe(3);
    refused(sh, '5', `${dir}/assign_adapter`, 'EADDRNOTAVAIL');
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
  });

  it('unassign clears without further checks; control domains only parse', () => {
    const { sh, dir } = docWithMdev('legacy');
    expect(sh.echo('9', `${dir}/unassign_adapter`)).toBe(2);
    expect(sh.echo('9', `${dir}/assign_control_domain`)).toBe(2);
    expect(sh.cat(`${dir}/control_domains`)).toBe('0009\n');
  });

  it('no queue status, no guest_matrix, no ap_config, no features', () => {
    const { sh, dir } = docWithMdev('legacy');
    expect(sh.cat('/sys/devices/ap/card05/05.0004/status')).toBe('ENOENT');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('ENOENT');
    expect(sh.echo(`0x,0x,0x`, `${dir}/ap_config`)).toBe('ENOENT');
    expect(sh.cat(`${MATRIX}/features`)).toBe('ENOENT');
  });
});

describe('create and remove rows', () => {
  it('create: EINVAL, EEXIST', () => {
    const sh = boot();
    refused(sh, 'not-a-uuid', `${TYPE}/create`, 'EINVAL');
    sh.mdev(UUID1);
    refused(sh, UUID1, `${TYPE}/create`, 'EEXIST');
  });

  it('remove: EINVAL for a bad number, 0 is a no-op', () => {
    const { sh, dir } = docWithMdev();
    refused(sh, 'yes', `${dir}/remove`, 'EINVAL');
    const before = state(sh.host);
    expect(sh.echo('0', `${dir}/remove`)).toBe(2);
    expect(state(sh.host)).toEqual(before);
  });
});
