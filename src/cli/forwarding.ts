// One truth: while a mount or `vfioctl serve` serves a state, every other command on that state runs inside
// the serving process. Checked on every start without loading the twin.

import { existsSync } from 'node:fs';
import { resolveStatePath, type Env } from '../api/state-path.js';
import { SERVED_ENV, socketPath } from '../fuse/socket-path.js';
import type { Io } from './io.js';

/** `--state FILE` / `--state=FILE` wherever commander would take it, the command word, and --root. */
function scanArgv(argv: readonly string[]): { state?: string; command?: string; root: boolean } {
  let state: string | undefined;
  let command: string | undefined;
  let root = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--state') state = argv[++i];
    else if (a.startsWith('--state=')) state = a.slice('--state='.length);
    else if (a === '--root') {
      root = true;
      i++;
    } else if (a.startsWith('--root=')) root = true;
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
  if (command === 'mount' || command === 'umount' || command === 'serve' || command === 'demo' || root) return undefined;
  const path = resolveStatePath(state, env);
  if (!existsSync(socketPath(path))) return undefined;
  const { forwardToServer } = await import('../fuse/forward.js');
  return forwardToServer({ state: path, argv, env }, io);
}
