// Size values (-m 512M, maxmem=4G) as QEMU 7.2's qemu_strtosz reads them; 7.2 still has
// the double-based fraction maths and the hex-with-suffix deprecation warning.

import { qemuStrtou64 } from './strtoull.js';

const UINT64_MAX = (1n << 64n) - 1n;
const DBL_MIN = 2.2250738585072014e-308;

export type QemuStrtoszResult =
  | { readonly ok: true; readonly value: bigint; readonly hexSuffixWarning: boolean }
  | { readonly ok: false; readonly errno: 'EINVAL' | 'ERANGE'; readonly hexSuffixWarning: boolean };

/** models suffix_mul: B, K, M, G, T, P, E in either case; -1 when not a suffix. */
function suffixMul(c: string | undefined, unit: bigint): bigint {
  switch (c?.toUpperCase()) {
    case 'B': return 1n;
    case 'K': return unit;
    case 'M': return unit ** 2n;
    case 'G': return unit ** 3n;
    case 'T': return unit ** 4n;
    case 'P': return unit ** 5n;
    case 'E': return unit ** 6n;
    default: return -1n;
  }
}

type StrtodResult = { ok: true; value: number; end: number } | { ok: false; errno: 'EINVAL' | 'ERANGE'; end: number };

/** models qemu_strtod_finite on text that starts with '.': glibc strtod's decimal form only. */
function strtodFraction(s: string, at: number): StrtodResult {
  const m = /^\.[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(s.slice(at));
  if (!m) return { ok: false, errno: 'EINVAL', end: at };
  const text = m[0];
  const value = Number(text);
  const end = at + text.length;
  if (!Number.isFinite(value)) return { ok: false, errno: 'EINVAL', end: at };
  // glibc flags underflow with ERANGE; only reachable with absurdly many leading zeros.
  if (/[1-9]/.test(text.replace(/[eE].*$/, '')) && value < DBL_MIN) return { ok: false, errno: 'ERANGE', end };
  return { ok: true, value, end };
}

/** models do_strtosz(nptr, NULL, 'B', 1024, &result), the body of qemu_strtosz. */
export function qemuStrtosz(nptr: string): QemuStrtoszResult {
  let hexSuffixWarning = false;
  // The C code jumps to one exit that turns any unconsumed text into EINVAL.
  const fail = (errno: 'EINVAL' | 'ERANGE', endptr: number): QemuStrtoszResult =>
    ({ ok: false, errno: endptr < nptr.length ? 'EINVAL' : errno, hexSuffixWarning });
  const integral = qemuStrtou64(nptr, 0, 10, false);
  if (!integral.ok) return fail(integral.errno, integral.end);
  let val = integral.value;
  let endptr = integral.end;
  if (nptr.slice(0, endptr).includes('-')) return fail('EINVAL', 0);
  let hex = false;
  let fraction = 0;
  let mulRequired = false;
  if (val === 0n && (nptr[endptr] === 'x' || nptr[endptr] === 'X')) {
    const reparsed = qemuStrtou64(nptr, 0, 16, false);
    if (!reparsed.ok) return fail(reparsed.errno, reparsed.end);
    val = reparsed.value;
    endptr = reparsed.end;
    if (nptr[endptr] === '.') return fail('EINVAL', 0);
    hex = true;
  } else if (nptr[endptr] === '.') {
    const f = strtodFraction(nptr, endptr);
    if (!f.ok) {
      // QEMU skips the '.' and goes on, so "1.k" means 1 KiB.
      endptr = f.end + 1;
    } else if (/[eE]/.test(nptr.slice(endptr, f.end))) {
      return fail('EINVAL', 0);
    } else {
      fraction = f.value;
      endptr = f.end;
      if (fraction !== 0) mulRequired = true;
    }
  }
  let mul = suffixMul(nptr[endptr], 1024n);
  if (mul > 0n) {
    hexSuffixWarning = hex;
    endptr++;
  } else {
    mul = 1n;
  }
  if (mul === 1n && mulRequired) return fail('EINVAL', 0);
  // (uint64_t)(fraction * mul): the product is a double, truncated toward zero.
  const fractionPart = BigInt(Math.trunc(fraction * Number(mul)));
  if (val > (UINT64_MAX - fractionPart) / mul) return fail('ERANGE', endptr);
  if (endptr < nptr.length) return fail('EINVAL', endptr);
  return { ok: true, value: val * mul + fractionPart, hexSuffixWarning };
}
