// The commander wiring of every vfioctl command: argument parsing only; each action calls
// one command function and records its exit code.

import { Command } from 'commander';
import { apList } from './commands/ap-list.js';
import { demo } from './commands/demo.js';
import { dmesg } from './commands/dmesg.js';
import { hostConfig } from './commands/host-config.js';
import { hostCryptoCommand } from './crypto-program.js';
import { hostExport } from './commands/host-export.js';
import { hostInit } from './commands/host-init.js';
import { sysLs } from './commands/sys-ls.js';
import { sysRead } from './commands/sys-read.js';
import { sysReadlink } from './commands/sys-readlink.js';
import { sysRealpath } from './commands/sys-realpath.js';
import { sysTree } from './commands/sys-tree.js';
import { sysWrite } from './commands/sys-write.js';
import { registerFuseCommands } from './fuse-program.js';
import type { Io } from './io.js';
import { registerManageCommands } from './manage-program.js';
import { resolveStatePath, type Env } from './state-path.js';
import { packageVersion } from './version.js';
import { vmCommands } from './vm-program.js';

export interface ProgramContext {
  io: Io;
  env: Env;
  /** The arguments after `qemu`, split off before commander parses (main.ts). */
  qemuArgv: string[];
  /** Receives the exit code of the command that ran. */
  setExitCode(code: number): void;
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

function parseLevel(text: string): number {
  return /^[0-9]+$/.test(text) ? Number(text) : NaN;
}

function hostCommands(program: Command, state: () => string, run: Runner): void {
  const host = program.command('host').description('create, reconfigure and export the host twin');
  host
    .command('init')
    .description('boot a new twin and store it (refuses to replace an existing one without --force)')
    .option('--preset <name>', 'machine preset: doc, z16 or max (default: doc)')
    .option('--spec <file>', 'boot from a JSON HostSpec instead of a preset')
    .option('--profile <profile>', 'kernel behaviour profile: modern or legacy')
    .option('--force', 'replace an existing twin state', false)
    .action((o: { preset?: string; spec?: string; profile?: string; force: boolean }) => run((io) => hostInit({ ...o, state: state() }, io)));
  host
    .command('config')
    .description('add or remove an adapter, usage domain or control domain in the LPAR configuration; the AP bus rescans')
    .argument('<op>', 'add or remove')
    .argument('<resource>', 'adapter, domain or control-domain')
    .argument('<id>', 'id, decimal or 0x hex')
    .option('--type <type>', 'card type of an added adapter, CEX4..CEX8 plus A, C or P (default CEX8C)')
    .action((op: string, resource: string, id: string, o: { type?: string }) =>
      run((io) => hostConfig({ op, resource, id, type: o.type, state: state() }, io)),
    );
  host
    .command('export')
    .description("write the twin's sysfs as a real tree under DIR/sys (files, empty 0200 write-only files, symlinks)")
    .argument('<dir>', 'destination directory')
    .option('--force', 'replace an existing DIR/sys', false)
    .action((dir: string, o: { force: boolean }) => run((io) => hostExport({ dir, force: o.force, state: state() }, io)));
  hostCryptoCommand(host, state, run);
}

function sysCommands(program: Command, state: () => string, run: Runner): void {
  const sys = program.command('sys').description("read and write the twin's sysfs like cat, echo, ls and tree do");
  sys
    .command('read')
    .description("print a file's bytes exactly")
    .argument('<path>')
    .action((path: string) => run((io) => sysRead({ path, state: state() }, io)));
  sys
    .command('write')
    .description('write VALUE plus a newline in one write(2), as echo VALUE > PATH does (VALUE may start with -)')
    .argument('<path>')
    .argument('<value>')
    .option('--no-newline', 'write VALUE without the trailing newline (echo -n)')
    // lets a VALUE such as -5,-6 through without `--`
    .allowUnknownOption()
    .action((path: string, value: string, o: { newline: boolean }) => run((io) => sysWrite({ path, value, newline: o.newline, state: state() }, io)));
  sys
    .command('ls')
    .description('list a directory, one name per line, sorted')
    .argument('<path>')
    .action((path: string) => run((io) => sysLs({ path, state: state() }, io)));
  sys
    .command('readlink')
    .description("print a symlink's target")
    .argument('<path>')
    .action((path: string) => run((io) => sysReadlink({ path, state: state() }, io)));
  sys
    .command('realpath')
    .description('print the path with every symlink resolved')
    .argument('<path>')
    .action((path: string) => run((io) => sysRealpath({ path, state: state() }, io)));
  sys
    .command('tree')
    .description('show a directory tree (symlinks as name -> target, not followed)')
    .argument('[path]', 'where to start', '/sys')
    .option('-L <level>', 'descend at most this many levels', parseLevel)
    .action((path: string, o: { L?: number }) => run((io) => sysTree({ path, level: o.L, state: state() }, io)));
}

type Runner = (command: (io: Io) => Promise<number>) => Promise<void>;

export function buildProgram(ctx: ProgramContext): Command {
  const { io } = ctx;
  const program = new Command('vfioctl')
    .description('vfio-ap passthrough toolkit: a kernel-faithful s390 host twin (AP bus, mdev, VFIO, vfio_ap) you can drive like a real host')
    .version(packageVersion(), '--version', 'print the version')
    .option('--state <file>', 'twin state file')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`vfioctl: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError("(run 'vfioctl --help' for usage)")
    .addHelpText('after', HELP_AFTER);
  const state = (): string => resolveStatePath(program.opts<{ state?: string }>().state, ctx.env);
  const run: Runner = async (command) => ctx.setExitCode(await command(io));
  hostCommands(program, state, run);
  sysCommands(program, state, run);
  program
    .command('dmesg')
    .description("print the twin's kernel log as dmesg does")
    .action(() => run((io) => dmesg({ state: state() }, io)));
  program
    .command('ap')
    .description('AP devices')
    .command('list')
    .description("lszcrypt's device table, byte for byte")
    .option('-V, --verbose', 'add PENDING, HWTYPE, QDEPTH, FUNCTIONS and DRIVER; show queues bound to vfio_ap')
    .option('--json', 'print the rows as a JSON array')
    .action((o: { verbose?: boolean; json?: boolean }) => run((io) => apList({ verbose: !!o.verbose, json: !!o.json, state: state() }, io)));
  vmCommands(program, state, run, ctx.qemuArgv);
  registerManageCommands(program, { io, state, setExitCode: ctx.setExitCode });
  registerFuseCommands(program, { io, env: ctx.env, state, setExitCode: ctx.setExitCode });
  program
    .command('demo')
    .description("walk through the kernel documentation's vfio-ap example on a fresh in-memory twin")
    .action(() => run((io) => demo({}, io)));
  return program;
}
