// The kernel side of the realize-flow trace (issue 3, item 6): what the VFIO core and KVM
// did, in order: group open, container set, KVM-VFIO group add, SET_KVM notifier calls,
// device open (open_device), CRYCB masks written or cleared, VM create and destroy.
// Observation only; bounded so long runs keep a flat heap.

import { RecentEvents } from '../core/recent-events.js';

export interface KernelTraceEvent {
  seq: number;
  subsystem: 'vfio' | 'kvm' | 'platform';
  event: string;
  /** The VM id for kvm events, the group id for vfio events. */
  id: number;
  detail: string;
}

export class KernelTrace {
  private readonly recent: RecentEvents<KernelTraceEvent>;
  private nextSeq = 1;

  /** Who else sees each event as it happens (the VMM's trace, while a command drives the hardware). */
  observer: ((e: KernelTraceEvent) => void) | undefined;

  constructor(readonly limit = 4096) {
    this.recent = new RecentEvents(limit);
  }

  record(subsystem: KernelTraceEvent['subsystem'], event: string, id: number, detail = ''): void {
    const e = { seq: this.nextSeq++, subsystem, event, id, detail };
    this.recent.push(e);
    this.observer?.(e);
  }

  /** The most recent events, at most `limit`. */
  get events(): KernelTraceEvent[] {
    return this.recent.list;
  }

  clear(): void {
    this.recent.clear();
  }
}
