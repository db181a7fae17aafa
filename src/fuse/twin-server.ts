// The serving process: holds one twin in memory, serves its /sys at a mount point over
// FUSE, persists it to the state file after changes, and runs other vfioctl commands on
// the same state inside itself (the control socket), so there is one truth while mounted.
//
// The twin held is the whole stored twin (the host, the VMs running on it, the other
// sections of the state file), so saving it drops nothing another command stored.
//
// A command from the socket runs with FUSE writes held: the in-memory twin is saved, the
// command runs as vfioctl always does (load, change, save under the state lock), and the
// twin is reloaded if the command changed the file; then the held writes apply. File
// handles survive the reload: they name paths, not twin objects.
//
// Nothing in this process may touch its own mount synchronously (the kernel would wait
// for an answer this process can only give once the call returns): commands run from a
// scratch directory when the caller's working directory is inside the mount.

import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../kernel/host.js';
import type { Syscalls } from '../kernel/syscall-surface.js';
import {
  checkSocketPath,
  closeControl,
  listenControl,
  ping,
  socketPath,
  type ControlRequest,
  type PingReply,
  type RunReply,
} from './control-socket.js';
import { redirectStdin, SERVED_ENV } from './forward.js';
import { FuseSession, type SessionEnd } from './fuse-session.js';
import { abortConnection, canonicalDir, findMount, isBusy, mountFuse, unmount, type MountEntry } from './mount-table.js';
import { SysfsFs } from './sysfs-fs.js';

/** Where output goes; structurally the CLI's Io. */
export interface Writer {
  write(chunk: string | Uint8Array): void;
}
export interface Io {
  stdout: Writer;
  stderr: Writer;
}
export type Env = Readonly<Record<string, string | undefined>>;

/** What a state file holds, as far as serving goes: the host whose /sys is mounted. */
export interface StoredTwin {
  readonly host: Host;
}

/** The state file store (the CLI's StateStore satisfies it). */
export interface TwinStore {
  readonly path: string;
  /** The whole stored twin. */
  loadTwin(): Promise<StoredTwin>;
  /** Saves the whole twin under the state lock, replacing the file's content. */
  replace(twin: StoredTwin): Promise<void>;
}

/** Runs one vfioctl command line in this process (the CLI's main). */
export type CliRunner = (argv: string[], io: Io, env: Env) => Promise<number>;

export { SERVED_ENV };

/**
 * A twin another part of this process holds (`vfioctl serve --mount`): the mount serves its
 * host, tells it of every write, and leaves the state file and the control socket to it.
 */
export interface SharedTwin {
  /** The host served now (the holder may swap it: a restore, a reload after a command). */
  host(): Host;
  /** Runs one write(2) through the mount as a change of the shared twin. */
  store<T>(path: string, fn: () => T): T;
}

export interface TwinServerOptions {
  dir: string;
  store: TwinStore;
  /** Serve this twin instead of loading one from the store (no control socket, no saves). */
  shared?: SharedTwin;
  runCli?: CliRunner;
  /** Diagnostics. */
  log?: (line: string) => void;
  allowOther?: boolean;
}

/** A refusal to start, worded for the user. */
export class ServeError extends Error {}

export class TwinServer {
  private stored: StoredTwin;
  private proc: Syscalls;
  readonly fs: SysfsFs;
  private session!: FuseSession;
  private control!: Server;
  private fuseFd = -1;
  private mountEntry?: MountEntry;
  /** Settles when the mount is gone and the server has cleaned up. */
  ended!: Promise<SessionEnd>;
  private dirty = false;
  private saving?: Promise<void>;
  private commands: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<SessionEnd>;
  readonly sockPath: string;

  private constructor(
    readonly dir: string,
    private readonly opts: TwinServerOptions,
    stored: StoredTwin,
  ) {
    this.stored = stored;
    this.proc = stored.host.process();
    this.sockPath = socketPath(opts.store.path);
    const shared = opts.shared;
    this.fs = shared
      ? new SysfsFs(() => this.sharedProc(shared), { aroundStore: (path, fn) => shared.store(path, fn) })
      : new SysfsFs(() => this.proc, { onStore: () => this.markDirty() });
  }

  /** The shared twin's current host's process (a new one when the holder swapped the host). */
  private sharedProc(shared: SharedTwin): Syscalls {
    const host = shared.host();
    if (host !== this.stored.host) {
      this.stored = { host };
      this.proc = host.process();
    }
    return this.proc;
  }

  /** Holds writes through the mount (they wait, in order) while the shared twin's holder works on the state file. */
  hold(): void {
    this.session.pause();
  }

  release(): void {
    this.session.resume();
  }

  get statePath(): string {
    return this.opts.store.path;
  }

  /** The host being served (tests and benchmarks look at it). */
  get twin(): Host {
    return this.stored.host;
  }

  get counts(): Map<number, number> {
    return this.session.counts;
  }

  static async start(opts: TwinServerOptions): Promise<TwinServer> {
    const dir = canonicalDir(opts.dir);
    const state = opts.store.path;
    const sock = socketPath(state);
    checkSocketPath(sock);
    const existing = findMount(dir);
    if (existing?.fsType.startsWith('fuse')) throw new ServeError(`${dir} is already a FUSE mount point (${existing.source}); run 'vfioctl umount ${dir}' first`);
    let st;
    try {
      st = statSync(dir);
    } catch (e) {
      throw new ServeError(`${dir}: ${(e as Error).message}`);
    }
    if (!st.isDirectory()) throw new ServeError(`${dir} is not a directory`);
    if (!opts.shared) {
      const live = await ping(sock);
      if (live) throw new ServeError(`${state} is already served at ${live.mount} (pid ${live.pid})`);
    }
    const stored = opts.shared ? { host: opts.shared.host() } : await opts.store.loadTwin();
    const server = new TwinServer(dir, opts, stored);
    await server.open();
    return server;
  }

  private async open(): Promise<void> {
    const shared = this.opts.shared !== undefined;
    if (!shared) this.control = await listenControl(this.sockPath, (req) => this.onRequest(req));
    try {
      this.fuseFd = openSync('/dev/fuse', 'r+');
      this.session = new FuseSession(this.fuseFd, this.fs, { log: this.opts.log });
      await mountFuse(this.dir, this.fuseFd, { state: this.statePath, allowOther: this.opts.allowOther });
    } catch (e) {
      if (this.fuseFd >= 0) closeSync(this.fuseFd);
      if (!shared) await closeControl(this.control, this.sockPath);
      throw new ServeError(`cannot mount ${this.dir}: ${(e as Error).message}`);
    }
    this.mountEntry = findMount(this.dir);
    this.session.start();
    this.ended = this.session.done.then(async (end) => {
      await this.flush();
      if (!shared) await closeControl(this.control, this.sockPath);
      closeSync(this.fuseFd);
      return end;
    });
  }

  /**
   * Unmounts and waits for the end. A busy mount is detached (umount -l) and its FUSE
   * connection aborted, so processes still inside get ENOTCONN instead of a hang.
   */
  stop(): Promise<SessionEnd> {
    this.stopping ??= (async () => {
      const r = await unmount(this.dir);
      if (r.code !== 0 && isBusy(r)) {
        await unmount(this.dir, true);
        if (this.mountEntry && !(await abortConnection(this.mountEntry.dev)))
          this.opts.log?.(`vfioctl: ${this.dir} is busy: detached; serving its remaining users until they leave`);
      } else if (r.code !== 0) {
        this.opts.log?.(`vfioctl: umount ${this.dir}: ${r.stderr}`);
      }
      return this.ended;
    })();
    return this.stopping;
  }

  private markDirty(): void {
    this.dirty = true;
    this.saving ??= this.saveLoop();
  }

  /** Write-behind: changes made while a save runs are saved by the next round. */
  private async saveLoop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.opts.store.replace(this.stored);
        } catch (e) {
          this.opts.log?.(`vfioctl: saving ${this.statePath} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      this.saving = undefined;
    }
  }

  /** Waits until every change made so far is in the state file. */
  async flush(): Promise<void> {
    while (this.saving || this.dirty) await (this.saving ??= this.saveLoop());
  }

  private async onRequest(req: ControlRequest): Promise<PingReply | RunReply> {
    if (req.op === 'ping') return { ok: true, pid: process.pid, state: this.statePath, mount: this.dir };
    if (req.op === 'run') {
      const run = this.commands.then(() => this.runCommand(req));
      this.commands = run.catch(() => undefined);
      return run;
    }
    return { ok: false, error: `unknown request ${(req as { op: string }).op}` };
  }

  private async runCommand(req: Extract<ControlRequest, { op: 'run' }>): Promise<RunReply> {
    if (req.state !== this.statePath) return { ok: false, error: `this server serves ${this.statePath}, not ${req.state}` };
    const runCli = this.opts.runCli;
    if (!runCli) return { ok: false, error: 'this server does not run commands' };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const io: Io = {
      stdout: { write: (c) => void out.push(Buffer.from(c)) },
      stderr: { write: (c) => void err.push(Buffer.from(c)) },
    };
    // the caller's stdin (mdev define --jsonfile=/dev/stdin) arrives as bytes: a private file
    let stdinDir: string | undefined;
    let argv = req.argv;
    if (req.stdin !== undefined) {
      stdinDir = mkdtempSync(join(tmpdir(), 'vfioctl-stdin-'));
      const file = join(stdinDir, 'stdin');
      writeFileSync(file, Buffer.from(req.stdin, 'base64'), { mode: 0o600 });
      argv = redirectStdin(argv, file);
    }
    // chdir into our own mount would wait on ourselves; relative paths there name sysfs
    // files a command cannot use anyway: an empty directory makes them fail plainly
    const inMount = req.cwd === this.dir || req.cwd.startsWith(`${this.dir}/`);
    const scratch = inMount ? mkdtempSync(join(tmpdir(), 'vfioctl-cwd-')) : undefined;
    this.session.pause();
    const cwd = process.cwd();
    try {
      await this.flush();
      const before = await readFile(this.statePath, 'utf8').catch(() => undefined);
      let code: number;
      try {
        process.chdir(scratch ?? req.cwd);
        code = await runCli(argv, io, { ...req.env, [SERVED_ENV]: '1' });
      } finally {
        process.chdir(cwd);
      }
      const after = await readFile(this.statePath, 'utf8').catch(() => undefined);
      if (after !== undefined && after !== before) await this.reload();
      return { ok: true, code, stdout: Buffer.concat(out).toString('base64'), stderr: Buffer.concat(err).toString('base64') };
    } finally {
      this.session.resume();
      for (const d of [stdinDir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
    }
  }

  private async reload(): Promise<void> {
    try {
      this.stored = await this.opts.store.loadTwin();
      this.proc = this.stored.host.process();
    } catch (e) {
      this.opts.log?.(`vfioctl: reloading ${this.statePath} failed, keeping the served twin: ${(e as Error).message}`);
      this.markDirty();
    }
  }
}
