// The commander wiring of `mount` and `umount` (src/fuse/commands), and the forwarding that
// keeps one truth: while a mount serves a state, every other command on that state runs
// inside the serving process. The mount code (and the twin) load only when used.

import type { Command } from 'commander';
import { forwardToServer, SERVED_ENV } from '../fuse/forward.js';
import type { Io } from './io.js';
import { resolveStatePath, type Env } from './state-path.js';

export interface FuseProgramContext {
  io: Io;
  env: Env;
  state: () => string;
  setExitCode(code: number): void;
}

export function registerFuseCommands(program: Command, ctx: FuseProgramContext): void {
  program
    .command('mount')
    .description("serve the twin's /sys at DIR with FUSE (DIR holds bus/, devices/, class/, kernel/); other commands then go through the server")
    .argument('<dir>', 'mount point (an existing directory)')
    .option('--daemon', 'serve in the background once mounted (log: <state>.mount.log)', false)
    .action(async (dir: string, o: { daemon: boolean }) => {
      const [{ fuseMount }, { StateStore }, { main }] = await Promise.all([import('../fuse/commands.js'), import('./state-store.js'), import('./main.js')]);
      const state = ctx.state();
      ctx.setExitCode(await fuseMount({ dir, daemon: o.daemon, state, store: new StateStore(state), runCli: main, env: ctx.env }, ctx.io));
    });
  program
    .command('umount')
    .description('unmount a twin mount (also one whose server died); its server saves the twin and exits')
    .argument('<dir>', 'mount point')
    .option('-l, --lazy', 'detach now even while in use; the server ends when the last user leaves', false)
    .action(async (dir: string, o: { lazy: boolean }) => {
      const { fuseUmount } = await import('../fuse/commands.js');
      ctx.setExitCode(await fuseUmount({ dir, lazy: o.lazy }, ctx.io));
    });
}

/** `--state FILE` / `--state=FILE` wherever commander would take it, the command word, and --root. */
function scanArgv(argv: readonly string[]): { state?: string; command?: string; root: boolean } {
  let state: string | undefined;
  let command: string | undefined;
  let root = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--state') state = argv[++i];
    else if (a.startsWith('--state=')) state = a.slice('--state='.length);
    else if (a === '--root' || a.startsWith('--root=')) root = true;
    else if (command === undefined && !a.startsWith('-')) command = a;
    // QEMU's arguments are QEMU's (main.ts splits them off the same way)
    if (command === 'qemu') break;
  }
  return { state, command, root };
}

/**
 * Runs the command inside the process serving its state, if a mount serves it: the exit
 * code, or undefined to run it here. Inside the server (SERVED_ENV) nothing is forwarded.
 */
export async function forwardIfServed(argv: string[], io: Io, env: Env): Promise<number | undefined> {
  if (env[SERVED_ENV]) return undefined;
  const { state, command, root } = scanArgv(argv);
  // --root DIR works on a real root, not on the state (DIR/sys may even be the mount)
  if (command === 'mount' || command === 'umount' || command === 'demo' || root) return undefined;
  return forwardToServer({ state: resolveStatePath(state, env), argv, env }, io);
}
