// The commander wiring of the VMM commands: `qemu`, `vm`, `guest` and `trace`. Each runs
// one command function on the stored twin's VMs; commands that can change a VM save it.

import type { Command } from 'commander';
import { guard } from './cli-error.js';
import { guestCrycb, guestLszcrypt, guestRescan } from './commands/guest.js';
import { guestApTapq, guestCrypto } from './commands/guest-crypto.js';
import { cryptoOptions } from './crypto-program.js';
import { qemu } from './commands/qemu.js';
import { trace } from './commands/trace.js';
import { vmList, vmMonitor, vmReset, vmStop, type VmCommandContext } from './commands/vm.js';
import type { Io } from './io.js';
import { StateStore } from './state-store.js';

type VmCommand = (io: Io, ctx: VmCommandContext) => number;
type Runner = (command: (io: Io) => Promise<number>) => Promise<void>;

function onTwin(state: string, mutates: boolean, command: VmCommand): (io: Io) => Promise<number> {
  return (io) =>
    guard(io, async () => {
      const store = new StateStore(state);
      if (mutates) return store.update((_host, twin) => command(io, { vms: twin.vms }));
      return command(io, { vms: (await store.loadTwin()).vms });
    });
}

export function vmCommands(program: Command, state: () => string, run: Runner, qemuArgv: readonly string[]): void {
  program
    .command('qemu')
    .description('start qemu-system-s390x on the twin with its exact arguments: prints the VM id, or what QEMU prints on failure')
    .helpOption(false)
    .action(() => run(onTwin(state(), true, (io, ctx) => qemu({ argv: qemuArgv }, io, ctx))));

  const vm = program.command('vm').description('the running VMs');
  vm.command('list')
    .description('one line per VM (--json: full records with devices and CRYCB)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => run(onTwin(state(), false, (io, ctx) => vmList({ json: o.json }, io, ctx))));
  vm.command('stop')
    .description('the QEMU process exits: its files close, the CRYCB is cleared and the queues reset')
    .argument('<id>')
    .action((id: string) => run(onTwin(state(), true, (io, ctx) => vmStop({ id }, io, ctx))));
  vm.command('reset')
    .description('system reset: every device is reset (VFIO_DEVICE_RESET)')
    .argument('<id>')
    .action((id: string) => run(onTwin(state(), true, (io, ctx) => vmReset({ id }, io, ctx))));
  vm.command('monitor')
    .description("run one HMP command, e.g. 'device_add vfio-ap,sysfsdev=...,id=ap0' or 'device_del ap0'")
    .argument('<id>')
    .argument('<command>')
    .action((id: string, command: string) => run(onTwin(state(), true, (io, ctx) => vmMonitor({ id, command }, io, ctx))));

  cryptoOptions(
    program
      .command('guest')
      .description(
        "what a guest's operating system sees and does: lszcrypt [-V] (its AP bus), rescan (scan now), crycb (format, APM, AQM, ADM), " +
          'crypto rsa-me|rsa-crt (its zcrypt on its passthrough queues), ap tapq APQN (TAPQ from its CPU)',
      )
      .argument('<id>', 'VM id')
      .argument('<action>', 'lszcrypt, rescan, crycb, crypto or ap')
      .argument('[args...]', 'crypto: rsa-me or rsa-crt; ap: tapq and an APQN such as 05.0004')
      .option('-V, --verbose', 'lszcrypt: verbose columns'),
  ).action((id: string, action: string, rest: string[], o: { verbose?: boolean } & Record<string, string | undefined>) => {
      switch (action) {
        case 'crypto':
          return run(onTwin(state(), true, (io, ctx) => guestCrypto({ id, op: rest[0] ?? '', values: o }, io, ctx)));
        case 'ap':
          if (rest[0] !== 'tapq')
            return run(async (io) => {
              io.stderr.write(`vfioctl: guest ap: unknown instruction '${rest[0] ?? ''}' (tapq)\n`);
              return 2;
            });
          return run(onTwin(state(), false, (io, ctx) => guestApTapq({ id, apqn: rest[1] }, io, ctx)));
        case 'lszcrypt':
          return run(onTwin(state(), false, (io, ctx) => guestLszcrypt({ id, verbose: o.verbose }, io, ctx)));
        case 'rescan':
          return run(onTwin(state(), true, (io, ctx) => guestRescan({ id }, io, ctx)));
        case 'crycb':
          return run(onTwin(state(), false, (io, ctx) => guestCrycb({ id }, io, ctx)));
        default:
          return run(async (io) => {
            io.stderr.write(`vfioctl: guest: unknown action '${action}' (lszcrypt, rescan, crycb, crypto or ap)\n`);
            return 2;
          });
      }
    });

  program
    .command('trace')
    .description('the realize/unrealize event trace (group open, container, KVM, CRYCB writes)')
    .option('--vm <id>', 'only this VM')
    .action((o: { vm?: string }) => run(onTwin(state(), false, (io, ctx) => trace({ vm: o.vm }, io, ctx))));
}
