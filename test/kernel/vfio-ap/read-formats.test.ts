// Read formats of the mdev attributes (spec vfio-ap §2.4) and the ap_config write (§3.6).
import { describe, expect, it } from 'vitest';
import { ApMask } from '../../../src/core/ap-mask.js';
import { AP, boot, bootSpec, state, UUID1, UUID2 } from '../sh.js';
import { apOf } from '../../../src/kernel/ap/ap-subsystem.js';

const Z = `0x${'0'.repeat(64)}`;
const mask = (...ids: number[]) => ApMask.fromIds(ids).toHex();

function setup(preset: 'doc' | 'max' = 'doc') {
  const sh = boot(preset);
  if (preset === 'doc') sh.reserveDocQueues();
  else expect(sh.echo('0x', `${AP}/apmask`)).toBe(3);
  return { sh, dir: sh.mdev(UUID1) };
}

describe('matrix, guest_matrix, control_domains', () => {
  it('nothing assigned: empty files', () => {
    const { sh, dir } = setup();
    for (const f of ['matrix', 'guest_matrix', 'control_domains']) expect(sh.cat(`${dir}/${f}`), f).toBe('');
  });

  it('adapters only: one "%02x." line each', () => {
    const { sh, dir } = setup();
    sh.echo('6', `${dir}/assign_adapter`);
    sh.echo('5', `${dir}/assign_adapter`);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.\n06.\n');
    // no domain in the shadow: no adapter is filtered (guest_matrix "is or will be assigned")
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.\n06.\n');
  });

  it('domains only: one ".%04x" line each', () => {
    const { sh, dir } = setup();
    sh.echo('0xff', `${dir}/assign_domain`);
    sh.echo('4', `${dir}/assign_domain`);
    expect(sh.cat(`${dir}/matrix`)).toBe('.0004\n.00ff\n');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('.0004\n.00ff\n');
  });

  it('both: every APQN, adapters then domains ascending', () => {
    const { sh, dir } = setup();
    for (const d of ['0xff', '0x47', '4']) sh.echo(d, `${dir}/assign_domain`);
    for (const a of ['6', '5']) sh.echo(a, `${dir}/assign_adapter`);
    const all = '05.0004\n05.0047\n05.00ff\n06.0004\n06.0047\n06.00ff\n';
    expect(sh.cat(`${dir}/matrix`)).toBe(all);
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(all);
  });

  it('control_domains: one "%04x" line each', () => {
    const { sh, dir } = setup();
    for (const d of ['0xab', '4', '255', '0']) sh.echo(d, `${dir}/assign_control_domain`);
    expect(sh.cat(`${dir}/control_domains`)).toBe('0000\n0004\n00ab\n00ff\n');
    expect(sh.cat(`${dir}/matrix`)).toBe(''); // control domains are not part of the matrix
  });

  it('stops at 4095 bytes: 511 full lines and 7 characters of the 512th', () => {
    const { sh, dir } = setup('max');
    // 256 adapters x 2 domains = 512 APQNs = 4096 bytes of text
    expect(sh.echo(`0x${'f'.repeat(64)},0xc,0x`, `${dir}/ap_config`)).toBe(74);
    const text = sh.cat(`${dir}/matrix`) as string;
    expect(text.length).toBe(4095);
    expect(text.split('\n').length - 1).toBe(511);
    expect(text.slice(-7)).toBe('ff.0001');
    expect(text.slice(0, 16)).toBe('00.0000\n00.0001\n');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe(text);
    expect(sh.echo('0xff', `${dir}/unassign_adapter`)).toBe(5);
    expect(sh.echo('0xfe', `${dir}/unassign_adapter`)).toBe(5);
    expect(sh.echo('2', `${dir}/assign_domain`)).toBe(2);
    const three = sh.cat(`${dir}/matrix`) as string; // 254 x 3 = 762 APQNs, capped again
    expect(three.length).toBe(4095);
    // 255 x 2 = 510 APQNs fit: 4080 bytes, newline-terminated
    expect(sh.echo(`0x${'f'.repeat(63)}e,0xc,0x`, `${dir}/ap_config`)).toBe(74);
    expect((sh.cat(`${dir}/matrix`) as string).length).toBe(4080);
    expect((sh.cat(`${dir}/matrix`) as string).slice(-8)).toBe('fe.0001\n');
  });

  it('the whole 256 x 256 matrix and 256 control domains', () => {
    const { sh, dir } = setup('max');
    const ones = `0x${'f'.repeat(64)}`;
    expect(sh.echo(`${ones},${ones},${ones}`, `${dir}/ap_config`)).toBe(201);
    expect((sh.cat(`${dir}/matrix`) as string).length).toBe(4095);
    expect((sh.cat(`${dir}/guest_matrix`) as string).length).toBe(4095);
    const cdoms = sh.cat(`${dir}/control_domains`) as string;
    expect(cdoms.length).toBe(256 * 5);
    expect(cdoms.endsWith('00fe\n00ff\n')).toBe(true);
    expect(sh.cat(`${dir}/ap_config`)).toBe(`${ones},${ones},${ones}\n`);
  });
});

describe('ap_config', () => {
  it('reads the three assigned masks: 201 bytes', () => {
    const { sh, dir } = setup();
    expect(sh.cat(`${dir}/ap_config`)).toBe(`${Z},${Z},${Z}\n`);
    sh.echo('5', `${dir}/assign_adapter`);
    sh.echo('0x47', `${dir}/assign_domain`);
    sh.echo('0xab', `${dir}/assign_control_domain`);
    sh.echo('0x10', `${dir}/assign_adapter`); // assigned but not configured: still shown
    const text = sh.cat(`${dir}/ap_config`);
    expect(text).toBe(`${mask(5, 16)},${mask(0x47)},${mask(0xab)}\n`);
    expect((text as string).length).toBe(201);
  });

  it('writes all three masks at once and reads them back', () => {
    const { sh, dir } = setup();
    const cfg = `${mask(5, 6)},${mask(4, 0x47)},${mask(4)}`;
    expect(sh.echo(cfg, `${dir}/ap_config`)).toBe(201);
    expect(sh.cat(`${dir}/ap_config`)).toBe(`${cfg}\n`);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n05.0047\n06.0004\n06.0047\n');
    expect(sh.cat(`${dir}/guest_matrix`)).toBe('05.0004\n05.0047\n06.0004\n06.0047\n');
    expect(sh.cat(`${dir}/control_domains`)).toBe('0004\n');
    expect(sh.cat('/sys/devices/ap/card06/06.0047/status')).toBe('assigned\n');
    // short masks are padded on the right; removing adapters and domains unlinks their queues
    expect(sh.echo('0x04,0x08,0x', `${dir}/ap_config`)).toBe(13);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
    expect(sh.cat('/sys/devices/ap/card06/06.0047/status')).toBe('unassigned\n');
    expect(apOf(sh.host).vfioAp.queue(6, 0x47)?.mdev).toBeUndefined();
    expect(apOf(sh.host).vfioAp.queue(5, 4)?.mdev).toBe(sh.matrixMdev(UUID1));
  });

  it('edge cases of the format', () => {
    const { sh, dir } = setup();
    const a = mask(5);
    const b = mask(4);
    expect(sh.echo(`${a},${b}`, `${dir}/ap_config`)).toBe(134); // "A,B\n": the empty third mask is zero
    expect(sh.cat(`${dir}/control_domains`)).toBe('');
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
    for (const bad of [`${a},${b}`, a, '', `${a}`, 'zz,0x,0x']) {
      const before = state(sh.host);
      expect(sh.write(`${dir}/ap_config`, bad), JSON.stringify(bad)).toBe(bad === '' ? 0 : 'EINVAL');
      expect(state(sh.host)).toEqual(before);
    }
    for (const bad of [`${a},${b},0x1 `, `${a},${b},0X1`, `0x${'0'.repeat(65)},${b},0x\n`]) {
      const before = state(sh.host);
      expect(sh.write(`${dir}/ap_config`, bad), JSON.stringify(bad)).toBe('EINVAL');
      expect(state(sh.host)).toEqual(before);
    }
    expect(sh.write(`${dir}/ap_config`, `${a},${b},${mask(1)}`)).toBe(200); // no newline needed after the third
    expect(sh.write(`${dir}/ap_config`, `${a}\n${b}\n${mask(2)}\n`)).toBe(201); // newlines separate too
    expect(sh.cat(`${dir}/control_domains`)).toBe('0002\n');
    expect(sh.write(`${dir}/ap_config`, `${a},${b},${mask(3)},garbage`)).toBe(208); // a fourth field is never read
    expect(sh.cat(`${dir}/control_domains`)).toBe('0003\n');
    // a 65th digit of the third mask is still within the 201 bytes looked at
    expect(sh.write(`${dir}/ap_config`, `${a},${b},${mask(4)}1`)).toBe('EINVAL');
    // and a NUL ends the input like the C string the store copies
    expect(sh.write(`${dir}/ap_config`, `${a},${b},${mask(7)}\0garbage`)).toBe(208);
    expect(sh.cat(`${dir}/control_domains`)).toBe('0007\n');
  });

  it('EADDRINUSE: all or nothing, one log line per shared APQN', () => {
    const { sh, dir } = setup();
    const other = sh.mdev(UUID2);
    sh.echo('6', `${other}/assign_adapter`);
    sh.echo('0x47', `${other}/assign_domain`);
    sh.echo(`${mask(5)},${mask(4)},${mask(4)}`, `${dir}/ap_config`);
    const before = state(sh.host);
    const lines = sh.logged(() => expect(sh.echo(`${mask(5, 6)},${mask(4, 0x47, 0xab)},${Z}`, `${dir}/ap_config`)).toBe('EADDRINUSE'));
    expect(lines).toEqual([`vfio_ap_mdev ${UUID1}: Userspace may not assign queue 06.0047 to mdev: already assigned to ${UUID2}`]);
    expect(state(sh.host)).toEqual(before);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n');
  });

  it('EADDRNOTAVAIL: a host-reserved APQN, all or nothing', () => {
    const { sh, dir } = setup();
    expect(sh.echo('+6', `${AP}/apmask`)).toBe(3);
    expect(sh.echo('+4', `${AP}/aqmask`)).toBe(3);
    const before = state(sh.host);
    expect(sh.echo(`${mask(5, 6)},${mask(4)},${Z}`, `${dir}/ap_config`)).toBe('EADDRNOTAVAIL');
    expect(state(sh.host)).toEqual(before);
  });

  it('ENODEV for a bit above the maximum, checked after the other checks', () => {
    const sh = bootSpec({ apxa: false, adapters: [{ id: 5, type: 'CEX5C' }], usageDomains: [4], controlDomains: [4] });
    sh.reserveDocQueues();
    expect(sh.echo('-63', `${AP}/apmask`)).toBe(4);
    const dir = sh.mdev(UUID1);
    for (const cfg of [`${mask(5, 64)},${mask(4)},${Z}`, `${mask(5)},${mask(4, 16)},${Z}`, `${mask(5)},${mask(4)},${mask(16)}`, `${mask(255)},${Z},${Z}`]) {
      const before = state(sh.host);
      expect(sh.echo(cfg, `${dir}/ap_config`), cfg).toBe('ENODEV');
      expect(state(sh.host)).toEqual(before);
    }
    expect(sh.echo(`${mask(5, 63)},${mask(4, 15)},${mask(15)}`, `${dir}/ap_config`)).toBe(201);
    expect(sh.echo('+5', `${AP}/apmask`)).toBe('EBUSY'); // 05.000f is assigned, aqmask bit 15 is set
    // sharing is checked before the overflow
    const other = sh.mdev(UUID2);
    expect(sh.echo(`${mask(5, 64)},${mask(4)},${Z}`, `${other}/ap_config`)).toBe('EADDRINUSE');
  });
});

describe('legacy read formats', () => {
  it('matrix and control_domains read as in modern kernels', () => {
    const sh = boot('doc', 'legacy');
    sh.reserveDocQueues();
    const dir = sh.mdev(UUID1);
    expect(sh.cat(`${dir}/matrix`)).toBe('');
    sh.echo('5', `${dir}/assign_adapter`);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.\n');
    sh.echo('4', `${dir}/assign_domain`);
    sh.echo('0xff', `${dir}/assign_domain`);
    sh.echo('0x47', `${dir}/assign_control_domain`);
    expect(sh.cat(`${dir}/matrix`)).toBe('05.0004\n05.00ff\n');
    expect(sh.cat(`${dir}/control_domains`)).toBe('0047\n');
    sh.echo('5', `${dir}/unassign_adapter`);
    expect(sh.cat(`${dir}/matrix`)).toBe('.0004\n.00ff\n');
  });
});
