// The twin's state file: a Twin snapshot as JSON. Updates are load-modify-save under an
// advisory lock (proper-lockfile, a sibling `<state>.lock`), and every save is an atomic
// replace (write-file-atomic: temp file, fsync, rename), so readers never see a torn file
// and concurrent vfioctl processes never lose an update. A read takes no lock and never
// rewrites the file; the lock and atomic-write libraries load only for a change.

import { existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { isKernelError } from '../core/errno.js';
import type { Host } from '../kernel/host.js';
import { ApiError } from './errors.js';
import { journalPath, PinnableClock, replayJournal } from './state-journal.js';
import { Twin, type TwinRestoreOptions, type TwinSnapshot } from './twin.js';

// 50 processes queueing for a lock each holds for a few ms: many short, jittered retries.
const LOCK_RETRIES = { retries: 600, factor: 1.2, minTimeout: 5, maxTimeout: 60, randomize: true };
/** A lock older than this is taken to belong to a crashed process and broken. */
const LOCK_STALE_MS = 10_000;

export class NoStateError extends ApiError {
  constructor(path: string) {
    super(`no twin state at ${path}; run 'vfioctl host init' first`);
  }
}

interface Loaded {
  twin: Twin;
  /** The file's JSON as read, to tell whether a command changed the twin. */
  json: string;
  /** Journal entries a server left (it was killed): applied to the twin, saved by the next change. */
  replayed: number;
}

export class StateStore {
  /** The loaded twins' clock: a journal replay pins it to each write's recorded time. */
  readonly clock: PinnableClock;

  constructor(
    readonly path: string,
    private readonly hostOptions: TwinRestoreOptions = {},
  ) {
    this.clock = new PinnableClock(hostOptions.now);
  }

  get lockPath(): string {
    return `${this.path}.lock`;
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /** The twin for a read-only command; no lock needed, the file is only ever renamed into place. */
  async load(): Promise<Host> {
    return (await this.read()).twin.host;
  }

  /** The whole twin (host and VMs) for a read-only command. */
  async loadTwin(): Promise<Twin> {
    return (await this.read()).twin;
  }

  /**
   * Runs `fn` on the twin under the lock and saves the result if the twin changed, also
   * when `fn` fails with a kernel error: the kernel keeps its log lines after a refused write.
   */
  async update<T>(fn: (host: Host, twin: Twin) => T | Promise<T>): Promise<T> {
    if (!this.exists()) throw new NoStateError(this.path);
    return this.locked(async (guard) => {
      const { twin, json, replayed } = await this.read(true);
      const saveIfChanged = async (): Promise<void> => {
        const after = JSON.stringify(twin.snapshot());
        if (after !== json) await this.save(after, guard);
        // the state file now holds what the journal had
        if (replayed > 0) removeJournal(this.path);
      };
      let result: T;
      try {
        result = await fn(twin.host, twin);
      } catch (e) {
        if (e instanceof ApiError || isKernelError(e)) await saveIfChanged();
        throw e;
      }
      await saveIfChanged();
      return result;
    });
  }

  /** Stores a freshly booted twin; an existing state is replaced only with `force`. */
  async create(host: Host, force: boolean): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    await this.locked(async (guard) => {
      if (this.exists() && !force)
        throw new ApiError(`host init: twin state already exists at ${this.path}; use --force to replace it`);
      await this.save(JSON.stringify(Twin.fromHost(host).snapshot()), guard);
      // a new twin: a journal of the old one must never replay onto it
      removeJournal(this.path);
    });
  }

  /** Replaces the stored twin with `twin` under the lock (a mount server saving the twin it holds). */
  replace(twin: Twin): Promise<void> {
    // serialised once the lock is held: the latest state
    return this.replaceWith(() => JSON.stringify(twin.snapshot()));
  }

  /** Replaces the stored twin by a snapshot serialised by the caller (at the moment it chose). */
  replaceJson(json: string): Promise<void> {
    return this.replaceWith(() => json);
  }

  private async replaceWith(json: () => string): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    await this.locked((guard) => this.save(json(), guard));
  }

  private async read(forUpdate = false): Promise<Loaded> {
    let text: string;
    try {
      // one small file, read at once (node:fs/promises would cost more to load than the read)
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NoStateError(this.path);
      throw e;
    }
    try {
      const twin = await Twin.restore(JSON.parse(text) as TwinSnapshot, { ...this.hostOptions, now: this.clock.now, eagerVms: forUpdate });
      const replayed = existsSync(journalPath(this.path)) ? replayJournal(twin, journalPath(this.path), this.clock) : 0;
      // a save writes JSON.stringify(snapshot) and a newline: an unchanged twin gives the same text
      return { twin, json: text.endsWith('\n') ? text.slice(0, -1) : text, replayed };
    } catch (e) {
      throw new ApiError(`twin state ${this.path} is unreadable: ${(e as Error).message}`);
    }
  }

  private async save(json: string, guard: LockGuard): Promise<void> {
    if (guard.compromised) throw new ApiError(`lost the lock on ${this.path}: ${guard.compromised.message}`);
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(this.path, `${json}\n`, { fsync: true });
  }

  private async locked<T>(fn: (guard: LockGuard) => Promise<T>): Promise<T> {
    const guard: LockGuard = {};
    let release: () => Promise<void>;
    try {
      const { default: lockfile } = await import('proper-lockfile');
      release = await lockfile.lock(this.path, {
        realpath: false,
        lockfilePath: this.lockPath,
        retries: LOCK_RETRIES,
        stale: LOCK_STALE_MS,
        onCompromised: (err) => (guard.compromised = err),
      });
    } catch (e) {
      throw new ApiError(`cannot lock twin state ${this.path}: ${(e as Error).message}`);
    }
    try {
      return await fn(guard);
    } finally {
      await release().catch(() => undefined);
    }
  }
}

function removeJournal(state: string): void {
  try {
    unlinkSync(journalPath(state));
  } catch {
    // there was none
  }
}

interface LockGuard {
  compromised?: Error;
}
