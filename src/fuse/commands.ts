// `vfioctl mount DIR [--daemon]`, `vfioctl umount DIR [--lazy]`, and the forwarding every
// other command does while a mount serves its state. Plain functions (args, io) → exit
// code; the CLI wires them (the state store and the in-process runner come from there).

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { ping, socketPath, SocketPathError } from './control-socket.js';
import { canonicalDir, findMount, isBusy, servedState, unmount } from './mount-table.js';
import { ServeError, TwinServer, type CliRunner, type Env, type Io, type TwinStore } from './twin-server.js';

export { forwardToServer, SERVED_ENV } from './forward.js';

/** Set by `mount --daemon` for its server child: the fd on which it reports readiness. */
export const READY_FD_ENV = 'VFIOCTL_MOUNT_READY_FD';

export interface MountArgs {
  dir: string;
  daemon?: boolean;
  /** The state file (absolute); store.path must be the same. */
  state: string;
  store: TwinStore;
  /** Runs forwarded commands inside the server; without it the server refuses them. */
  runCli?: CliRunner;
  /** Let users other than the mounter in (default: when mounted by root, as /sys is). */
  allowOther?: boolean;
  /** argv prefix that starts this CLI again, for --daemon (default: this node and script). */
  selfCommand?: string[];
  env?: Env;
}

export interface UmountArgs {
  dir: string;
  /** umount -l: detach now, the server ends when the last user leaves. */
  lazy?: boolean;
}

const say = (io: Io, line: string): void => io.stderr.write(`vfioctl: ${line}\n`);

/** Errors meant for the user: ours, and the CLI's CliError (by name: this layer does not import the CLI). */
function userMessage(e: unknown): { message: string; code: number } | undefined {
  if (e instanceof ServeError || e instanceof SocketPathError) return { message: e.message, code: 1 };
  if (e instanceof Error && e.name === 'CliError') return { message: e.message, code: (e as { exitCode?: number }).exitCode ?? 1 };
  return undefined;
}

/**
 * Clears what a dead server left: a mount whose server is gone (lazy unmount) and a stale
 * control socket. Fails if a live server serves `dir` or the state.
 */
async function recover(dir: string, state: string, io: Io): Promise<void> {
  const m = findMount(dir);
  const mountedState = m && servedState(m);
  if (mountedState !== undefined) {
    const live = await ping(socketPath(mountedState));
    if (live && live.mount === dir) throw new ServeError(`${dir} is already mounted, serving ${mountedState} (pid ${live.pid})`);
    const r = await unmount(dir, true);
    if (r.code !== 0) throw new ServeError(`cannot detach the dead mount at ${dir}: ${r.stderr}`);
    removeStaleSocket(socketPath(mountedState));
    say(io, `detached the dead mount at ${dir}`);
  }
  const sock = socketPath(state);
  const live = await ping(sock);
  if (live) throw new ServeError(`${state} is already served at ${live.mount} (pid ${live.pid})`);
  removeStaleSocket(sock);
}

function removeStaleSocket(sock: string): void {
  try {
    if (existsSync(sock)) unlinkSync(sock);
  } catch {
    // someone else cleaned it
  }
}

export async function fuseMount(args: MountArgs, io: Io): Promise<number> {
  const env = args.env ?? process.env;
  const readyFd = env[READY_FD_ENV] ? Number(env[READY_FD_ENV]) : undefined;
  const report = (msg: object): void => {
    if (readyFd === undefined) return;
    try {
      writeSync(readyFd, `${JSON.stringify(msg)}\n`);
      closeSync(readyFd);
    } catch {
      // the parent is gone
    }
  };
  try {
    if (!existsSync('/dev/fuse')) throw new ServeError('mount: /dev/fuse is missing: this kernel or container offers no FUSE');
    const dir = canonicalDir(args.dir);
    await recover(dir, args.state, io);
    if (args.daemon) return await daemonize(args, dir, env, io);
    const server = await TwinServer.start({
      dir,
      store: args.store,
      runCli: args.runCli,
      allowOther: args.allowOther,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    report({ ok: true, pid: process.pid });
    say(io, `serving ${args.state} at ${dir} (pid ${process.pid}); Ctrl-C or 'vfioctl umount ${dir}' ends it`);
    const end = await untilSignalled(server, io);
    if (end.reason === 'error') {
      say(io, `mount ${dir}: the FUSE connection failed: ${end.error?.message ?? 'unknown error'}`);
      return 1;
    }
    return 0;
  } catch (e) {
    const user = userMessage(e);
    if (!user) throw e;
    report({ ok: false, message: user.message, code: user.code });
    say(io, user.message);
    return user.code;
  }
}

/** Serves until unmounted; SIGINT, SIGTERM and SIGHUP unmount; a second one exits at once. */
async function untilSignalled(server: TwinServer, io: Io): ReturnType<TwinServer['stop']> {
  let signalled = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signalled > 1) {
      say(io, `${sig} again: exiting without a clean unmount`);
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15));
    }
    void server.stop();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    return await server.ended;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/** Starts the server as a detached child and returns once it serves (or failed to). */
async function daemonize(args: MountArgs, dir: string, env: Env, io: Io): Promise<number> {
  const [cmd, ...pre] = args.selfCommand ?? [process.execPath, ...process.execArgv, process.argv[1] ?? ''];
  const log = openSync(`${args.state}.mount.log`, 'a');
  const child = spawn(cmd!, [...pre, '--state', args.state, 'mount', dir], {
    detached: true,
    stdio: ['ignore', log, log, 'pipe'],
    env: { ...env, [READY_FD_ENV]: '3' },
  });
  closeSync(log);
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null;
  const status = await new Promise<{ ok: boolean; pid?: number; message?: string; code?: number }>((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve({ ok: false, message: `the server did not report within 15 s (see ${args.state}.mount.log)` }), 15_000);
    const finish = (): void => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text.split('\n')[0] ?? '') as { ok: boolean });
      } catch {
        resolve({ ok: false, message: `the server exited before serving (see ${args.state}.mount.log)` });
      }
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `cannot start the server: ${e.message}` });
    });
    if (!pipe) return finish();
    pipe.setEncoding('utf8');
    pipe.on('data', (s: string) => (text += s));
    pipe.on('end', finish);
    pipe.on('error', finish);
  });
  child.unref();
  (pipe as { destroy?: () => void } | null)?.destroy?.();
  if (!status.ok) {
    if (status.message) say(io, status.message);
    return status.code ?? 1;
  }
  say(io, `serving ${args.state} at ${dir} (pid ${status.pid}); 'vfioctl umount ${dir}' ends it`);
  return 0;
}

export async function fuseUmount(args: UmountArgs, io: Io): Promise<number> {
  const dir = canonicalDir(args.dir);
  const m = findMount(dir);
  if (!m) {
    say(io, `umount ${dir}: not mounted`);
    return 1;
  }
  const state = servedState(m);
  if (state === undefined) {
    say(io, `umount ${dir}: not a vfioctl mount (${m.fsType} from ${m.source})`);
    return 1;
  }
  const sock = socketPath(state);
  const live = await ping(sock);
  if (live && live.mount === dir) {
    const r = await unmount(dir, args.lazy);
    if (r.code !== 0) {
      say(io, `umount ${dir}: ${r.stderr}${isBusy(r) ? ` ('vfioctl umount --lazy ${dir}' detaches it now)` : ''}`);
      return 1;
    }
    // the server saves the twin and removes its socket once the kernel tells it
    if (!args.lazy) await until(async () => (await ping(sock, 500)) === undefined, 10_000);
    return 0;
  }
  // the server died: the kernel already failed every request with ENOTCONN; detach it
  let r = await unmount(dir);
  if (r.code !== 0) r = await unmount(dir, true);
  if (r.code !== 0) {
    say(io, `umount ${dir}: ${r.stderr}`);
    return 1;
  }
  removeStaleSocket(sock);
  say(io, `${dir}: its server had died; unmounted`);
  return 0;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
