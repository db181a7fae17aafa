// Fuzz: random and mutated messages into every card mode, random structs into
// /dev/z90crypt. A card answers every message with a reply (never an exception); the
// ioctls fail with an errno and leave the twin's state as it was or counted, never broken.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeType50Crt, encodeType50Me } from '../../../src/core/ap-msg-type50.js';
import { encodeType6Crt, encodeType6Me, encodeType6Rng } from '../../../src/core/ap-msg-type6.js';
import { isKernelError } from '../../../src/core/errno.js';
import { ICARSACRT, ICARSAMODEXPO } from '../../../src/core/zcrypt-uapi.js';
import { processRequest } from '../../../src/kernel/ap/card-firmware.js';
import { O_RDWR } from '../../../src/kernel/syscall-surface.js';
import { boot } from '../sh.js';

const CEX5A = 0xea80_0000;
const CEX5C = 0x9280_0000;
const CEX7P = 0x8680_0000;
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 29 + 7) & 0xff);
const seeds = [
  encodeType50Me({ length: 64, exponent: bytes(64), modulus: bytes(64), input: bytes(64) })!,
  encodeType50Crt({ length: 128, input: bytes(128), npPrime: bytes(72), nqPrime: bytes(64), bpKey: bytes(72), bqKey: bytes(64), uMultInv: bytes(72) }, 512)!,
  encodeType6Me({ length: 32, exponent: bytes(32), modulus: bytes(32), input: bytes(32) }, 4),
  encodeType6Crt({ length: 32, input: bytes(32), npPrime: bytes(24), nqPrime: bytes(16), bpKey: bytes(24), bqKey: bytes(16), uMultInv: bytes(24) }, 4),
  encodeType6Rng(4, 16),
];

/** A seed message with some bytes overwritten, cut or extended. */
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.integer({ min: -40, max: 40 }))
  .map(([seed, edits, grow]) => {
    const b = new Uint8Array(Math.max(0, seed.length + grow));
    b.set(seed.subarray(0, b.length));
    for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
    return b;
  });

describe('fuzz: the card firmware', () => {
  it('answers random and mutated messages in every mode with a reply of a known type', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), fc.constantFrom(CEX5A, CEX5C, CEX7P), (msg, functions) => {
        const reply = processRequest(functions, msg);
        expect([0x80, 0x82, 0x86]).toContain(reply[1]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('fuzz: /dev/z90crypt', () => {
  it('random structs fail with an errno and leave the request counters consistent', () => {
    const sh = boot();
    const fd = sh.sys.open('/dev/z90crypt', O_RDWR);
    fc.assert(
      fc.property(fc.constantFrom(ICARSAMODEXPO, ICARSACRT), fc.uint8Array({ minLength: 0, maxLength: 80 }), (req, struct) => {
        try {
          sh.sys.ioctl(fd, req, struct);
        } catch (e) {
          if (!isKernelError(e)) throw e;
          expect(['EFAULT', 'EINVAL', 'ENODEV']).toContain(e.code);
        }
        let queues = 0n;
        for (const name of ['04', '47', 'ab', 'ff']) queues += BigInt(sh.cat(`/sys/devices/ap/card06/06.00${name}/request_count`) as string);
        expect(BigInt(sh.cat('/sys/devices/ap/card06/request_count') as string)).toBe(queues);
      }),
      { numRuns: 300 },
    );
  });
});
