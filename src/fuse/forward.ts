// The client side of "one truth": while a mount serves a state, a vfioctl command on that
// state runs inside the serving process. Kept apart from the server code so the CLI can
// check for a server on every start without loading the twin.

import { existsSync, readFileSync } from 'node:fs';
import { NoServerError, PROTOCOL_VERSION, request, socketPath, type RunReply } from './control-socket.js';

export { SERVED_ENV } from './socket-path.js';

/** Paths that name the caller's own stdin; the server gets the bytes instead. */
const STDIN_PATHS = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export type Env = Readonly<Record<string, string | undefined>>;

export interface Writer {
  write(chunk: string | Uint8Array): void;
}

export interface ForwardArgs {
  /** The state file the command works on (absolute). */
  state: string;
  /** The command line as the user gave it (without the program name). */
  argv: string[];
  cwd?: string;
  env?: Env;
  /** Reads the caller's stdin (default: fd 0), only when argv names it. */
  readStdin?: () => Buffer;
}

/** Whether argv reads the caller's stdin: a stdin path anywhere, or `--jsonfile -`. */
export function readsStdin(argv: readonly string[]): boolean {
  return argv.some((a, i) => {
    const value = a.includes('=') && a.startsWith('--') ? a.slice(a.indexOf('=') + 1) : a;
    if (STDIN_PATHS.has(value)) return true;
    return (a === '--jsonfile=-' || (a === '-' && argv[i - 1] === '--jsonfile'));
  });
}

/** argv with every reference to stdin replaced by `file` (the server's copy of the bytes). */
export function redirectStdin(argv: readonly string[], file: string): string[] {
  return argv.map((a, i) => {
    if (a.startsWith('--') && a.includes('=')) {
      const eq = a.indexOf('=');
      const value = a.slice(eq + 1);
      if (STDIN_PATHS.has(value) || (value === '-' && a.startsWith('--jsonfile='))) return `${a.slice(0, eq + 1)}${file}`;
      return a;
    }
    if (STDIN_PATHS.has(a) || (a === '-' && argv[i - 1] === '--jsonfile')) return file;
    return a;
  });
}

/**
 * Runs a command inside the server that serves `state`, if one does: its output goes to
 * io and its exit code is returned. undefined when no server serves the state (a missing
 * or stale socket): run the command here as usual. Never call it inside the server
 * (SERVED_ENV is set there).
 */
export async function forwardToServer(args: ForwardArgs, io: { stdout: Writer; stderr: Writer }): Promise<number | undefined> {
  const sock = socketPath(args.state);
  if (!existsSync(sock)) return undefined;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(args.env ?? process.env)) if (v !== undefined) env[k] = v;
  let stdin: string | undefined;
  if (readsStdin(args.argv)) stdin = (args.readStdin ?? (() => readFileSync(0)))().toString('base64');
  let reply: RunReply;
  try {
    reply = await request<RunReply>(sock, {
      v: PROTOCOL_VERSION,
      op: 'run',
      state: args.state,
      argv: args.argv,
      cwd: args.cwd ?? process.cwd(),
      env,
      ...(stdin !== undefined ? { stdin } : {}),
    });
  } catch (e) {
    if (e instanceof NoServerError) return undefined;
    io.stderr.write(`vfioctl: the server of ${args.state} failed: ${(e as Error).message}\n`);
    return 1;
  }
  if (!reply.ok) {
    io.stderr.write(`vfioctl: ${reply.error}\n`);
    return 1;
  }
  io.stdout.write(Buffer.from(reply.stdout, 'base64'));
  io.stderr.write(Buffer.from(reply.stderr, 'base64'));
  return reply.code;
}
