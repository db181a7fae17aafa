// The commander wiring of the management commands: `mdev <verb>` (mdevctl's spellings,
// including libvirt's `--parent=P --jsonfile=/dev/stdin`), `mdev check` and
// `export qemu|libvirt-nodedev|libvirt-hostdev`. Every command honours the global --root;
// each command's module loads when it runs.

import { Option, type Command } from 'commander';
import type { Occurrence } from '../manage/clap-validator.js';
import type { RawOptions } from '../manage/mdev-args.js';
import type { ReadFile } from '../manage/mdev-context.js';
import type { ExportFormat } from './commands/export-mdev.js';
import type { MdevVerb } from './commands/mdev.js';
import type { Io } from './io.js';

export interface ManageProgramContext {
  io: Io;
  /** The twin's state file (resolved from --state / $VFIOCTL_STATE / XDG). */
  state: () => string;
  /** The global --root DIR, if given. */
  root: () => string | undefined;
  setExitCode(code: number): void;
  /** How --jsonfile is read (tests inject stdin). */
  readFile?: ReadFile;
}

const uuidOpt = (what: string) => new Option('-u, --uuid <UUID>', what);
const parentOpt = (what: string) => new Option('-p, --parent <PARENT>', what);
const typeOpt = (what: string) => new Option('-t, --type <type>', what);
const forceOpt = () => new Option('-f, --force', 'accepted for mdevctl compatibility (callouts are not run)').hideHelp();

const mdevModule = () => import('./commands/mdev.js');

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
  const session = (cmd?: Command) => ({ state: ctx.state(), root: ctx.root(), readFile: ctx.readFile, occurrences: cmd && given.get(cmd) });
  const run = (verb: MdevVerb) => async (raw: RawOptions, cmd: Command) => {
    ctx.setExitCode(await (await mdevModule()).mdevCommand(verb, raw, session(cmd), ctx.io));
  };
  mdev.command('types').description('list available mediated device types')
    .addOption(parentOpt('show supported types for the specified parent'))
    .option('--dumpjson', 'output mdev types list in JSON format')
    .action(run('types'));
  mdev.command('list').description('list mediated devices (active by default)')
    .option('-d, --defined', 'show defined devices')
    .option('--dumpjson', 'output device list in json format')
    .option('-v, --verbose', 'print additional information about the devices')
    .addOption(uuidOpt('list devices matching the specified UUID'))
    .addOption(parentOpt('list devices associated with the specified parent device'))
    .action(run('list'));
  mdev.command('define').description('define a persistent mediated device (validated with ap-check rules)')
    .addOption(uuidOpt('assign UUID to the device'))
    .option('-a, --auto', 'automatically start device on parent availability')
    .addOption(parentOpt('specify the parent of the device'))
    .addOption(typeOpt('specify the mdev type of the device'))
    .option('--jsonfile <JSONFILE>', 'specify device details in JSON format')
    .addOption(forceOpt())
    .action(run('define'));
  mdev.command('undefine').description('undefine a persistent mediated device')
    .addOption(uuidOpt('UUID of the device to be undefined'))
    .addOption(parentOpt('parent of the device to be undefined'))
    .addOption(forceOpt())
    .action(run('undefine'));
  mdev.command('modify').description('modify the definition of a mediated device, or a running one with --live')
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
  mdev.command('start').description('start a defined device, or a transient one from parent and type or jsonfile')
    .addOption(uuidOpt('UUID of the device to start'))
    .addOption(parentOpt('parent of the device to start'))
    .addOption(typeOpt('mdev type of the device to start'))
    .option('--jsonfile <JSONFILE>', 'details of the device to be started, in JSON format')
    .addOption(forceOpt())
    .action(run('start'));
  mdev.command('stop').description('stop a mediated device')
    .addOption(uuidOpt('UUID of the device to stop'))
    .addOption(forceOpt())
    .action(run('stop'));
  mdev.command('start-parent-mdevs').description("start the parent's autostart devices (what udev runs)")
    .argument('<parent>', 'parent device, e.g. matrix')
    .action(async (parent: string) => ctx.setExitCode(await (await mdevModule()).mdevCommand('start-parent-mdevs', { parent }, session(), ctx.io)));
  mdev.command('check').description('validate every config against the host and each other; report all problems (exit 1 if any)').action(async () =>
    ctx.setExitCode(await (await mdevModule()).mdevCheck({ state: ctx.state(), root: ctx.root() }, ctx.io)),
  );
}

function exportCommands(program: Command, ctx: ManageProgramContext): void {
  const exp = program.command('export').description('tell QEMU or libvirt about an mdev');
  const leaf = (format: ExportFormat, description: string) => exp.command(format).description(description).argument('<uuid>', 'the mdev');
  const exportModule = () => import('./commands/export-mdev.js');
  leaf('qemu', "QEMU's -device argument for the mdev")
    .option('--json', 'the JSON -device form libvirt passes')
    .action(async (uuid: string, o: { json?: boolean }) =>
      ctx.setExitCode(await (await exportModule()).exportMdev({ format: 'qemu', uuid, json: o.json, root: ctx.root(), state: ctx.state() }, ctx.io)),
    );
  for (const [format, description] of [
    ['libvirt-nodedev', 'a node-device document for virsh nodedev-define'],
    ['libvirt-hostdev', "a domain's <hostdev> element"],
  ] as const) {
    leaf(format, description).action(async (uuid: string) =>
      ctx.setExitCode(await (await exportModule()).exportMdev({ format, uuid, root: ctx.root(), state: ctx.state() }, ctx.io)),
    );
  }
}

/** Adds `mdev …` and `export …` to vfioctl's program. */
export function registerManageCommands(program: Command, ctx: ManageProgramContext): void {
  mdevCommands(program, ctx);
  exportCommands(program, ctx);
}
