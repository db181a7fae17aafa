// The commander wiring of `host crypto` (argument parsing only; hostCrypto does the work)
// and the options `guest ID crypto` shares with it.

import type { Command } from 'commander';
import { hostCrypto } from './commands/host-crypto.js';
import type { Io } from './io.js';

type Runner = (command: (io: Io) => Promise<number>) => Promise<void>;

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

export function hostCryptoCommand(host: Command, state: () => string, run: Runner): void {
  cryptoOptions(
    host
      .command('crypto')
      .description("one RSA operation through the host's /dev/z90crypt (ICARSAMODEXPO or ICARSACRT): prints the result as hex")
      .argument('<op>', 'rsa-me or rsa-crt'),
  ).action((op: string, o: Record<string, string | undefined>) => run((io) => hostCrypto({ op, values: o, state: state() }, io)));
}
