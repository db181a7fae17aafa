// What every command group's wiring receives: where output goes, the global options, and
// how to report the exit code of the command that ran.

import type { Env } from '../api/state-path.js';
import type { Io } from './io.js';

export interface ProgramContext {
  io: Io;
  env: Env;
  /** The state file (--state, $VFIOCTL_STATE or the XDG default), resolved when asked. */
  state(): string;
  /** --root DIR, if given. */
  root(): string | undefined;
  /** Receives the exit code of the command that ran. */
  setExitCode(code: number): void;
}

/** Runs one command function (loaded when the command runs) and records its exit code. */
export async function run(ctx: ProgramContext, command: (io: Io) => Promise<number> | number): Promise<void> {
  ctx.setExitCode(await command(ctx.io));
}
