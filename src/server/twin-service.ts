// The served twin: one LiveTwin in memory, every request run one after another on it (so no
// update is lost), and every change saved to the state file (atomic replace under the state
// lock) before the request is answered, so a kill -9 after a 2xx loses nothing. vfioctl
// command lines (forwarded by the CLI while this process serves the state, or sent to the
// API) run in this process on the saved file, and the twin is reloaded when they change it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTwin } from '../api/live-twin.js';
import type { StateStore } from '../api/state-store.js';
import type { Twin } from '../api/twin.js';
import { redirectStdin, SERVED_ENV } from '../fuse/forward.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Writer {
  write(chunk: string | Uint8Array): void;
}

/** Runs one vfioctl command line in this process (the CLI's main). */
export type CliRunner = (argv: string[], io: { stdout: Writer; stderr: Writer }, env: Env) => Promise<number>;

export interface CliRun {
  argv: string[];
  env?: Env;
  /** Where relative paths of the command resolve. */
  cwd?: string;
  /** Bytes for the command's stdin (argv names /dev/stdin or --jsonfile -). */
  stdin?: Buffer;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The command line without --state FILE (the state is this server's anyway). */
function commandWords(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--state') i++;
    else if (!argv[i]!.startsWith('--state=')) out.push(argv[i]!);
  }
  return out;
}

export class TwinService {
  private tail: Promise<unknown> = Promise.resolve();
  private endServing!: () => void;
  /** Settles when the server stops (open event streams end). */
  readonly closing = new Promise<void>((resolve) => (this.endServing = resolve));

  constructor(
    readonly live: LiveTwin,
    readonly store: StateStore,
    private readonly runCli?: CliRunner,
  ) {}

  static async open(store: StateStore, runCli?: CliRunner): Promise<TwinService> {
    return new TwinService(new LiveTwin(await store.loadTwin()), store, runCli);
  }

  /** Ends the event streams; requests already queued still finish. */
  close(): Promise<void> {
    this.endServing();
    return this.serial(() => undefined);
  }

  /** Runs fn after every request queued before it (reads too: they see a whole change). */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** A change: runs fn, then saves the twin before answering, also when fn failed (the log may have grown). */
  mutate<T>(fn: (live: LiveTwin) => Promise<T> | T): Promise<T> {
    return this.serial(async () => {
      const generation = this.live.generation;
      try {
        return await fn(this.live);
      } finally {
        if (this.live.generation !== generation) await this.save();
      }
    });
  }

  read<T>(fn: (live: LiveTwin) => Promise<T> | T): Promise<T> {
    return this.serial(() => fn(this.live));
  }

  async save(): Promise<void> {
    await this.store.replace(this.live.whole);
  }

  /** Replaces the twin (host init, snapshot PUT) and saves it. */
  replaceTwin(twin: Twin, cause: string): Promise<void> {
    return this.serial(async () => {
      this.live.replace(twin, cause);
      await this.save();
    });
  }

  /** A vfioctl command line, run here on the saved twin; the twin reloads if the file changed. */
  runCommand(req: CliRun): Promise<CommandResult> {
    return this.serial(async () => {
      const runCli = this.runCli;
      if (!runCli) return { exitCode: 1, stdout: '', stderr: 'vfioctl: this server does not run commands\n' };
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const io = { stdout: { write: (c: string | Uint8Array) => void out.push(Buffer.from(c)) }, stderr: { write: (c: string | Uint8Array) => void err.push(Buffer.from(c)) } };
      let argv = req.argv;
      let stdinDir: string | undefined;
      if (req.stdin !== undefined) {
        stdinDir = mkdtempSync(join(tmpdir(), 'vfioctl-stdin-'));
        const file = join(stdinDir, 'stdin');
        writeFileSync(file, req.stdin, { mode: 0o600 });
        argv = redirectStdin(argv, file);
      }
      const cwd = process.cwd();
      try {
        const before = readFileSync(this.store.path, 'utf8');
        let exitCode: number;
        try {
          if (req.cwd) process.chdir(req.cwd);
          exitCode = await runCli(argv, io, { ...(req.env ?? process.env), VFIOCTL_STATE: this.store.path, [SERVED_ENV]: '1' });
        } finally {
          process.chdir(cwd);
        }
        let after: string | undefined;
        try {
          after = readFileSync(this.store.path, 'utf8');
        } catch {
          after = undefined;
        }
        if (after !== undefined && after !== before) this.live.replace(await this.store.loadTwin(), `cli ${commandWords(req.argv).join(' ')}`);
        return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      } finally {
        if (stdinDir) rmSync(stdinDir, { recursive: true, force: true });
      }
    });
  }
}
