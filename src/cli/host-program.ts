// The commander wiring of `host init|config|export`: argument parsing only; each command's
// module loads when it runs.

import type { Command } from 'commander';
import { rejectRoot } from './cli-error.js';
import { run, type ProgramContext } from './program-context.js';
import { cryptoOptions } from './crypto-options.js';

export function registerHostCommands(program: Command, ctx: ProgramContext): void {
  const host = program.command('host').description('create, reconfigure and export the host twin');
  host
    .command('init')
    .description('boot a new twin and store it (refuses to replace an existing one without --force)')
    .option('--preset <name>', 'machine preset: doc, z16, max (s390x), seattle (aarch64) or midway (arm) (default: doc)')
    .option('--spec <file>', 'boot from a JSON HostSpec instead of a preset')
    .option('--profile <profile>', 'kernel behaviour profile: modern or legacy')
    .option('--force', 'replace an existing twin state', false)
    .action((o: { preset?: string; spec?: string; profile?: string; force: boolean }) =>
      run(ctx, rejectRoot(ctx, 'host init') ?? (async (io) => (await import('./commands/host-init.js')).hostInit({ ...o, state: ctx.state() }, io))),
    );
  host
    .command('config')
    .description('add or remove an adapter, usage domain or control domain in the LPAR configuration; the AP bus rescans')
    .argument('<op>', 'add or remove')
    .argument('<resource>', 'adapter, domain or control-domain')
    .argument('<id>', 'id, decimal or 0x hex')
    .option('--type <type>', 'card type of an added adapter, CEX4..CEX8 plus A, C or P (default CEX8C)')
    .action((op: string, resource: string, id: string, o: { type?: string }) =>
      run(ctx, rejectRoot(ctx, 'host config') ?? (async (io) => (await import('./commands/host-config.js')).hostConfig({ op, resource, id, type: o.type, state: ctx.state() }, io))),
    );
  host
    .command('export')
    .description("write the twin's sysfs, /etc and /run as a real tree under DIR (a fake root for mdevctl, lszcrypt, vfioctl --root)")
    .argument('<dir>', 'destination directory')
    .option('--force', 'replace an existing DIR/sys', false)
    .action((dir: string, o: { force: boolean }) =>
      run(ctx, rejectRoot(ctx, 'host export') ?? (async (io) => (await import('./commands/host-export.js')).hostExport({ dir, force: o.force, state: ctx.state() }, io))),
    );
  host
    .command('irq')
    .description("an ARM host's platform device raises its interrupt line (level: until --deassert; edge: one pulse)")
    .argument('<device>', 'platform device name, e.g. e0700000.xgmac')
    .argument('<index>', 'interrupt index of the device (0 = its first `interrupts` entry)')
    .option('--deassert', 'drop a level line instead', false)
    .action((device: string, index: string, o: { deassert: boolean }) =>
      run(ctx, rejectRoot(ctx, 'host irq') ?? (async (io) => (await import('./commands/host-device.js')).hostIrq({ device, index, deassert: o.deassert, state: ctx.state() }, io))),
    );
  host
    .command('device')
    .description("a platform device's hardware: `regs` prints its register file as offset value pairs")
    .argument('<device>', 'platform device name')
    .argument('<what>', 'regs')
    .option('--region <n>', 'the reg range (VFIO region) to print', '0')
    .action((device: string, what: string, o: { region: string }) =>
      run(
        ctx,
        rejectRoot(ctx, 'host device') ??
          (async (io) => {
            const m = await import('./commands/host-device.js');
            if (what !== 'regs') {
              io.stderr.write(`vfioctl: host device: unknown action '${what}' (expected regs)\n`);
              return 2;
            }
            return m.hostDeviceRegs({ device, region: o.region, state: ctx.state() }, io);
          }),
      ),
    );
  host
    .command('eeh')
    .description('POWER hosts: inject an EEH error into a PCI function\'s PE, or print the PE\'s state (BDF PE#N state=S (NAME))')
    .argument('<op>', 'inject or state')
    .argument('<bdf>', 'the PCI function, e.g. 0000:01:00.0')
    .option('--type <bits>', 'inject: the error type, 32 or 64 (default 32)')
    .option('--func <n>', 'inject: the error function, 0..19 (default 0, a load from MMIO)')
    .action((op: string, bdf: string, o: { type?: string; func?: string }) =>
      run(ctx, rejectRoot(ctx, 'host eeh') ?? (async (io) => (await import('./commands/host-eeh.js')).hostEeh({ op, bdf, ...o, state: ctx.state() }, io))),
    );
  cryptoOptions(
    host
      .command('crypto')
      .description("one RSA operation through the host's /dev/z90crypt (ICARSAMODEXPO or ICARSACRT): prints the result as hex")
      .argument('<op>', 'rsa-me or rsa-crt'),
  ).action((op: string, o: Record<string, string | undefined>) =>
    run(ctx, rejectRoot(ctx, 'host crypto') ?? (async (io) => (await import('./commands/host-crypto.js')).hostCrypto({ op, values: o, state: ctx.state() }, io))),
  );
}
