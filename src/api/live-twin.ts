// A twin held in memory for a long-lived consumer (a program using the library, the HTTP
// server): the syscall surface as sysfs helpers, the kernel log with a cursor, the VMs,
// the trace, snapshots, and events for every change. Every change goes through change(),
// which tells the listeners what the kernel logged, which uevents the driver core sent,
// what the VMM traced, and that the twin changed.

import { formatTimestamp } from '../kernel/printk.js';
import type { Host } from '../kernel/host.js';
import type { Stat, Syscalls } from '../kernel/syscall-surface.js';
import type { SysfsBackend } from '../manage/backend.js';
import { readBytes, writeBytes } from '../manage/syscall-io.js';
import { TwinBackend } from '../manage/twin-backend.js';
import { TwinFiles, type TwinFilesSnapshot } from '../manage/twin-files.js';
import type { VmManager } from '../vmm/vm-manager.js';
import type { CommandOutput } from '../vmm/vm-host.js';
import { censusDiff, takeCensus, type Census } from './device-census.js';
import { FILES_SECTION } from './manage-session.js';
import { JOURNAL_SECTION } from './state-journal.js';
import { syscallFailure, type SysOp } from './syscall-failure.js';
import { logEvent, TwinEvents, type LogEvent, type TwinListener } from './twin-events.js';
import { Twin, type TwinSnapshot } from './twin.js';

export interface DmesgPage {
  /** Lines from `since` on, each with its position in the log. */
  entries: LogEvent[];
  /** The cursor for the next call (`since` of the next page). */
  next: number;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class LiveTwin {
  readonly events = new TwinEvents();
  private twin: Twin;
  private proc: Syscalls;
  private generationCount = 0;
  private ueventSeqnum = 0;

  constructor(twin: Twin) {
    this.twin = twin;
    this.proc = twin.host.process();
  }

  static fromHost(host: Host): LiveTwin {
    return new LiveTwin(Twin.fromHost(host));
  }

  static async fromSnapshot(snap: TwinSnapshot): Promise<LiveTwin> {
    return new LiveTwin(await Twin.restore(snap, { eagerVms: true }));
  }

  /** The twin a state file holds (`vfioctl host init` wrote it); changes stay in memory until saved. */
  static async load(statePath: string): Promise<LiveTwin> {
    const { StateStore } = await import('./state-store.js');
    return new LiveTwin(await new StateStore(statePath).loadTwin());
  }

  get host(): Host {
    return this.twin.host;
  }

  /** The whole twin (host, VMs, other sections). */
  get whole(): Twin {
    return this.twin;
  }

  /** How many changes this twin has seen since it was loaded. */
  get generation(): number {
    return this.generationCount;
  }

  /** Subscribes to the twin's events; returns the unsubscribe function. */
  on(listener: TwinListener): () => void {
    return this.events.on(listener);
  }

  // ---- sysfs (the syscall surface) --------------------------------------------------

  private sys<T>(op: SysOp, path: string, fn: () => T): T {
    const logBefore = this.host.log.entries.length;
    try {
      return fn();
    } catch (e) {
      const lines = this.host.log.entries.slice(logBefore).map((l) => `${formatTimestamp(l.usec)} ${l.text}`);
      throw syscallFailure(e, op, path, lines) ?? e;
    }
  }

  /** cat PATH: the file's bytes. */
  read(path: string): Uint8Array {
    return this.sys('read', path, () => readBytes(this.proc, path));
  }

  readText(path: string): string {
    return Buffer.from(this.read(path)).toString('utf8');
  }

  /** One write(2) of `data` (echo VALUE > PATH writes VALUE and a newline); a refusal keeps its log lines. */
  async write(path: string, data: Uint8Array | string): Promise<number> {
    return this.change(`write ${path}`, this.writeCall(path, data));
  }

  /** write() for a caller that cannot wait (the trace is reported if the VMM is loaded). */
  writeSync(path: string, data: Uint8Array | string): number {
    return this.changeSync(`write ${path}`, this.writeCall(path, data));
  }

  private writeCall(path: string, data: Uint8Array | string): () => number {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return () => this.sys('write', path, () => writeBytes(this.proc, path, bytes));
  }

  /** A directory's names in byte order; a non-directory lists as itself (ls). */
  ls(path: string): string[] {
    return this.sys('ls', path, () => (this.proc.stat(path).kind === 'dir' ? [...this.proc.readdir(path)].sort(byteOrder) : [path]));
  }

  readlink(path: string): string {
    return this.sys('readlink', path, () => this.proc.readlink(path));
  }

  realpath(path: string): string {
    return this.sys('realpath', path, () => this.proc.realpath(path));
  }

  /** lstat(2): a symlink is reported as a link. */
  stat(path: string): Stat {
    return this.sys('stat', path, () => this.proc.lstat(path));
  }

  // ---- the kernel log ----------------------------------------------------------------

  dmesg(since = 0): DmesgPage {
    const all = this.host.log.entries;
    const from = Math.max(0, Math.min(since, all.length));
    const entries = all.slice(from).map((e, i) => logEvent(from + i, e, `${formatTimestamp(e.usec)} ${e.text}`));
    return { entries, next: all.length };
  }

  // ---- VMs ----------------------------------------------------------------------------

  vms(): Promise<VmManager> {
    return this.twin.vmManager();
  }

  /** qemu-system-* ARGV…: the VM id on stdout, or QEMU's exact stderr. */
  async qemu(argv: readonly string[]): Promise<CommandOutput & { vm?: string }> {
    const vms = await this.vms();
    return this.change(`qemu ${argv.join(' ')}`, () => {
      const r = vms.start(argv);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ...(r.vm ? { vm: r.vm.id } : {}) };
    });
  }

  // ---- management (mdevctl, chzdev) ---------------------------------------------------

  /**
   * Runs a management function on the twin as its SysfsBackend (the twin's sysfs and its
   * configuration files). A `write` is a change: reported, and its config files kept.
   */
  async manage<T>(mode: 'read' | 'write', cause: string, fn: (b: SysfsBackend) => T): Promise<T> {
    const files = TwinFiles.restore(this.twin.sections[FILES_SECTION] as TwinFilesSnapshot | undefined);
    const run = (): T => {
      try {
        return fn(new TwinBackend(this.host, files));
      } finally {
        if (files.generation > 0) this.twin.sections[FILES_SECTION] = files.snapshot();
      }
    };
    return mode === 'read' ? run() : this.change(cause, run);
  }

  // ---- snapshots ----------------------------------------------------------------------

  /** The whole twin as plain JSON data (a copy: later changes do not show in it), without the state file's journal bookkeeping. */
  snapshot(): TwinSnapshot {
    const snap = JSON.parse(JSON.stringify(this.twin.snapshot())) as TwinSnapshot;
    delete snap[JOURNAL_SECTION];
    return snap;
  }

  /** Replaces the whole twin (a test resets between cases); listeners stay subscribed. */
  async restore(snap: TwinSnapshot, cause = 'restore'): Promise<void> {
    const twin = await Twin.restore(snap, { eagerVms: true });
    this.replace(twin, cause);
  }

  /** Swaps in another twin (a restore, a fresh boot, a reload after a CLI command). */
  replace(twin: Twin, cause: string): void {
    const before = this.events.size > 0 ? takeCensus(this.host) : undefined;
    const oldLog = this.host.log.entries;
    this.twin = twin;
    this.proc = twin.host.process();
    const log = twin.host.log.entries;
    // the new log continues the old one when it starts with it (a CLI command ran on it)
    const continues = log.length >= oldLog.length && oldLog.every((e, i) => log[i]?.usec === e.usec && log[i]?.text === e.text);
    this.report(cause, continues ? oldLog.length : 0, before);
  }

  // ---- changes ------------------------------------------------------------------------

  /**
   * Runs one change and reports it: new kernel log lines, the uevents of the device
   * changes, new trace steps, then the change notice. Also reported when fn throws
   * (a refused write keeps the log lines it produced).
   */
  async change<T>(cause: string, fn: () => T | Promise<T>): Promise<T> {
    const logFrom = this.host.log.entries.length;
    const vms = this.twin.hasStoredVms ? undefined : await this.vms();
    const traceFrom = vms?.trace.mark();
    const census = this.events.size > 0 ? takeCensus(this.host) : undefined;
    try {
      return await fn();
    } finally {
      this.report(cause, logFrom, census, vms && traceFrom !== undefined ? { vms, from: traceFrom } : undefined);
    }
  }

  /**
   * change() for a caller that cannot wait (a write through a FUSE mount of this twin): the
   * trace is reported only if the VMM is loaded already.
   */
  changeSync<T>(cause: string, fn: () => T): T {
    const logFrom = this.host.log.entries.length;
    const vms = this.twin.loadedVms;
    const traceFrom = vms?.trace.mark();
    const census = this.events.size > 0 ? takeCensus(this.host) : undefined;
    try {
      return fn();
    } finally {
      this.report(cause, logFrom, census, vms && traceFrom !== undefined ? { vms, from: traceFrom } : undefined);
    }
  }

  private report(cause: string, logFrom: number, census: Census | undefined, trace?: { vms: VmManager; from: number }): void {
    this.generationCount++;
    if (this.events.size === 0) return;
    for (const e of this.dmesg(logFrom).entries) this.events.emit(e);
    if (census)
      for (const u of censusDiff(census, takeCensus(this.host))) {
        // models uevent_seqnum: every uevent the kernel sends is numbered, from 1 after boot
        u.properties.SEQNUM = String(++this.ueventSeqnum);
        this.events.emit(u);
      }
    for (const t of trace?.vms.trace.events ?? []) if (t.seq >= trace!.from) this.events.emit({ type: 'trace', ...t });
    this.events.emit({ type: 'change', generation: this.generationCount, cause });
  }
}
