// The commander tree of every vfioctl command: argument parsing only. Each group's wiring
// lives in its own file, and every command's module loads when that command runs, so a
// start pays only for the command it runs.

import { Command } from 'commander';
import { registerApCommands } from './ap-program.js';
import { rejectRoot, usageHint } from './cli-error.js';
import { registerFuseCommands, type FuseProgramContext } from './fuse-program.js';
import { addGlobalOptions, globalAccessors } from './global-options.js';
import { registerHostCommands } from './host-program.js';
import { registerManageCommands } from './manage-program.js';
import { run } from './program-context.js';
import { registerServeCommand } from './serve-program.js';
import { registerSysCommands } from './sys-program.js';
import { packageVersion } from './version.js';
import { registerVmCommands } from './vm-program.js';

export interface BuildContext extends Omit<FuseProgramContext, 'state' | 'root'> {
  /** The arguments after `qemu`, split off before commander parses (main.ts). */
  qemuArgv: string[];
}

const HELP_AFTER = `
State:
  The twin lives in a JSON state file: --state FILE, else $VFIOCTL_STATE, else
  $XDG_STATE_HOME/vfioctl/twin.json (~/.local/state/vfioctl/twin.json).

Errors:
  A failed system call prints 'vfioctl: <op> <path>: <ERRNO> (<strerror text>)' on
  stderr and exits 1; usage errors exit 2.

Examples:
  $ vfioctl demo
  $ vfioctl host init --preset doc
  $ vfioctl sys write /sys/bus/ap/apmask -5,-6
  $ vfioctl sys write /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create \\
        62177883-f1bb-47f0-914d-32a22e3a8804
  $ vfioctl sys read /sys/devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/matrix
  $ vfioctl ap list -V
  $ vfioctl dmesg
`;

/** The command's words after `vfioctl`, e.g. `mdev list`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every usage error ends with a hint that names the command's own help. */
function hintEverywhere(cmd: Command): void {
  cmd.showHelpAfterError(usageHint(commandPath(cmd)).trimEnd());
  for (const sub of cmd.commands) hintEverywhere(sub);
}

export function buildProgram(build: BuildContext): Command {
  const { io } = build;
  const program = addGlobalOptions(
    new Command('vfioctl').description(
      'VFIO passthrough toolkit: a kernel-faithful host twin (AP bus, mdev, VFIO, vfio_ap) you can drive like a real host, a QEMU model and mdevctl-compatible management',
    ),
  )
    .version(packageVersion(), '--version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`vfioctl: ${s.replace(/^error: /, '')}`),
    })
    .addHelpText('after', HELP_AFTER);
  const ctx: FuseProgramContext = { ...build, ...globalAccessors(program, build.env) };
  registerHostCommands(program, ctx);
  registerSysCommands(program, ctx);
  registerApCommands(program, ctx);
  registerVmCommands(program, ctx, build.qemuArgv);
  registerManageCommands(program, ctx);
  registerFuseCommands(program, ctx);
  registerServeCommand(program, ctx);
  program
    .command('demo')
    .description("walk through the kernel documentation's vfio-ap example on a fresh in-memory twin (--arch: platform passthrough on ARM, EEH on POWER)")
    .option('--arch <arch>', 's390x (vfio-ap, the default), aarch64 (seattle, vfio-amd-xgbe), arm (midway, vfio-calxeda-xgmac) or ppc64le (p9, vfio-pci with EEH on pseries)')
    .action((o: { arch?: string }) => run(ctx, rejectRoot(ctx, 'demo') ?? (async (io) => (await import('./commands/demo.js')).demo({ arch: o.arch }, io))));
  hintEverywhere(program);
  return program;
}
