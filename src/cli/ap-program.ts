// The commander wiring of `ap list` (lszcrypt's table) and `ap mask` (chzdev's masks):
// argument parsing only; each command's module loads when it runs.

import type { Command } from 'commander';
import { run, type ProgramContext } from './program-context.js';

export function registerApCommands(program: Command, ctx: ProgramContext): void {
  const ap = program.command('ap').description('AP devices: the lszcrypt view and the AP bus masks');
  ap.command('list')
    .description("lszcrypt's device table, byte for byte (the twin, --root DIR's sysfs, or $SYSFS_ROOT as lszcrypt reads it)")
    .option('-V, --verbose', 'add PENDING, HWTYPE, QDEPTH, FUNCTIONS and DRIVER; show queues bound to vfio_ap')
    .option('--json', 'print the rows as a JSON array')
    .action((o: { verbose?: boolean; json?: boolean }) =>
      run(ctx, async (io) =>
        (await import('./commands/ap-list.js')).apList({ verbose: !!o.verbose, json: !!o.json, state: ctx.state(), root: ctx.root(), sysfsRoot: ctx.env.SYSFS_ROOT }, io),
      ),
    );
  ap.command('mask')
    .description("show or change the AP bus masks in chzdev's syntax (active, and with --persistent 41-ap.rules)")
    .option('--apmask <list>', 'host-owned adapters, e.g. 3,5-10,0x25, or relative +0-4,-0xf0')
    .option('--aqmask <list>', 'host-owned domains, same syntax')
    .option('--persistent', 'also write /etc/udev/rules.d/41-ap.rules as chzdev does', false)
    .action((o: { apmask?: string; aqmask?: string; persistent: boolean }) =>
      run(ctx, async (io) => (await import('./commands/ap-mask.js')).apMask({ ...o, root: ctx.root(), state: ctx.state() }, io)),
    );
}
