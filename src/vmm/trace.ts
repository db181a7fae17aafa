// An event trace of what the VMM does through the syscall surface and what it observes of
// the kernel in return (QEMU's trace-events, e.g. vfio_get_device / vfio_put_group, plus the
// kernel-side step each syscall triggers). `vfioctl trace [--vm ID]` prints it, so a user can
// watch the seed's sequence: group open, container set, KVM-VFIO group add, the SET_KVM
// notifier (legacy) or open_device (modern), the CRYCB masks written, and the reverse.

import { RecentEvents } from '../core/recent-events.js';

export interface TraceEvent {
  /** Global order across every VM of the twin. */
  seq: number;
  vm: string;
  /** Event name, QEMU trace-events style (vfio_get_group, kvm_vfio_group_add, ...). */
  event: string;
  detail: string;
}

/** How many events the trace keeps (the oldest go first), so long runs stay flat in memory. */
export const TRACE_LIMIT = 4096;

export class Trace {
  private readonly recent: RecentEvents<TraceEvent>;
  private nextSeq = 1;
  private quiet = 0;

  constructor(
    events: readonly TraceEvent[] = [],
    readonly limit = TRACE_LIMIT,
  ) {
    this.recent = new RecentEvents(limit);
    for (const e of events.slice(-limit)) this.recent.push({ ...e });
    this.nextSeq = events.reduce((max, e) => Math.max(max, e.seq), 0) + 1;
  }

  record(vm: string, event: string, detail = ''): void {
    if (this.quiet > 0) return;
    this.recent.push({ seq: this.nextSeq++, vm, event, detail });
  }

  /** The most recent events, at most `limit`. */
  get events(): TraceEvent[] {
    return this.recent.list;
  }

  /** Runs fn without recording (restoring a VM replays its realize silently). */
  suppressed<T>(fn: () => T): T {
    this.quiet++;
    try {
      return fn();
    } finally {
      this.quiet--;
    }
  }

  /** The sequence number the next event will get. */
  mark(): number {
    return this.nextSeq;
  }

  /** Drops the events recorded since `mark` (a failed command leaves no trace of itself). */
  rollback(mark: number): void {
    this.recent.dropFrom(mark);
    this.nextSeq = mark;
  }

  forVm(vm: string): TraceEvent[] {
    return this.events.filter((e) => e.vm === vm);
  }

  toJSON(): TraceEvent[] {
    return this.events.map((e) => ({ ...e }));
  }
}

/** One line per event: `<seq> <vm> <event> <detail>`, event padded to a column. */
export function formatTrace(events: readonly TraceEvent[]): string {
  const width = events.reduce((w, e) => Math.max(w, e.event.length), 0);
  return events.map((e) => `${String(e.seq).padStart(4)} ${e.vm} ${e.event.padEnd(width)}${e.detail ? ` ${e.detail}` : ''}`.trimEnd() + '\n').join('');
}
