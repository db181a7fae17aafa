// The kernel side of the realize-flow trace (issue 3, item 6): what the VFIO core and KVM
// did, in order: group open, container set, KVM-VFIO group add, SET_KVM notifier calls,
// device open (open_device), CRYCB masks written or cleared, VM create and destroy.
// Observation only; bounded so long runs keep a flat heap.

export interface KernelTraceEvent {
  seq: number;
  subsystem: 'vfio' | 'kvm' | 'platform';
  event: string;
  /** The VM id for kvm events, the group id for vfio events. */
  id: number;
  detail: string;
}

export class KernelTrace {
  private readonly buf: KernelTraceEvent[] = [];
  private nextSeq = 1;

  /** Who else sees each event as it happens (the VMM's trace, while a command drives the hardware). */
  observer: ((e: KernelTraceEvent) => void) | undefined;

  constructor(readonly limit = 4096) {}

  record(subsystem: KernelTraceEvent['subsystem'], event: string, id: number, detail = ''): void {
    const e = { seq: this.nextSeq++, subsystem, event, id, detail };
    this.buf.push(e);
    this.observer?.(e);
    // trimmed in batches: one splice per `limit` events keeps recording O(1)
    if (this.buf.length > 2 * this.limit) this.trim();
  }

  /** The most recent events, at most `limit`. */
  get events(): KernelTraceEvent[] {
    this.trim();
    return this.buf;
  }

  private trim(): void {
    if (this.buf.length > this.limit) this.buf.splice(0, this.buf.length - this.limit);
  }

  clear(): void {
    this.buf.length = 0;
  }
}
