// What libica does with /dev/z90crypt, over the syscall surface: lay the key parts out in
// the caller's memory at the lengths the uapi structs require (right-justified, zero
// padded), point an ica_rsa_modexpo(_crt) at them and issue ICARSAMODEXPO / ICARSACRT.
// Works against the twin and, through a real syscall binding, against a real host.

import {
  ICARSACRT,
  ICARSAMODEXPO,
  crtPartLengths,
  encodeModexpo,
  encodeModexpoCrt,
} from '../core/zcrypt-uapi.js';
import { MAP_ANONYMOUS, MAP_PRIVATE, O_RDWR, PROT_READ, PROT_WRITE, type Mapping, type Syscalls } from '../kernel/syscall-surface.js';

export const Z90CRYPT = '/dev/z90crypt';

/** `value` right-justified in `width` bytes (its high bytes must be zero beyond the width). */
export function rightJustify(value: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(width);
  const start = Math.max(0, value.length - width);
  out.set(value.subarray(start), width - (value.length - start));
  return out;
}

/** Buffers in the caller's anonymous memory, freed together. */
class Arena {
  private readonly maps: Mapping[] = [];

  constructor(private readonly sys: Syscalls) {}

  /** A buffer holding `bytes`: its mapping (the address is mapping.addr). */
  buffer(bytes: Uint8Array): Mapping {
    const m = this.sys.mmap(Math.max(1, bytes.length), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
    this.maps.push(m);
    m.write(0, bytes);
    return m;
  }

  put(bytes: Uint8Array): bigint {
    return this.buffer(bytes).addr;
  }

  free(): void {
    for (const m of this.maps) this.sys.munmap(m.addr, m.length);
  }
}

function call(sys: Syscalls, request: number, struct: Uint8Array, arena: Arena): void {
  const fd = sys.open(Z90CRYPT, O_RDWR);
  try {
    sys.ioctl(fd, request, arena.put(struct));
  } finally {
    sys.close(fd);
  }
}

/** ICARSAMODEXPO: input^exponent mod modulus, `length` bytes each (the modulus width). */
export function icaRsaModExpo(sys: Syscalls, length: number, p: { modulus: Uint8Array; exponent: Uint8Array; input: Uint8Array }): Uint8Array {
  const arena = new Arena(sys);
  try {
    const out = arena.buffer(new Uint8Array(length));
    const struct = encodeModexpo({
      inputdata: arena.put(rightJustify(p.input, length)),
      inputdatalength: length,
      outputdata: out.addr,
      outputdatalength: length,
      bKey: arena.put(rightJustify(p.exponent, length)),
      nModulus: arena.put(rightJustify(p.modulus, length)),
    });
    call(sys, ICARSAMODEXPO, struct, arena);
    return out.read(0, length);
  } finally {
    arena.free();
  }
}

/**
 * ICARSACRT for a key whose p is the prime the coefficient reduces by (qinv = q^-1 mod p):
 * p, dp and qinv go to np_prime, bp_key and u_mult_inv (half the width + 8 bytes), q and
 * dq to nq_prime and bq_key (half the width), as zcrypt reads them.
 */
export function icaRsaCrt(
  sys: Syscalls,
  length: number,
  k: { p: Uint8Array; q: Uint8Array; dp: Uint8Array; dq: Uint8Array; qinv: Uint8Array; input: Uint8Array },
): Uint8Array {
  const { short, long } = crtPartLengths(length);
  const arena = new Arena(sys);
  try {
    const out = arena.buffer(new Uint8Array(length));
    const struct = encodeModexpoCrt({
      inputdata: arena.put(rightJustify(k.input, length)),
      inputdatalength: length,
      outputdata: out.addr,
      outputdatalength: length,
      bpKey: arena.put(rightJustify(k.dp, long)),
      bqKey: arena.put(rightJustify(k.dq, short)),
      npPrime: arena.put(rightJustify(k.p, long)),
      nqPrime: arena.put(rightJustify(k.q, short)),
      uMultInv: arena.put(rightJustify(k.qinv, long)),
    });
    call(sys, ICARSACRT, struct, arena);
    return out.read(0, length);
  } finally {
    arena.free();
  }
}
