// The commander wiring of the management commands: `mdev <verb>` (mdevctl's spellings,
// including libvirt's `--parent=P --jsonfile=/dev/stdin`), `mdev check`, `ap mask` and
// `export qemu|libvirt-nodedev|libvirt-hostdev`. buildProgram calls
// registerManageCommands(program, …) once; every leaf takes --root DIR.

import { Command, Option } from 'commander';
import type { Occurrence } from '../manage/clap-validator.js';
import type { RawOptions } from '../manage/mdev-args.js';
import type { ReadFile } from '../manage/mdev-context.js';
import { apMask } from './commands/ap-mask.js';
import { exportMdev, type ExportFormat } from './commands/export-mdev.js';
import { mdevCheck, mdevCommand, type MdevVerb } from './commands/mdev.js';
import type { Io } from './io.js';

export interface ManageProgramContext {
  io: Io;
  /** The twin's state file (resolved from --state / $VFIOCTL_STATE / XDG). */
  state: () => string;
  setExitCode(code: number): void;
  /** How --jsonfile is read (tests inject stdin). */
  readFile?: ReadFile;
}

const ROOT_HELP = 'work on the real root DIR (DIR/sys, DIR/etc, DIR/run) instead of the twin; default: / when /sys/devices/vfio_ap exists';

function withRoot(cmd: Command): Command {
  return cmd.addOption(new Option('--root <dir>', ROOT_HELP));
}

const uuidOpt = (what: string) => new Option('-u, --uuid <UUID>', what);
const parentOpt = (what: string) => new Option('-p, --parent <PARENT>', what);
const typeOpt = (what: string) => new Option('-t, --type <type>', what);
const forceOpt = () => new Option('-f, --force', 'accepted for mdevctl compatibility (callouts are not run)').hideHelp();

function mdevCommands(program: Command, ctx: ManageProgramContext): void {
  const mdev = program
    .command('mdev')
    .description('mdevctl-compatible mediated device management: same files, options and output, with ap-check validation');
  // each option as given, in order: commander keeps only the last value, clap checks them all
  const given = new WeakMap<Command, Occurrence[]>();
  mdev.hook('preSubcommand', (_mdev, verb) => {
    const seen: Occurrence[] = [];
    given.set(verb, seen);
    for (const option of verb.options) verb.on(`option:${option.name()}`, (value?: string) => seen.push([option.attributeName(), value ?? true]));
  });
  const run = (verb: MdevVerb) => async (o: RawOptions & { root?: string }, cmd: Command) => {
    const { root, ...raw } = o;
    ctx.setExitCode(await mdevCommand(verb, raw, { state: ctx.state(), root, readFile: ctx.readFile, occurrences: given.get(cmd) }, ctx.io));
  };
  withRoot(mdev.command('types').description('list available mediated device types'))
    .addOption(parentOpt('show supported types for the specified parent'))
    .option('--dumpjson', 'output mdev types list in JSON format')
    .action(run('types'));
  withRoot(mdev.command('list').description('list mediated devices (active by default)'))
    .option('-d, --defined', 'show defined devices')
    .option('--dumpjson', 'output device list in json format')
    .option('-v, --verbose', 'print additional information about the devices')
    .addOption(uuidOpt('list devices matching the specified UUID'))
    .addOption(parentOpt('list devices associated with the specified parent device'))
    .action(run('list'));
  withRoot(mdev.command('define').description('define a persistent mediated device (validated with ap-check rules)'))
    .addOption(uuidOpt('assign UUID to the device'))
    .option('-a, --auto', 'automatically start device on parent availability')
    .addOption(parentOpt('specify the parent of the device'))
    .addOption(typeOpt('specify the mdev type of the device'))
    .option('--jsonfile <JSONFILE>', 'specify device details in JSON format')
    .addOption(forceOpt())
    .action(run('define'));
  withRoot(mdev.command('undefine').description('undefine a persistent mediated device'))
    .addOption(uuidOpt('UUID of the device to be undefined'))
    .addOption(parentOpt('parent of the device to be undefined'))
    .addOption(forceOpt())
    .action(run('undefine'));
  withRoot(mdev.command('modify').description('modify the definition of a mediated device, or a running one with --live'))
    .addOption(uuidOpt('UUID of the mdev to modify'))
    .addOption(parentOpt('parent of the mdev to modify'))
    .addOption(typeOpt('modify the mdev type for this device'))
    .option('--addattr <attr_name>', 'add a new attribute')
    .option('--delattr', 'delete an attribute')
    .option('-i, --index <INDEX>', 'index of the attribute to modify')
    .option('--value <attr_value>', 'value for the attribute specified by --addattr')
    .option('-a, --auto', 'device will be started automatically')
    .option('-m, --manual', 'device must be started manually')
    .option('--jsonfile <JSONFILE>', 'replace the definition (or, with --live, the running matrix) with this JSON')
    .option('-l, --live', 'apply --jsonfile to the running device through ap_config (one atomic write)')
    .option('-d, --defined', 'with --live: also change the definition')
    .addOption(forceOpt())
    .action(run('modify'));
  withRoot(mdev.command('start').description('start a defined device, or a transient one from parent and type or jsonfile'))
    .addOption(uuidOpt('UUID of the device to start'))
    .addOption(parentOpt('parent of the device to start'))
    .addOption(typeOpt('mdev type of the device to start'))
    .option('--jsonfile <JSONFILE>', 'details of the device to be started, in JSON format')
    .addOption(forceOpt())
    .action(run('start'));
  withRoot(mdev.command('stop').description('stop a mediated device'))
    .addOption(uuidOpt('UUID of the device to stop'))
    .addOption(forceOpt())
    .action(run('stop'));
  withRoot(mdev.command('start-parent-mdevs').description("start the parent's autostart devices (what udev runs)"))
    .argument('<parent>', 'parent device, e.g. matrix')
    .action(async (parent: string, o: { root?: string }) =>
      ctx.setExitCode(await mdevCommand('start-parent-mdevs', { parent }, { state: ctx.state(), root: o.root, readFile: ctx.readFile }, ctx.io)),
    );
  withRoot(mdev.command('check').description('validate every config against the host and each other; report all problems (exit 1 if any)')).action(
    async (o: { root?: string }) => ctx.setExitCode(await mdevCheck({ state: ctx.state(), root: o.root }, ctx.io)),
  );
}

function apMaskCommand(program: Command, ctx: ManageProgramContext): void {
  const ap = program.commands.find((c) => c.name() === 'ap') ?? program.command('ap').description('AP devices');
  withRoot(ap.command('mask').description("show or change the AP bus masks in chzdev's syntax (active, and with --persistent 41-ap.rules)"))
    .option('--apmask <list>', 'host-owned adapters, e.g. 3,5-10,0x25, or relative +0-4,-0xf0')
    .option('--aqmask <list>', 'host-owned domains, same syntax')
    .option('--persistent', 'also write /etc/udev/rules.d/41-ap.rules as chzdev does', false)
    .action(async (o: { apmask?: string; aqmask?: string; persistent: boolean; root?: string }) =>
      ctx.setExitCode(await apMask({ ...o, state: ctx.state() }, ctx.io)),
    );
}

function exportCommands(program: Command, ctx: ManageProgramContext): void {
  const exp = program.command('export').description('tell QEMU or libvirt about an mdev');
  const leaf = (format: ExportFormat, description: string) => withRoot(exp.command(format).description(description).argument('<uuid>', 'the mdev'));
  leaf('qemu', "QEMU's -device argument for the mdev")
    .option('--json', 'the JSON -device form libvirt passes')
    .action(async (uuid: string, o: { json?: boolean; root?: string }) =>
      ctx.setExitCode(await exportMdev({ format: 'qemu', uuid, json: o.json, root: o.root, state: ctx.state() }, ctx.io)),
    );
  for (const [format, description] of [
    ['libvirt-nodedev', 'a node-device document for virsh nodedev-define'],
    ['libvirt-hostdev', "a domain's <hostdev> element"],
  ] as const) {
    leaf(format, description).action(async (uuid: string, o: { root?: string }) =>
      ctx.setExitCode(await exportMdev({ format, uuid, root: o.root, state: ctx.state() }, ctx.io)),
    );
  }
}

/** Adds `mdev …`, `ap mask` and `export …` to vfioctl's program. */
export function registerManageCommands(program: Command, ctx: ManageProgramContext): void {
  mdevCommands(program, ctx);
  apMaskCommand(program, ctx);
  exportCommands(program, ctx);
}
