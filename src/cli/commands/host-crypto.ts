// `vfioctl host crypto rsa-me|rsa-crt …`: one ICARSAMODEXPO / ICARSACRT on the host's
// /dev/z90crypt, as libica would issue it; the result as one line of hex. zcrypt's
// counters move, so the twin is saved afterwards.

import { isKernelError, strerror } from '../../core/errno.js';
import { icaRsaCrt, icaRsaModExpo } from '../../manage/ica.js';
import { CliError, guard } from '../cli-error.js';
import { parseCryptoArgs, resultLine } from '../crypto-args.js';
import type { Io } from '../io.js';
import { StateStore } from '../../api/state-store.js';
import type { StateOptions } from './options.js';

export interface HostCryptoOptions extends StateOptions {
  op: string;
  values: Record<string, string | undefined>;
}

export function hostCrypto(opts: HostCryptoOptions, io: Io): Promise<number> {
  return guard(io, async () => {
    const req = parseCryptoArgs('host crypto', opts.op, opts.values);
    const out = await new StateStore(opts.state).update((host) => {
      const proc = host.process('vfioctl');
      const v = req.values;
      try {
        if (req.op === 'rsa-me') return icaRsaModExpo(proc, req.length, { modulus: v.modulus!, exponent: v.exponent!, input: v.input! });
        return icaRsaCrt(proc, req.length, { p: v.p!, q: v.q!, dp: v.dp!, dq: v.dq!, qinv: v.qinv!, input: v.input! });
      } catch (e) {
        if (isKernelError(e)) throw new CliError(`host crypto: ${e.code} (${strerror(e.code)})`);
        throw e;
      } finally {
        proc.exit();
      }
    });
    io.stdout.write(resultLine(out, req.length));
    return 0;
  });
}
