// The options `host crypto` and `guest ID crypto` share (argument parsing only).

import type { Command } from 'commander';

/** --modulus/--exponent/--input for rsa-me, --p/--q/--dp/--dq/--qinv/--input for rsa-crt (hex). */
export function cryptoOptions(cmd: Command): Command {
  return cmd
    .option('--modulus <hex>', 'rsa-me: the modulus (its width is the width of every operand and of the result)')
    .option('--exponent <hex>', 'rsa-me: the exponent')
    .option('--p <hex>', 'rsa-crt: the prime the CRT coefficient reduces by (JWK p, the larger one)')
    .option('--q <hex>', 'rsa-crt: the other prime')
    .option('--dp <hex>', 'rsa-crt: d mod (p-1)')
    .option('--dq <hex>', 'rsa-crt: d mod (q-1)')
    .option('--qinv <hex>', 'rsa-crt: q^-1 mod p (JWK qi)')
    .option('--input <hex>', 'the input, below the modulus');
}
