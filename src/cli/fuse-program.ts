// The commander wiring of `mount` and `umount` (src/fuse/commands). The mount code and the
// twin load only when used.

import type { Command } from 'commander';
import type { Io } from './io.js';
import { rejectRoot } from './cli-error.js';
import { run, type ProgramContext } from './program-context.js';

export interface FuseProgramContext extends ProgramContext {
  /** vfioctl's own entry point: the server runs forwarded command lines through it. */
  runCli(argv: string[], io: Io, env: ProgramContext['env']): Promise<number>;
}

export function registerFuseCommands(program: Command, ctx: FuseProgramContext): void {
  program
    .command('mount')
    .description("serve the twin's /sys at DIR with FUSE (DIR holds bus/, devices/, class/, kernel/); other commands then go through the server")
    .argument('<dir>', 'mount point (an existing directory)')
    .option('--daemon', 'serve in the background once mounted (log: <state>.mount.log)', false)
    .action((dir: string, o: { daemon: boolean }) =>
      run(
        ctx,
        rejectRoot(ctx, 'mount') ??
          (async (io) => {
            const [{ fuseMount }, { StateStore }] = await Promise.all([import('../fuse/commands.js'), import('../api/state-store.js')]);
            const state = ctx.state();
            return fuseMount({ dir, daemon: o.daemon, state, store: new StateStore(state), runCli: ctx.runCli, env: ctx.env }, io);
          }),
      ),
    );
  program
    .command('umount')
    .description('unmount a twin mount (also one whose server died); its server saves the twin and exits')
    .argument('<dir>', 'mount point')
    .option('-l, --lazy', 'detach now even while in use; the server ends when the last user leaves', false)
    .action((dir: string, o: { lazy: boolean }) => run(ctx, async (io) => (await import('../fuse/commands.js')).fuseUmount({ dir, lazy: o.lazy }, io)));
}
