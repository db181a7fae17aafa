// The commander wiring of the VMM commands: `qemu`, `vm`, `guest` and `trace`. Each runs
// one command function on the stored twin's VMs; commands that can change a VM save it.
// The VMM and the twin load only when a command runs.

import type { Command } from 'commander';
import type { VmCommandContext } from './commands/vm.js';
import { rejectRoot, usageHint } from './cli-error.js';
import type { Io } from './io.js';
import { run, type ProgramContext } from './program-context.js';
import { cryptoOptions } from './crypto-options.js';

type VmCommand = (io: Io, ctx: VmCommandContext) => number | Promise<number>;

/** The twin's VMs for one command: under the state lock (and saved) when it may change them. */
function onTwin(ctx: ProgramContext, name: string, mutates: boolean, command: VmCommand): (io: Io) => Promise<number> | number {
  return (
    rejectRoot(ctx, name) ??
    (async (io) => {
      const [{ guard }, { StateStore }] = await Promise.all([import('./cli-error.js'), import('../api/state-store.js')]);
      return guard(io, async () => {
        const store = new StateStore(ctx.state());
        if (mutates) return store.update(async (host, twin) => command(io, { vms: await twin.vmManager(), kernel: host }));
        const twin = await store.loadTwin();
        return command(io, { vms: await twin.vmManager(), kernel: twin.host });
      });
    })
  );
}

export function registerVmCommands(program: Command, ctx: ProgramContext, qemuArgv: readonly string[]): void {
  const vmModule = () => import('./commands/vm.js');
  program
    .command('qemu')
    .description('start QEMU (qemu-system-s390x on an s390x twin, qemu-system-aarch64 or qemu-system-arm on an ARM one, qemu-system-ppc64 on a ppc64le one) with its exact arguments: prints the VM id, or what QEMU prints on failure')
    .helpOption(false)
    .action(() => run(ctx, onTwin(ctx, 'qemu', true, async (io, c) => (await import('./commands/qemu.js')).qemu({ argv: qemuArgv }, io, c))));

  const vm = program.command('vm').description('the running VMs');
  vm.command('list')
    .description('one line per VM (--json: full records with devices and CRYCB)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => run(ctx, onTwin(ctx, 'vm list', false, async (io, c) => (await vmModule()).vmList({ json: o.json }, io, c))));
  vm.command('stop')
    .description('the QEMU process exits: its files close, the CRYCB is cleared and the queues reset')
    .argument('<id>')
    .action((id: string) => run(ctx, onTwin(ctx, 'vm stop', true, async (io, c) => (await vmModule()).vmStop({ id }, io, c))));
  vm.command('reset')
    .description('system reset: every device is reset (VFIO_DEVICE_RESET)')
    .argument('<id>')
    .action((id: string) => run(ctx, onTwin(ctx, 'vm reset', true, async (io, c) => (await vmModule()).vmReset({ id }, io, c))));
  vm.command('monitor')
    .description("run one HMP command, e.g. 'device_add vfio-ap,sysfsdev=...,id=ap0' or 'device_del ap0'")
    .argument('<id>')
    .argument('<command>')
    .action((id: string, command: string) => run(ctx, onTwin(ctx, 'vm monitor', true, async (io, c) => (await vmModule()).vmMonitor({ id, command }, io, c))));

  const guestModule = () => import('./commands/guest.js');
  const guestPseries = () => import('./commands/guest-pseries.js');
  const guestCrypto = () => import('./commands/guest-crypto.js');
  const guestPlatform = () => import('./commands/guest-platform.js');
  cryptoOptions(
    program
      .command('guest')
      .description(
        "what a guest's operating system sees and does: lszcrypt [-V] (its AP bus), rescan (scan now), crycb (format, APM, AQM, ADM), " +
          'crypto rsa-me|rsa-crt (its zcrypt on its passthrough queues), ap tapq APQN (TAPQ from its CPU); ' +
          'pseries guests: rtas NAME [ARG...] (one RTAS call: status=N and the outputs), lspci (lspci -nn -D), eeh recover DEVICE; ' +
          'ARM guests: dt (its device tree), interrupts (/proc/interrupts), mmio read|write DEVICE OFFSET [VALUE] (32-bit register access, hex)',
      )
      .argument('<id>', 'VM id')
      .argument('<action>', 'lszcrypt, rescan, crycb, crypto, ap, rtas, lspci, eeh, dt, interrupts or mmio')
      .argument('[args...]', 'crypto: rsa-me or rsa-crt; ap: tapq and an APQN such as 05.0004; rtas: NAME and its arguments; eeh: recover DEVICE; mmio: read|write DEVICE OFFSET [VALUE]')
      .option('-V, --verbose', 'lszcrypt: verbose columns')
      .option('--region <n>', 'mmio: the VFIO region of the device (default 0)'),
  ).action((id: string, action: string, rest: string[], o: { verbose?: boolean } & Record<string, string | undefined>) => {
    switch (action) {
      case 'lszcrypt':
        return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestModule()).guestLszcrypt({ id, verbose: o.verbose }, io, c)));
      case 'rescan':
        return run(ctx, onTwin(ctx, 'guest', true, async (io, c) => (await guestModule()).guestRescan({ id }, io, c)));
      case 'crycb':
        return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestModule()).guestCrycb({ id }, io, c)));
      case 'crypto':
        return run(ctx, onTwin(ctx, 'guest', true, async (io, c) => (await guestCrypto()).guestCrypto({ id, op: rest[0] ?? '', values: o }, io, c)));
      case 'dt':
        return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestPlatform()).guestDt({ id }, io, c)));
      case 'interrupts':
        return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestPlatform()).guestInterrupts({ id }, io, c)));
      case 'mmio':
        return run(
          ctx,
          onTwin(ctx, 'guest', true, async (io, c) =>
            (await guestPlatform()).guestMmio({ id, op: rest[0], device: rest[1], offset: rest[2], value: rest[3], region: o['region'] }, io, c),
          ),
        );
      case 'ap':
        if (rest[0] === 'tapq') return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestCrypto()).guestApTapq({ id, apqn: rest[1] }, io, c)));
        return run(ctx, (io) => {
          io.stderr.write(`vfioctl: guest ap: unknown instruction '${rest[0] ?? ''}' (tapq)\n${usageHint('guest')}`);
          return 2;
        });
      case 'rtas':
        return run(ctx, onTwin(ctx, 'guest', true, async (io, c) => (await guestPseries()).guestRtas({ id, name: rest[0] ?? '', args: rest.slice(1) }, io, c)));
      case 'lspci':
        return run(ctx, onTwin(ctx, 'guest', false, async (io, c) => (await guestPseries()).guestLspci({ id }, io, c)));
      case 'eeh':
        return run(ctx, onTwin(ctx, 'guest', true, async (io, c) => (await guestPseries()).guestEehRecover({ id, op: rest[0], device: rest[1] }, io, c)));
      default:
        return run(ctx, (io) => {
          io.stderr.write(`vfioctl: guest: unknown action '${action}' (lszcrypt, rescan, crycb, crypto, ap, rtas, lspci, eeh, dt, interrupts or mmio)\n${usageHint('guest')}`);
          return 2;
        });
    }
  });

  program
    .command('trace')
    .description('the realize/unrealize event trace (group open, container, KVM, CRYCB writes)')
    .option('--vm <id>', 'only this VM')
    .action((o: { vm?: string }) => run(ctx, onTwin(ctx, 'trace', false, async (io, c) => (await import('./commands/trace.js')).trace({ vm: o.vm }, io, c))));
}
