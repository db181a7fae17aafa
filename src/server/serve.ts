// `vfioctl serve`: one process holds the twin and answers the HTTP API, and, like a mount,
// runs every other vfioctl command on the same state (the control socket next to the state
// file), so there is one truth while it serves. SIGINT and SIGTERM stop it cleanly: no new
// connections, open event streams end, queued requests finish, the socket goes.

import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { serve as serveNode } from '@hono/node-server';
import { bootHost } from '../api/boot.js';
import { ApiError } from '../api/errors.js';
import { StateStore } from '../api/state-store.js';
import { checkSocketPath, closeControl, listenControl, ping, socketPath, type ControlRequest, type PingReply, type RunReply } from '../fuse/control-socket.js';
import { buildApp } from './app.js';
import { isLoopback, ListenError, parseListen, urlOf } from './listen-address.js';
import { TwinService, type CliRunner, type Writer } from './twin-service.js';

export interface ServeOptions {
  /** HOST:PORT. */
  listen: string;
  /** The state file (absolute). */
  state: string;
  tokenFile?: string;
  /** Also serve the twin's /sys at this directory over FUSE (one process, one twin). */
  mount?: string;
  runCli?: CliRunner;
  version?: string;
}

export class ServeError extends Error {}

export interface RunningServer {
  url: string;
  port: number;
  svc: TwinService;
  /** Where the twin's /sys is mounted, with --mount. */
  mountDir?: string;
  /** Stops serving; settles once everything is closed. */
  stop(): Promise<void>;
  /** Settles when the server has stopped (stop(), or its mount was unmounted). */
  ended: Promise<void>;
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ServeError(`--token-file ${file}: ${(e as Error).message}`);
  }
  const token = text.trim();
  if (!token) throw new ServeError(`--token-file ${file} is empty`);
  if (/\s/.test(token)) throw new ServeError(`--token-file ${file}: the token must be one word`);
  return token;
}

function listenHttp(server: HttpServer): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve(server.address() as AddressInfo);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startServer(opts: ServeOptions, log: (line: string) => void = () => undefined): Promise<RunningServer> {
  let addr;
  try {
    addr = parseListen(opts.listen);
  } catch (e) {
    if (e instanceof ListenError) throw new ServeError(e.message);
    throw e;
  }
  const token = opts.tokenFile !== undefined ? readToken(opts.tokenFile) : undefined;
  if (!isLoopback(addr.host) && token === undefined)
    throw new ServeError(`refusing to listen on ${addr.host}, which is not a loopback address, without --token-file (every request would reach the twin unauthenticated)`);
  const sock = socketPath(opts.state);
  checkSocketPath(sock);
  const live = await ping(sock);
  if (live) throw new ServeError(`${opts.state} is already served at ${live.mount} (pid ${live.pid})`);
  const store = new StateStore(opts.state);
  if (!store.exists()) {
    await store.create(await bootHost({ preset: 'doc' }), false);
    log(`vfioctl: no twin state at ${opts.state}: booted the doc preset there`);
  }
  const svc = await TwinService.open(store, opts.runCli);
  const app = buildApp(svc, { token, version: opts.version });
  const http = serveNode({ fetch: app.fetch, hostname: addr.host, port: addr.port }) as HttpServer;
  let bound: AddressInfo;
  try {
    bound = await listenHttp(http);
  } catch (e) {
    throw new ServeError(`cannot listen on ${opts.listen}: ${(e as Error).message}`);
  }
  const url = urlOf(addr.host, bound.port);
  let fuse: MountedTwin | undefined;
  let control: NetServer | undefined;
  try {
    if (opts.mount !== undefined) fuse = await mountTwin(opts.mount, store, svc, log);
    control = await listenControl(sock, async (req: ControlRequest): Promise<PingReply | RunReply> => {
      // a mount's tools (vfioctl umount) know a server by the mount it serves
      if (req.op === 'ping') return { ok: true, pid: process.pid, state: opts.state, mount: fuse?.dir ?? url };
      if (req.state !== opts.state) return { ok: false, error: `this server serves ${opts.state}, not ${req.state}` };
      const r = await svc.runCommand({ argv: req.argv, env: req.env, cwd: req.cwd, ...(req.stdin !== undefined ? { stdin: Buffer.from(req.stdin, 'base64') } : {}) });
      return { ok: true, code: r.exitCode, stdout: Buffer.from(r.stdout).toString('base64'), stderr: Buffer.from(r.stderr).toString('base64') };
    });
  } catch (e) {
    http.close();
    if (fuse) await fuse.server.stop();
    if (e instanceof ServeError) throw e;
    throw new ServeError(`cannot open the control socket ${sock}: ${(e as Error).message}`);
  }
  let stopping: Promise<void> | undefined;
  let endServing!: () => void;
  const ended = new Promise<void>((resolve) => (endServing = resolve));
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (fuse && !fuse.gone) await fuse.server.stop();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      await svc.close();
      http.closeAllConnections();
      await closed;
      await closeControl(control!, sock);
      endServing();
    })());
  // `vfioctl umount DIR` ends the process serving the mount, as it ends `vfioctl mount`
  const mounted = fuse;
  if (mounted)
    void mounted.server.ended.then(() => {
      mounted.gone = true;
      void stop();
    });
  return { url, port: bound.port, svc, stop, ended, ...(mounted ? { mountDir: mounted.dir } : {}) };
}

interface MountedTwin {
  server: import('../fuse/twin-server.js').TwinServer;
  dir: string;
  /** The mount ended (unmounted). */
  gone: boolean;
}

/** Serves the held twin's /sys over FUSE too: writes through the mount are changes of the served twin. */
async function mountTwin(dir: string, store: StateStore, svc: TwinService, log: (line: string) => void): Promise<MountedTwin> {
  if (!existsSync('/dev/fuse')) throw new ServeError('--mount: /dev/fuse is missing: this kernel or container offers no FUSE');
  const { TwinServer, ServeError: MountError } = await import('../fuse/twin-server.js');
  let server;
  try {
    server = await TwinServer.start({
      dir,
      store,
      shared: { host: () => svc.live.host, store: (path, fn) => svc.storeThroughMount(path, fn, (e) => log(`vfioctl: saving ${store.path} failed: ${e.message}`)) },
      log,
    });
  } catch (e) {
    if (e instanceof MountError) throw new ServeError(`--mount: ${e.message}`);
    throw e;
  }
  svc.commandGuard = { dir: server.dir, hold: () => server.hold(), release: () => server.release() };
  return { server, dir: server.dir, gone: false };
}

/** Serves until SIGINT or SIGTERM; the exit code. */
export async function serveCommand(opts: ServeOptions, io: { stdout: Writer; stderr: Writer }): Promise<number> {
  const say = (line: string): void => io.stderr.write(`${line}\n`);
  let server: RunningServer;
  try {
    server = await startServer(opts, say);
  } catch (e) {
    if (e instanceof ServeError || e instanceof ApiError) {
      say(`vfioctl: serve: ${e.message}`);
      return 1;
    }
    throw e;
  }
  io.stdout.write(`${server.url}/\n`);
  const at = server.mountDir ? ` and its /sys at ${server.mountDir}` : '';
  say(`vfioctl: serving ${opts.state} at ${server.url}/${at} (pid ${process.pid}); the API is under /api/v1, the dashboard at /; Ctrl-C ends it`);
  // the handlers stay until the stop is done: proper-lockfile's signal-exit re-raises a
  // signal that finds only its own handlers, which would kill the process mid-stop
  const signals = ['SIGINT', 'SIGTERM'] as const;
  let onSignal!: (sig: NodeJS.Signals) => void;
  await new Promise<void>((resolve) => {
    let signalled = false;
    onSignal = (sig) => {
      if (signalled) {
        say(`vfioctl: serve: ${sig} again: exiting without a clean stop`);
        process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
      }
      signalled = true;
      say(`vfioctl: serve: ${sig}: stopping`);
      void server.stop().then(resolve);
    };
    for (const s of signals) process.on(s, onSignal);
    void server.ended.then(resolve);
  });
  for (const s of signals) process.off(s, onSignal);
  return 0;
}
