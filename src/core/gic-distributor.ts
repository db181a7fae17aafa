// The state machine of an ARM GICv2 distributor and one CPU interface (ARM IHI 0048B
// §3.2, §4.3): each interrupt is enabled or not, level- or edge-configured, and inactive,
// pending, active, or active and pending. A level interrupt is pending while its line is
// high; an edge latches pending on a rising edge. The CPU acknowledges the highest-priority
// pending interrupt (all priorities equal here: the lowest INTID), handles it and ends it
// with an EOI; a level line still high at the EOI makes the interrupt pending again.
// Shared by the kernel's vGIC (KVM) and QEMU's emulated GIC (TCG): one semantics.

export const GIC_NR_SGIS = 16;
export const GIC_INTERNAL = 32;
/** GICC_IAR's answer when nothing is pending (the spurious INTID). */
export const GIC_SPURIOUS = 1023;

export type GicTrigger = 'level' | 'edge';

export interface GicIrqState {
  enabled: boolean;
  trigger: GicTrigger;
  line: boolean;
  /** Pending latched by an edge (or by software); a level interrupt is also pending while its line is high. */
  latched: boolean;
  active: boolean;
}

export class GicDistributor {
  private readonly irqs = new Map<number, GicIrqState>();
  /** The CPU's nIRQ input: called when an interrupt becomes deliverable. */
  private signal: (() => void) | undefined;
  private readonly eoiListeners = new Set<(intid: number, trigger: GicTrigger) => void>();

  constructor(readonly numIrqs: number) {}

  private irq(intid: number): GicIrqState {
    let s = this.irqs.get(intid);
    if (!s) this.irqs.set(intid, (s = { enabled: false, trigger: intid < GIC_NR_SGIS ? 'edge' : 'level', line: false, latched: false, active: false }));
    return s;
  }

  state(intid: number): Readonly<GicIrqState> {
    return this.irq(intid);
  }

  pending(intid: number): boolean {
    const s = this.irq(intid);
    return s.latched || (s.trigger === 'level' && s.line);
  }

  /** The CPU interface's connection to the processor (one listener). */
  connectCpu(signal: (() => void) | undefined): void {
    this.signal = signal;
  }

  /** GICD_ICFGR + GICD_ISENABLER as the guest's driver programs them when it requests the interrupt. */
  configure(intid: number, trigger: GicTrigger, enabled = true): void {
    const s = this.irq(intid);
    s.trigger = trigger;
    s.enabled = enabled;
    this.kick();
  }

  /** An input line changes level (a device, QEMU's qemu_set_irq, or KVM's kvm_vgic_inject_irq). */
  setLevel(intid: number, level: boolean): void {
    if (intid < 0 || intid >= this.numIrqs) return;
    const s = this.irq(intid);
    const rising = level && !s.line;
    s.line = level;
    if (s.trigger === 'edge' && rising) s.latched = true;
    if (rising) this.kick();
  }

  /** The lowest-INTID interrupt that is enabled, pending and not active. */
  private deliverable(): number | undefined {
    let best: number | undefined;
    for (const [intid, s] of this.irqs) {
      if (!s.enabled || s.active || !this.pending(intid)) continue;
      if (best === undefined || intid < best) best = intid;
    }
    return best;
  }

  /** Signals the CPU when something can be delivered. */
  kick(): void {
    if (this.deliverable() !== undefined) this.signal?.();
  }

  /** GICC_IAR: the interrupt becomes active (an edge's latch clears); GIC_SPURIOUS when none. */
  acknowledge(): number {
    const intid = this.deliverable();
    if (intid === undefined) return GIC_SPURIOUS;
    const s = this.irq(intid);
    s.active = true;
    s.latched = false;
    return intid;
  }

  /** GICC_EOIR: the interrupt is no longer active; EOI listeners run (KVM's ack notifiers), then delivery resumes. */
  eoi(intid: number): void {
    const s = this.irqs.get(intid);
    if (!s?.active) return;
    s.active = false;
    for (const l of [...this.eoiListeners]) l(intid, s.trigger);
    this.kick();
  }

  /** Runs `listener` at every EOI; returns the removal. */
  onEoi(listener: (intid: number, trigger: GicTrigger) => void): () => void {
    this.eoiListeners.add(listener);
    return () => this.eoiListeners.delete(listener);
  }

  /** A reset of the distributor and CPU interface: nothing enabled, pending or active; the input lines keep their levels. */
  reset(): void {
    for (const s of this.irqs.values()) {
      s.enabled = false;
      s.latched = false;
      s.active = false;
    }
  }

  /** JSON-ready state of every interrupt that is not in its reset state. */
  snapshot(): [number, GicIrqState][] {
    return [...this.irqs].filter(([, s]) => s.enabled || s.line || s.latched || s.active).map(([i, s]) => [i, { ...s }]);
  }

  restore(saved: readonly [number, GicIrqState][]): void {
    this.irqs.clear();
    for (const [i, s] of saved) this.irqs.set(i, { ...s });
  }
}
