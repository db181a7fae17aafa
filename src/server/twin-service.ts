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
import { journalPath, journalSeq, setJournalSeq, StateJournal, type JournalEntry } from '../api/state-journal.js';
import { redirectStdin, SERVED_ENV } from '../fuse/forward.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Journal entries after which the server folds the journal into the state file. */
const JOURNAL_COMPACT_AT = 10_000;

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
  private saving: Promise<void> | undefined;
  private journal: StateJournal | undefined;
  /** The last journal sequence number given out. */
  private seq = 0;
  /** The generation the state file holds (it was loaded from the file). */
  private savedGeneration = 0;
  private endServing!: () => void;
  /** Settles when the server stops (open event streams end). */
  readonly closing = new Promise<void>((resolve) => (this.endServing = resolve));

  constructor(
    readonly live: LiveTwin,
    readonly store: StateStore,
    private readonly runCli?: CliRunner,
  ) {}

  /** Loads the state (replaying a journal a killed server left), saves it whole and opens a fresh journal. */
  static async open(store: StateStore, runCli?: CliRunner): Promise<TwinService> {
    const svc = new TwinService(new LiveTwin(await store.loadTwin()), store, runCli);
    svc.seq = journalSeq(svc.live.whole);
    await svc.live.vms();
    await svc.saveNow();
    svc.journal = new StateJournal(journalPath(store.path));
    svc.journal.truncate();
    return svc;
  }

  /**
   * One sysfs write(2), made durable by a journal line (one append, in the page cache
   * before the answer: a kill -9 loses nothing) instead of a whole-state save. The kernel's
   * clock is pinned for the write, so a replay logs the same lines at the same times.
   */
  journaledWrite(path: string, data: Uint8Array): Promise<{ written: number; log: string[] }> {
    return this.serial(async () => {
      await this.live.vms();
      const before = this.live.generation;
      const from = this.live.host.log.entries.length;
      const t = Date.now();
      try {
        const written = this.store.clock.at(t, () => this.live.writeSync(path, data));
        return { written, log: this.live.dmesg(from).entries.map((e) => e.line) };
      } finally {
        if (this.live.generation !== before) this.journalAppend({ seq: ++this.seq, t, path, data: Buffer.from(data).toString('base64') });
      }
    });
  }

  private journalAppend(e: JournalEntry): void {
    setJournalSeq(this.live.whole, e.seq);
    if (!this.journal) {
      void this.flush();
      return;
    }
    this.journal.append(e);
    // a long journal is folded into the state file in the background
    if (this.journal.length >= JOURNAL_COMPACT_AT) void this.flush().catch(() => undefined);
  }

  /** Ends the event streams; requests already queued still finish and are saved. */
  async close(): Promise<void> {
    this.endServing();
    await this.serial(() => undefined);
    await this.flush();
    this.journal?.remove();
    this.journal = undefined;
  }

  /** Runs fn after every request queued before it (reads too: they see a whole change). */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A change: runs fn in turn, then answers once a save that includes it is in the state
   * file, also when fn failed (the log may have grown). Saves are group commits: changes
   * made while one save runs are saved together by the next.
   */
  async mutate<T>(fn: (live: LiveTwin) => Promise<T> | T): Promise<T> {
    let after = -1;
    const run = this.serial(async () => {
      const before = this.live.generation;
      try {
        return await fn(this.live);
      } finally {
        if (this.live.generation !== before) after = this.live.generation;
      }
    });
    try {
      return await run;
    } finally {
      if (after >= 0) await this.persisted(after);
    }
  }

  read<T>(fn: (live: LiveTwin) => Promise<T> | T): Promise<T> {
    return this.serial(() => fn(this.live));
  }

  /** Waits until the state file holds generation `g` (or a later one). */
  private async persisted(g: number): Promise<void> {
    while (this.savedGeneration < g) {
      this.saving ??= this.saveNow().finally(() => (this.saving = undefined));
      await this.saving;
    }
  }

  /** A whole-state save; the journal empties if nothing was appended while it ran. */
  private async saveNow(): Promise<void> {
    const g = this.live.generation;
    const seq = this.seq;
    setJournalSeq(this.live.whole, seq);
    // serialised now, with the journal number it holds: later writes are the journal's
    await this.store.replaceJson(JSON.stringify(this.live.whole.snapshot()));
    this.savedGeneration = Math.max(this.savedGeneration, g);
    if (this.journal && this.seq === seq) this.journal.truncate();
  }

  /** Holds writes that bypass the queue (a FUSE mount of this twin) while a command works on the file. */
  commandGuard?: { dir: string; hold(): void; release(): void };

  /** A write through a FUSE mount of this twin: reported now, saved in the background (write-behind, as a mount saves). */
  storeThroughMount<T>(path: string, fn: () => T, onSaveError: (e: Error) => void): T {
    try {
      return this.live.changeSync(`write ${path}`, fn);
    } finally {
      this.persisted(this.live.generation).catch(onSaveError);
    }
  }

  /** Waits for every change made so far to be saved in the state file itself. */
  flush(): Promise<void> {
    return this.persisted(this.live.generation);
  }

  /** Replaces the twin (host init, snapshot PUT) and saves it. */
  replaceTwin(twin: Twin, cause: string): Promise<void> {
    return this.mutate((live) => live.replace(twin, cause));
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
      // chdir into this process's own mount would wait on itself: a scratch directory instead
      const mount = this.commandGuard?.dir;
      const scratch = mount && req.cwd && (req.cwd === mount || req.cwd.startsWith(`${mount}/`)) ? mkdtempSync(join(tmpdir(), 'vfioctl-cwd-')) : undefined;
      try {
        // the command works on the file: every change made here must be in it first
        this.commandGuard?.hold();
        await this.flush();
        const before = readFileSync(this.store.path, 'utf8');
        let exitCode: number;
        try {
          if (scratch ?? req.cwd) process.chdir(scratch ?? req.cwd!);
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
        if (after !== undefined && after !== before) {
          this.live.replace(await this.store.loadTwin(), `cli ${commandWords(req.argv).join(' ')}`);
          // the file already holds this generation: the command saved it
          this.savedGeneration = this.live.generation;
        }
        return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      } finally {
        this.commandGuard?.release();
        for (const d of [stdinDir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
      }
    });
  }
}
