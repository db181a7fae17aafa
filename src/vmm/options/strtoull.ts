// glibc strtoull and QEMU's checked wrapper around it, because QemuOpts numbers and
// sizes inherit every libc quirk: leading blanks, a sign that wraps, "0x" handling.

const ULLONG_MAX = (1n << 64n) - 1n;

/** C-locale isspace. */
function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function digitValue(c: string | undefined): number {
  if (c === undefined) return -1;
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return -1;
}

export interface StrtoullResult {
  /** The converted value, already wrapped for a leading '-' as C does. */
  readonly value: bigint;
  /** Index just past the converted text; equals the start index when nothing converted. */
  readonly end: number;
  /** errno was set to ERANGE (the magnitude exceeded ULLONG_MAX). */
  readonly overflow: boolean;
}

/** models glibc strtoull(s + at, &end, base) for base 0, 8, 10 or 16. */
export function strtoull(s: string, at: number, base: 0 | 8 | 10 | 16): StrtoullResult {
  let i = at;
  while (isCSpace(s[i])) i++;
  const negative = s[i] === '-';
  if (s[i] === '-' || s[i] === '+') i++;
  let radix: number = base;
  if ((base === 0 || base === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    radix = 16;
    i += 2;
  } else if (base === 0) {
    radix = s[i] === '0' ? 8 : 10;
  }
  const first = i;
  let value = 0n;
  let overflow = false;
  while (true) {
    const d = digitValue(s[i]);
    if (d < 0 || d >= radix) break;
    value = value * BigInt(radix) + BigInt(d);
    if (value > ULLONG_MAX) overflow = true;
    i++;
  }
  if (i === first) {
    // glibc: a bare "0x" converts the "0" and stops at the 'x'; otherwise nothing converted.
    const hexPrefix = first - at >= 2 && (s[first - 1] === 'x' || s[first - 1] === 'X') && s[first - 2] === '0';
    return { value: 0n, end: hexPrefix ? first - 1 : at, overflow: false };
  }
  if (overflow) return { value: ULLONG_MAX, end: i, overflow: true };
  return { value: negative ? (-value) & ULLONG_MAX : value, end: i, overflow: false };
}

export type QemuStrtoResult =
  | { readonly ok: true; readonly value: bigint; readonly end: number }
  | { readonly ok: false; readonly errno: 'EINVAL' | 'ERANGE'; readonly end: number };

/**
 * models qemu_strtou64 with check_strtox_error: no conversion → EINVAL, overflow → ERANGE,
 * and with `wholeString` (endptr == NULL in C) trailing characters → EINVAL.
 */
export function qemuStrtou64(s: string, at: number, base: 0 | 8 | 10 | 16, wholeString: boolean): QemuStrtoResult {
  const r = strtoull(s, at, base);
  if (r.end === at) return { ok: false, errno: 'EINVAL', end: r.end };
  if (wholeString && r.end < s.length) return { ok: false, errno: 'EINVAL', end: r.end };
  if (r.overflow) return { ok: false, errno: 'ERANGE', end: r.end };
  return { ok: true, value: r.value, end: r.end };
}
