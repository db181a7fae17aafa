// The arguments of `host crypto` and `guest ID crypto`: hex operands checked the way the
// uapi structs need them (the modulus width decides every field's length), refused as
// usage errors (exit 2) naming the option at fault; and the result printed as one line of
// lower-case hex zero-padded to the modulus width.

import { bigIntToBytes, bytesToBigInt } from '../core/rsa-math.js';
import { crtPartLengths } from '../core/zcrypt-uapi.js';
import type { RsaRequest } from '../core/zcrypt-ops.js';
import { CliError, usageHint } from './cli-error.js';

export type CryptoOp = 'rsa-me' | 'rsa-crt';

export const CRYPTO_OPTIONS: Record<CryptoOp, readonly string[]> = {
  'rsa-me': ['modulus', 'exponent', 'input'],
  'rsa-crt': ['p', 'q', 'dp', 'dq', 'qinv', 'input'],
};

/** A CRT or ME request with the kernel's field widths, and the width the result is printed in. */
export interface CryptoRequest {
  op: CryptoOp;
  length: number;
  values: Record<string, Uint8Array>;
}

/** Exit code of a usage error (main.ts EXIT_USAGE). */
const USAGE = 2;

type Usage = (at: string, message: string) => never;

/** A hex operand: an even number of hex digits, at least one byte. */
function hexOperand(usage: Usage, at: string, name: string, text: string): Uint8Array {
  if (text === '') usage(at, `--${name}: empty value`);
  if (!/^[0-9a-fA-F]+$/.test(text)) usage(at, `--${name}: not a hexadecimal number: '${text}'`);
  if (text.length % 2) usage(at, `--${name}: odd number of hex digits (${text.length})`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** The bytes of a value without its leading zero bytes. */
function significant(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.length - i;
}

/**
 * Validates the options of `op`: all present (as commander words it), hex, each within
 * its field. `prefix` starts every message (e.g. `host crypto`); a usage hint follows it.
 */
export function parseCryptoArgs(prefix: string, op: string, opts: Record<string, string | undefined>): CryptoRequest {
  // the usage hint names the command's --help: `host crypto`, or `guest` for `guest ID crypto`
  const help = prefix.startsWith('guest') ? 'guest' : prefix;
  const usage: Usage = (at, message) => {
    throw new CliError(`${at}: ${message}\n${usageHint(help).trimEnd()}`, USAGE);
  };
  if (op !== 'rsa-me' && op !== 'rsa-crt') usage(prefix, `unknown operation '${op}' (expected rsa-me or rsa-crt)`);
  for (const name of CRYPTO_OPTIONS[op]) if (opts[name] === undefined) usage(`${prefix} ${op}`, `required option '--${name} <hex>' not specified`);
  const v: Record<string, Uint8Array> = {};
  for (const name of CRYPTO_OPTIONS[op]) v[name] = hexOperand(usage, `${prefix} ${op}`, name, opts[name]!);
  const at = `${prefix} ${op}`;
  if (op === 'rsa-me') {
    const length = v.modulus!.length;
    if (significant(v.exponent!) > length) usage(at, `--exponent: longer than the modulus (${length} bytes)`);
    if (bytesToBigInt(v.input!) >= bytesToBigInt(v.modulus!)) usage(at, '--input: not below the modulus');
    return { op, length, values: v };
  }
  const p = bytesToBigInt(v.p!);
  const q = bytesToBigInt(v.q!);
  if (p === 0n) usage(at, '--p: zero');
  if (q === 0n) usage(at, '--q: zero');
  const n = p * q;
  const length = Math.ceil(n.toString(16).length / 2);
  const { short, long } = crtPartLengths(length);
  for (const name of ['p', 'dp', 'qinv']) if (significant(v[name]!) > long) usage(at, `--${name}: longer than ${long} bytes (half the modulus width plus 8)`);
  for (const name of ['q', 'dq']) if (significant(v[name]!) > short) usage(at, `--${name}: longer than ${short} bytes (half the modulus width)`);
  if (bytesToBigInt(v.input!) >= n) usage(at, '--input: not below the modulus (p * q)');
  return { op, length, values: v };
}

/** The request as zcrypt's message builders take it (the guest's zcrypt starts here). */
export function rsaRequest(r: CryptoRequest): RsaRequest {
  const fit = (b: Uint8Array, width: number): Uint8Array => bigIntToBytes(bytesToBigInt(b), width);
  const v = r.values;
  if (r.op === 'rsa-me') return { op: 'me', length: r.length, modulus: fit(v.modulus!, r.length), exponent: fit(v.exponent!, r.length), input: fit(v.input!, r.length) };
  const { short, long } = crtPartLengths(r.length);
  return {
    op: 'crt',
    length: r.length,
    npPrime: fit(v.p!, long),
    nqPrime: fit(v.q!, short),
    bpKey: fit(v.dp!, long),
    bqKey: fit(v.dq!, short),
    uMultInv: fit(v.qinv!, long),
    input: fit(v.input!, r.length),
  };
}

/** The result line: lower-case hex, zero-padded to the modulus width. */
export function resultLine(data: Uint8Array, length: number): string {
  return `${Buffer.from(data).toString('hex').padStart(2 * length, '0')}\n`;
}
