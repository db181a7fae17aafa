// /dev/z90crypt on the doc host (card05 CEX5C, card06 CEX5A; domains 04, 47, ab, ff):
// ICARSAMODEXPO and ICARSACRT give node:crypto's results for 1024-4096-bit keys through
// both message families, the errnos come where the kernel gives them, and the counters
// move as lszcrypt shows them.

import { beforeEach, describe, expect, it } from 'vitest';
import { ICARSACRT, ICARSAMODEXPO, encodeModexpo } from '../../../src/core/zcrypt-uapi.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, O_RDWR, PROT_READ, PROT_WRITE, type Mapping } from '../../../src/kernel/syscall-surface.js';
import { icaRsaCrt, icaRsaModExpo } from '../../../src/manage/ica.js';
import { formatLszcrypt, lszcryptTable } from '../../../src/manage/lszcrypt.js';
import { syscallsReader } from '../../../src/manage/sysfs-reader.js';
import { AP, Shell, boot, errno } from '../sh.js';
import { hex, messageFor, nodePrivate, nodePublic, rsaKey, type TestKey } from './rsa-keys.js';

const me = (sh: Shell, k: TestKey, exponent: Uint8Array, input: Uint8Array) => icaRsaModExpo(sh.sys, k.length, { modulus: k.n, exponent, input });
const crt = (sh: Shell, k: TestKey, input: Uint8Array) => icaRsaCrt(sh.sys, k.length, { p: k.p, q: k.q, dp: k.dp, dq: k.dq, qinv: k.qi, input });
/** Anonymous memory of the shell's process holding `bytes`. */
function userBuffer(sh: Shell, bytes: Uint8Array): Mapping {
  const m = sh.sys.mmap(bytes.length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
  m.write(0, bytes);
  return m;
}
const requests = (sh: Shell, apqn: string) => sh.cat(`/sys/devices/ap/card${apqn.slice(0, 2)}/${apqn}/request_count`);

describe('ICARSAMODEXPO and ICARSACRT compute what node:crypto computes', () => {
  for (const bits of [1024, 2048, 3072, 4096]) {
    for (const card of ['CEX5A (type 50)', 'CEX5C (type 6)']) {
      it(`${bits}-bit key on ${card}`, () => {
        const sh = boot();
        // the accelerator is faster, so zcrypt prefers it; taking it offline leaves the coprocessor
        if (card.startsWith('CEX5C')) expect(sh.echo('0', '/sys/devices/ap/card06/online')).toBe(2);
        const k = rsaKey(bits);
        const m = messageFor(k, bits);
        expect(hex(me(sh, k, k.e, m))).toBe(hex(nodePublic(k, m)));
        expect(hex(me(sh, k, k.d, m))).toBe(hex(nodePrivate(k, m)));
        expect(hex(crt(sh, k, m))).toBe(hex(nodePrivate(k, m)));
        const used = card.startsWith('CEX5C') ? 'card05' : 'card06';
        expect(sh.cat(`/sys/devices/ap/${used}/request_count`)).toBe('3\n');
      });
    }
  }
});

describe('dispatch, counters and what lszcrypt shows', () => {
  let sh: Shell;
  beforeEach(() => (sh = boot()));

  it('spreads requests over the fastest card by request count, and counts them on queue and card', () => {
    const k = rsaKey(1024);
    for (let i = 0; i < 8; i++) crt(sh, k, messageFor(k, i));
    for (const apqn of ['06.0004', '06.0047', '06.00ab', '06.00ff']) expect(requests(sh, apqn)).toBe('2\n');
    expect(sh.cat('/sys/devices/ap/card06/request_count')).toBe('8\n');
    expect(sh.cat('/sys/devices/ap/card05/request_count')).toBe('0\n');
    // nothing stays queued once the call returns
    expect(sh.cat('/sys/devices/ap/card06/06.0004/pendingq_count')).toBe('0\n');
    expect(sh.cat('/sys/devices/ap/card06/requestq_count')).toBe('0\n');
  });

  it('never uses a queue bound to vfio_ap, and fails ENODEV when none is left', () => {
    const k = rsaKey(1024);
    expect(sh.echo('-6', `${AP}/apmask`)).toBe(3);
    crt(sh, k, messageFor(k, 1));
    expect(sh.cat('/sys/devices/ap/card05/request_count')).toBe('1\n');
    expect(sh.cat('/sys/devices/ap/card06/request_count')).toBe('0\n');
    expect(sh.echo('-5', `${AP}/apmask`)).toBe(3);
    expect(errno(() => crt(sh, k, messageFor(k, 2)))).toBe('ENODEV');
    expect(errno(() => me(sh, k, k.e, messageFor(k, 2)))).toBe('ENODEV');
  });

  it('shows - in request_count for a queue bound to vfio_ap (dev_state uninitiated), the count again once zcrypt has it back', () => {
    const k = rsaKey(1024);
    crt(sh, k, messageFor(k, 1));
    expect(requests(sh, '06.0004')).toBe('1\n');
    expect(sh.echo('-0x4', `${AP}/aqmask`)).toBe(5);
    expect(requests(sh, '06.0004')).toBe('-\n');
    expect(sh.cat('/sys/devices/ap/card06/06.0004/requestq_count')).toBe('0\n');
    expect(sh.cat('/sys/devices/ap/card06/06.0004/pendingq_count')).toBe('0\n');
    // the card still counts every request it ever got
    expect(sh.cat('/sys/devices/ap/card06/request_count')).toBe('1\n');
    const table = formatLszcrypt(lszcryptTable(syscallsReader(sh.sys), { verbose: true }));
    expect(table).toContain('06.0004  CEX5A Accelerator unassigned        -        -     11');
    expect(sh.echo('+0x4', `${AP}/aqmask`)).toBe(5);
    expect(requests(sh, '06.0004')).toBe('1\n');
  });

  it('legacy kernels show the count whatever the driver', () => {
    const legacy = boot('doc', 'legacy');
    expect(legacy.echo('-0x4', `${AP}/aqmask`)).toBe(5);
    expect(requests(legacy, '06.0004')).toBe('0\n');
  });
});

describe('errors as zcrypt gives them', () => {
  let sh: Shell;
  let k: TestKey;
  beforeEach(() => {
    sh = boot();
    k = rsaKey(1024);
  });

  const rawMe = (over: Partial<Parameters<typeof encodeModexpo>[0]>) => {
    const put = (b: Uint8Array) => userBuffer(sh, b).addr;
    const s = {
      inputdata: put(messageFor(k, 1)),
      inputdatalength: k.length,
      outputdata: put(new Uint8Array(k.length)),
      outputdatalength: k.length,
      bKey: put(k.e.length === k.length ? k.e : new Uint8Array(k.length)),
      nModulus: put(k.n),
      ...over,
    };
    const fd = sh.sys.open('/dev/z90crypt', O_RDWR);
    try {
      return errno(() => sh.sys.ioctl(fd, ICARSAMODEXPO, encodeModexpo(s)));
    } finally {
      sh.sys.close(fd);
    }
  };

  it('EINVAL for an output shorter than the input and for a zero length', () => {
    expect(rawMe({ outputdatalength: k.length - 1 })).toBe('EINVAL');
    expect(rawMe({ inputdatalength: 0 })).toBe('EINVAL');
  });

  it('ENODEV for a modulus no card takes (over 512 bytes)', () => {
    expect(rawMe({ inputdatalength: 513, outputdatalength: 513 })).toBe('ENODEV');
  });

  it('EFAULT for a pointer into nothing, and for a struct address with nothing mapped', () => {
    expect(rawMe({ nModulus: 0x10n })).toBe('EFAULT');
    expect(rawMe({ outputdata: 0x20n })).toBe('EFAULT');
    const fd = sh.sys.open('/dev/z90crypt', O_RDWR);
    expect(errno(() => sh.sys.ioctl(fd, ICARSACRT, 0x1000n))).toBe('EFAULT');
  });

  it('EINVAL from the card for an input not below the modulus and for an even modulus, on both card types', () => {
    for (const offline of [false, true]) {
      if (offline) sh.echo('0', '/sys/devices/ap/card06/online');
      expect(errno(() => me(sh, k, k.e, k.n))).toBe('EINVAL');
      const even = Uint8Array.from(k.n);
      even[even.length - 1]! &= 0xfe;
      expect(errno(() => icaRsaModExpo(sh.sys, k.length, { modulus: even, exponent: k.e, input: messageFor(k, 1) }))).toBe('EINVAL');
    }
    // a malformed request does not take the queue offline
    expect(sh.cat('/sys/devices/ap/card05/05.0004/online')).toBe('1\n');
  });

  it('refuses read, write, ioctl number 0 and unknown ioctls', () => {
    const fd = sh.sys.open('/dev/z90crypt', O_RDWR);
    expect(errno(() => sh.sys.read(fd))).toBe('EPERM');
    expect(errno(() => sh.sys.write(fd, 'x'))).toBe('EPERM');
    expect(errno(() => sh.sys.ioctl(fd, 0xc0007a00, new Uint8Array(48)))).toBe('EPERM');
    expect(errno(() => sh.sys.ioctl(fd, 0xc0007a42, new Uint8Array(48)))).toBe('ENOTTY');
    expect(sh.sys.stat('/dev/z90crypt')).toMatchObject({ kind: 'chr', mode: 0o666, rdev: { major: 10 } });
  });

  it('puts outputdatalength back into the struct, whether given as bytes or by its address', () => {
    const e3 = Uint8Array.from({ length: k.length }, (_, i) => (i === k.length - 1 ? 3 : 0));
    const fields = () => ({
      inputdata: userBuffer(sh, messageFor(k, 3)).addr,
      inputdatalength: k.length,
      outputdata: userBuffer(sh, new Uint8Array(256)).addr,
      outputdatalength: 256,
      bKey: userBuffer(sh, e3).addr,
      nModulus: userBuffer(sh, k.n).addr,
    });
    const fd = sh.sys.open('/dev/z90crypt', O_RDWR);
    const inPlace = encodeModexpo(fields());
    expect(sh.sys.ioctl(fd, ICARSAMODEXPO, inPlace)).toBe(0);
    expect(new DataView(inPlace.buffer).getUint32(24)).toBe(k.length);
    const inMemory = userBuffer(sh, encodeModexpo(fields()));
    expect(sh.sys.ioctl(fd, ICARSAMODEXPO, inMemory.addr)).toBe(0);
    expect(new DataView(inMemory.read(0, 48).buffer).getUint32(24)).toBe(k.length);
  });
});
