// `vfioctl guest ID crypto rsa-me|rsa-crt …` (the guest's zcrypt runs the request on one of
// its passthrough queues) and `vfioctl guest ID ap tapq APQN` (TAPQ as the guest's CPU
// executes it: the CRYCB first, then the queue).

import { s390Board } from '../../vmm/s390/board.js';
import { responseCodeName } from '../../core/ap-queue-status.js';
import { apqnName, parseApqnName } from '../../core/apqn.js';
import { strerror } from '../../core/errno.js';
import { guestRsa } from '../../guest/guest-zcrypt.js';
import { CliError, usageHint } from '../cli-error.js';
import { parseCryptoArgs, resultLine, rsaRequest } from '../crypto-args.js';
import type { Io } from '../io.js';
import { guestOf } from './guest.js';
import type { VmCommandContext } from './vm.js';

/** The guest's zcrypt runs one RSA request and prints the result. */
export function guestCrypto(args: { id: string; op: string; values: Record<string, string | undefined> }, io: Io, ctx: VmCommandContext): number {
  const req = parseCryptoArgs('guest crypto', args.op, args.values);
  const vm = guestOf(ctx, args.id, io);
  if (!vm) return 1;
  const { guest } = s390Board(vm);
  const r = guestRsa(guest.cpu, guest.view, rsaRequest(req));
  if (!r.ok) throw new CliError(`guest crypto: ${r.errno} (${strerror(r.errno)})`);
  vm.trace('guest_zcrypt', `${req.op} on ${r.apqn}`);
  io.stdout.write(resultLine(r.data, req.length));
  return 0;
}

/** TAPQ on one APQN from inside the guest: `05.0004 rc=00 (normal) queue-empty=1 replies-pending=0 irq=0`. */
export function guestApTapq(args: { id: string; apqn: string | undefined }, io: Io, ctx: VmCommandContext): number {
  const id = args.apqn === undefined ? undefined : parseApqnName(args.apqn.toLowerCase());
  if (!id) throw new CliError(`guest ap tapq: invalid APQN '${args.apqn ?? ''}' (expected XX.YYYY, e.g. 05.0004)\n${usageHint('guest').trimEnd()}`, 2);
  const vm = guestOf(ctx, args.id, io);
  if (!vm) return 1;
  const { cpu } = s390Board(vm).guest;
  if (!cpu.ap) throw new CliError(`guest ap tapq: the guest's CPU model has no AP instructions (ap=off)`);
  const s = cpu.tapq(id.apid, id.apqi, false).status;
  const rc = s.responseCode.toString(16).padStart(2, '0');
  const bit = (b: boolean): number => (b ? 1 : 0);
  io.stdout.write(
    `${apqnName(id.apid, id.apqi)} rc=${rc} (${responseCodeName(s.responseCode, 'TAPQ')}) queue-empty=${bit(s.queueEmpty)} replies-pending=${bit(s.repliesWaiting)} irq=${bit(s.irqEnabled)}\n`,
  );
  return 0;
}
