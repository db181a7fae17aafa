// The kernel side of the realize-flow trace (issue 3, item 6): what the VFIO core and KVM
// did, in order: group open, container set, KVM-VFIO group add, SET_KVM notifier calls,
// device open (open_device), CRYCB masks written or cleared, VM create and destroy.
// Observation only; bounded so long runs keep a flat heap.

export interface KernelTraceEvent {
  seq: number;
  subsystem: 'vfio' | 'kvm';
  event: string;
  /** The VM id for kvm events, the group id for vfio events. */
  id: number;
  detail: string;
}

export class KernelTrace {
  readonly events: KernelTraceEvent[] = [];
  private nextSeq = 1;

  constructor(readonly limit = 4096) {}

  record(subsystem: KernelTraceEvent['subsystem'], event: string, id: number, detail = ''): void {
    this.events.push({ seq: this.nextSeq++, subsystem, event, id, detail });
    if (this.events.length > this.limit) this.events.splice(0, this.events.length - this.limit);
  }

  clear(): void {
    this.events.length = 0;
  }
}
