// The AP bus mask syntax of drivers/s390/crypto/ap_bus.c, shared by apmask/aqmask
// writes and the vfio_ap ap_config attribute.

import { AP_MASK_BITS, ApMask } from './ap-mask.js';
import { KernelError } from './errno.js';
import { cString, simpleStrtoul } from './kstrtoul.js';

function isHexDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

/** models hex2bitmap: optional `0x`/`x`, up to 64 MSB-first hex digits, one optional `\n`. */
export function parseHexMask(input: string): ApMask {
  const s = cString(input);
  let i = 0;
  if (s[0] === '0' && s[1] === 'x') i++;
  if (s[i] === 'x') i++;
  const mask = ApMask.empty();
  let bit = 0;
  for (; isHexDigit(s[i]) && bit < AP_MASK_BITS; i++, bit += 4) {
    const v = parseInt(s[i]!, 16);
    for (let n = 0; n < 4; n++) if (v & (0x08 >> n)) mask.set(bit + n);
  }
  if (s[i] === '\n') i++;
  if (i !== s.length) throw new KernelError('EINVAL');
  return mask;
}

/** models modify_bitmap: `+N`, `-N`, `+N-M` terms separated by commas/newlines, applied in order. */
export function applyRelativeMask(input: string, current: ApMask): ApMask {
  const s = cString(input);
  const mask = current.clone();
  let i = 0;
  while (i < s.length) {
    const sign = s[i++];
    if (sign !== '+' && sign !== '-') throw new KernelError('EINVAL');
    const [a, afterA] = simpleStrtoul(s, i);
    if (afterA === i || a >= BigInt(AP_MASK_BITS)) throw new KernelError('EINVAL');
    i = afterA;
    let z = a;
    if (s[i] === '-') {
      i++;
      const [zv, afterZ] = simpleStrtoul(s, i);
      if (afterZ === i || a > zv || zv >= BigInt(AP_MASK_BITS)) throw new KernelError('EINVAL');
      z = zv;
      i = afterZ;
    }
    for (let id = Number(a); id <= Number(z); id++) {
      if (sign === '+') mask.set(id);
      else mask.clear(id);
    }
    while (s[i] === ',' || s[i] === '\n') i++;
  }
  return mask;
}

/** models ap_parse_bitmap_str: a leading sign selects the relative form, else absolute hex. */
export function parseMaskWrite(input: string, current: ApMask): ApMask {
  const s = cString(input);
  return s[0] === '+' || s[0] === '-' ? applyRelativeMask(s, current) : parseHexMask(s);
}
