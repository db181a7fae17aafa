// The options every vfioctl command takes, wherever they stand on the command line (before
// the command, between group and verb, or after the arguments): --state and --root.

import { Command, Option } from 'commander';
import { resolveStatePath, type Env } from '../api/state-path.js';

const ROOT_HELP = 'work on the real root DIR (DIR/sys, DIR/etc, DIR/run) instead of the twin; management commands default to / when /sys/devices/vfio_ap exists';

export interface GlobalOptions {
  state?: string;
  root?: string;
}

/** Adds --state and --root to the program; subcommand help lists them as global options. */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(new Option('--state <file>', 'twin state file'))
    .addOption(new Option('--root <dir>', ROOT_HELP))
    .configureHelp({ showGlobalOptions: true });
}

/** The resolved state path and --root of the program's global options. */
export function globalAccessors(program: Command, env: Env): { state: () => string; root: () => string | undefined } {
  return {
    state: () => resolveStatePath(program.opts<GlobalOptions>().state, env),
    root: () => program.opts<GlobalOptions>().root,
  };
}
