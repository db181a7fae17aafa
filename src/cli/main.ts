// vfioctl's entry point (bin/vfioctl): parses argv, runs one command, returns the exit code.

import { CommanderError } from 'commander';
import type { Env } from '../api/state-path.js';
import { forwardIfServed } from './forwarding.js';
import { processIo, type Io } from './io.js';
import { buildProgram } from './program.js';

/** Exit code of usage errors (unknown command or option, missing argument), as getopt tools use. */
export const EXIT_USAGE = 2;

/** commander "errors" with exit code 0 are help or version output; the rest are usage errors. */
function commanderExit(e: CommanderError): number {
  return e.exitCode === 0 ? 0 : EXIT_USAGE;
}

/** Global options that take a value, wherever they stand before `qemu`. */
const VALUE_OPTIONS = new Set(['--state', '--root']);

/**
 * Splits `[--state FILE] [--root DIR] qemu ARGS…`: everything after `qemu` belongs to QEMU
 * verbatim (`-device`, `-h`, `--device` …), so commander never sees it.
 */
export function splitQemuArgv(argv: string[]): { head: string[]; qemuArgv?: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if ([...VALUE_OPTIONS].some((o) => arg.startsWith(`${o}=`))) continue;
    if (arg === 'qemu') return { head: argv.slice(0, i + 1), qemuArgv: argv.slice(i + 1) };
    return { head: argv };
  }
  return { head: argv };
}

export async function main(argv: string[], io: Io = processIo(), env: Env = process.env): Promise<number> {
  // while a mount serves this state, the serving process runs the command (one truth)
  const served = await forwardIfServed(argv, io, env);
  if (served !== undefined) return served;
  let exitCode = 0;
  const { head, qemuArgv } = splitQemuArgv(argv);
  const program = buildProgram({ io, env, qemuArgv: qemuArgv ?? [], setExitCode: (code) => (exitCode = code), runCli: main });
  try {
    await program.parseAsync(head, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return commanderExit(e);
    // a bug, not a user error: say so, with the detail needed to report it
    io.stderr.write(`vfioctl: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}
