// Kernel number parsing, modelled byte for byte on lib/kstrtox.c and lib/vsprintf.c,
// because every sysfs store in the twin must accept and refuse what the kernel does.

import { KernelError } from './errno.js';

const ULONG_MAX = (1n << 64n) - 1n;

function isDigitOf(ch: string | undefined, base: number): boolean {
  if (ch === undefined) return false;
  const v = digitValue(ch);
  return v >= 0 && v < base;
}

function digitValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** models _parse_integer_fixup_radix for base 0: returns [base, index after any 0x]. */
function fixupRadix(s: string, at: number): [number, number] {
  if (s[at] === '0') {
    if ((s[at + 1] ?? '').toLowerCase() === 'x' && isDigitOf(s[at + 2], 16)) return [16, at + 2];
    return [8, at];
  }
  return [10, at];
}

/** Truncates at the first NUL: sysfs hands stores a C string. */
export function cString(buf: string): string {
  const nul = buf.indexOf('\0');
  return nul < 0 ? buf : buf.slice(0, nul);
}

/** models kstrtoul(buf, 0, &val): EINVAL on syntax, ERANGE on overflow. */
export function kstrtoul(input: string): bigint {
  // Fast path for the usual `echo 5 >`: short decimal digits, optional newline.
  if (/^\+?[1-9][0-9]{0,14}\n?$/.test(input)) return BigInt(parseInt(input.replace('+', ''), 10));
  const s = cString(input);
  let i = s[0] === '+' ? 1 : 0;
  const [base, start] = fixupRadix(s, i);
  i = start;
  let value = 0n;
  let overflow = false;
  const first = i;
  while (isDigitOf(s[i], base)) {
    value = value * BigInt(base) + BigInt(digitValue(s[i]!));
    if (value > ULONG_MAX) overflow = true;
    i++;
  }
  if (overflow) throw new KernelError('ERANGE');
  if (i === first) throw new KernelError('EINVAL');
  if (s[i] === '\n') i++;
  if (i !== s.length) throw new KernelError('EINVAL');
  return value;
}

/** models simple_strtoul(str, &end, 0): no errors, wraps on overflow; returns [value, end]. */
export function simpleStrtoul(s: string, at: number): [bigint, number] {
  const [base, start] = fixupRadix(s, at);
  let i = start;
  let value = 0n;
  while (isDigitOf(s[i], base)) {
    value = (value * BigInt(base) + BigInt(digitValue(s[i]!))) & ULONG_MAX;
    i++;
  }
  return [value, i];
}

/**
 * models kstrtobool (lib/kstrtox.c, modern): the first character from 'EeYyTt1' is true,
 * from 'DdNnFf0' false, `on`/`off` (either case); anything else EINVAL.
 */
export function kstrtobool(input: string): boolean {
  const s = cString(input);
  switch (s[0]) {
    case 'e': case 'E': case 'y': case 'Y': case 't': case 'T': case '1': return true;
    case 'd': case 'D': case 'n': case 'N': case 'f': case 'F': case '0': return false;
    case 'o': case 'O':
      if ((s[1] ?? '').toLowerCase() === 'n') return true;
      if ((s[1] ?? '').toLowerCase() === 'f') return false;
      break;
  }
  throw new KernelError('EINVAL');
}

/** models kstrtoint(buf, 0, &val) (sysfs "%i"-style stores). */
export function kstrtoint(input: string): number {
  const s = cString(input);
  const negative = s[0] === '-';
  // kstrtoll skips '-' and then parses without the '+' allowance.
  if (negative && s[1] === '+') throw new KernelError('EINVAL');
  const magnitude = kstrtoul(negative ? s.slice(1) : s);
  if (negative ? magnitude > 2147483648n : magnitude > 2147483647n) throw new KernelError('ERANGE');
  return Number(negative ? -magnitude : magnitude);
}

/** models sscanf(buf, "%d") / "%i": leading blanks, a sign, digits; the rest is ignored. */
export function sscanfInt(input: string, autoBase: boolean): number | undefined {
  const s = cString(input);
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n') i++;
  const negative = s[i] === '-';
  if (s[i] === '-' || s[i] === '+') i++;
  let base = 10;
  if (autoBase) [base, i] = fixupRadix(s, i);
  const first = i;
  let value = 0;
  while (isDigitOf(s[i], base)) value = value * base + digitValue(s[i++]!);
  if (i === first) return undefined;
  // the kernel's vsscanf stores an int: wrap as a 32-bit value would
  return (negative ? -value : value) | 0;
}

/** models kstrtoull(buf, 10, ...): decimal only. */
export function kstrtoullDecimal(input: string): bigint {
  const s = cString(input);
  const body = s[0] === '+' ? s.slice(1) : s;
  if (/^0[xX]/.test(body) || !/^[0-9]+\n?$/.test(body)) throw new KernelError('EINVAL');
  const value = BigInt(body.trim());
  if (value > ULONG_MAX) throw new KernelError('ERANGE');
  return value;
}
