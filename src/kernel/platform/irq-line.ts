// A host interrupt line as the generic IRQ layer handles it (kernel/irq/): the device
// drives it (level: high until deasserted; edge: a rising edge), a driver requests it with
// a handler, and disable_irq/enable_irq gate it. A level line still high when it is
// enabled fires again; an edge that arrives while disabled is kept pending and replayed at
// enable (IRQS_PENDING, check_irq_resend), as on real hardware.

export type Trigger = 'level' | 'edge';

export interface IrqLineSnapshot {
  line: boolean;
  pending: boolean;
  disabled: boolean;
  count: number;
}

export class IrqLine {
  /** The device's output level. */
  line = false;
  /** An edge seen while the line was disabled. */
  pending = false;
  /** disable_irq depth > 0 (or IRQ_NOAUTOEN before the first enable). */
  disabled = true;
  /** How many times the handler ran (/proc/interrupts). */
  count = 0;
  private handler: (() => void) | undefined;

  constructor(
    /** The GIC SPI number (Linux's hwirq is SPI + 32). */
    readonly spi: number,
    readonly trigger: Trigger,
  ) {}

  get requested(): boolean {
    return this.handler !== undefined;
  }

  /** models request_irq with IRQ_NOAUTOEN set first: installed, not yet enabled. */
  request(handler: () => void): void {
    this.handler = handler;
    this.disabled = true;
    this.pending = false;
  }

  /** models free_irq. */
  free(): void {
    this.handler = undefined;
    this.disabled = true;
    this.pending = false;
  }

  /** models disable_irq_nosync. */
  disable(): void {
    this.disabled = true;
  }

  /** models enable_irq: a level line still high, or an edge kept pending, fires now. */
  enable(): void {
    if (!this.disabled) return;
    this.disabled = false;
    if (this.trigger === 'level' && this.line) this.fire();
    else if (this.trigger === 'edge' && this.pending) {
      this.pending = false;
      this.fire();
    }
  }

  /** The device asserts (true) or deasserts (false) its output. */
  set(level: boolean): void {
    const rising = level && !this.line;
    this.line = level;
    if (!rising || !this.handler) return;
    if (this.disabled) {
      if (this.trigger === 'edge') this.pending = true;
      return;
    }
    this.fire();
  }

  /** An edge device pulses its output (assert, then deassert). */
  pulse(): void {
    this.set(true);
    this.set(false);
  }

  /** models handle_irq_event: the handler runs and the count goes up. */
  private fire(): void {
    this.count++;
    this.handler?.();
  }

  snapshot(): IrqLineSnapshot {
    return { line: this.line, pending: this.pending, disabled: this.disabled, count: this.count };
  }

  restore(s: IrqLineSnapshot): void {
    Object.assign(this, s);
  }
}
