// The write journal of a served twin, `<state>.journal` next to the state file: one JSON line
// per sysfs write(2) the server acknowledged, appended before the answer, so a kill -9 after
// a 2xx loses nothing without a whole-state save per write. Each line carries its sequence
// number and the wall clock the kernel saw; the state file's `journal` section names the last
// sequence number it holds. Loading a state replays the lines after that number, at their
// recorded times, so the replayed kernel log is the one the server had.

import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { isKernelError } from '../core/errno.js';
import { writeBytes } from '../manage/syscall-io.js';
import type { Twin } from './twin.js';

/** The state file's section naming the last journal entry its snapshot holds. */
export const JOURNAL_SECTION = 'journal';

export interface JournalEntry {
  seq: number;
  /** Wall clock (ms since the epoch) the kernel saw during the write. */
  t: number;
  path: string;
  /** The bytes written, base64. */
  data: string;
}

export function journalPath(state: string): string {
  return `${state}.journal`;
}

/** The last journal sequence number a twin holds. */
export function journalSeq(twin: Twin): number {
  return (twin.sections[JOURNAL_SECTION] as { seq?: number } | undefined)?.seq ?? 0;
}

export function setJournalSeq(twin: Twin, seq: number): void {
  twin.sections[JOURNAL_SECTION] = { seq };
}

/** A clock the replay can pin to each entry's recorded time. */
export class PinnableClock {
  private pinned: number | undefined;

  constructor(private readonly real: () => number = Date.now) {}

  readonly now = (): number => this.pinned ?? this.real();

  /** Runs fn with the clock reading `t`. */
  at<T>(t: number, fn: () => T): T {
    this.pinned = t;
    try {
      return fn();
    } finally {
      this.pinned = undefined;
    }
  }
}

/** The entries of a journal file after `seq`; a torn last line (a crash mid-append) is ignored. */
export function readJournal(path: string, after: number): JournalEntry[] {
  if (!existsSync(path)) return [];
  const out: JournalEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    let e: JournalEntry;
    try {
      e = JSON.parse(line) as JournalEntry;
    } catch {
      break;
    }
    if (e.seq > after) out.push(e);
  }
  return out;
}

/** Applies a journal's entries to a twin restored with `clock`; returns how many were applied. */
export function replayJournal(twin: Twin, path: string, clock: PinnableClock): number {
  const entries = readJournal(path, journalSeq(twin));
  const proc = twin.host.process();
  for (const e of entries) {
    clock.at(e.t, () => {
      try {
        writeBytes(proc, e.path, Buffer.from(e.data, 'base64'));
      } catch (err) {
        // a refused write was journaled too: its log lines are part of the twin
        if (!isKernelError(err)) throw err;
      }
    });
    setJournalSeq(twin, e.seq);
  }
  return entries.length;
}

/** The server's open journal: appends (one write(2) each, into the page cache) and truncation. */
export class StateJournal {
  private fd: number;
  /** Entries appended since the last truncation. */
  length = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(e: JournalEntry): void {
    writeSync(this.fd, `${JSON.stringify(e)}\n`);
    this.length++;
  }

  /** Empties the journal (a save now holds every entry). */
  truncate(): void {
    ftruncateSync(this.fd, 0);
    this.length = 0;
  }

  /** Closes and removes the journal (the state file holds everything). */
  remove(): void {
    closeSync(this.fd);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
