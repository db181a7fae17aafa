// QEMU's VFIOINTp (hw/vfio/platform.c): one IRQ index of a vfio-platform device, its
// trigger (and, for automasked lines, unmask) eventfd, its state (INACTIVE, PENDING,
// ACTIVE) and the two ways it reaches the guest: the userspace eventfd handler
// (vfio_intp_interrupt, spec vfio-core §4.5) or a KVM irqfd with resample (§4.6).

import { VFIO_IRQ_INFO_AUTOMASKED } from '../../core/vfio-uapi.js';

export type IntpState = 'inactive' | 'pending' | 'active';

/** The sysbus IRQ output an intp drives, as the machine wired it (qemu_irq + its GSI). */
export interface QemuIrq {
  /** qemu_set_irq: the interrupt controller's input line. */
  set(level: boolean): void;
  /** The KVM GSI behind the line (the SPI number on ARM's default routing). */
  readonly gsi: number;
  /** The GIC interrupt number (SPI + 32), for the trace. */
  readonly intid: number;
}

export interface IntpSnapshot {
  pin: number;
  flags: number;
  state: IntpState;
  interrupt: number;
  unmask: number | null;
  kvmAccel: boolean;
  line: number | null;
}

export class VfioIntp {
  state: IntpState = 'inactive';
  kvmAccel = false;
  /** The wired sysbus IRQ (set at plug, by the platform bus). */
  irq: QemuIrq | undefined;
  /** The platform bus line it was linked to. */
  line: number | undefined;

  constructor(
    readonly pin: number,
    readonly flags: number,
    /** The trigger eventfd (intp->interrupt). */
    readonly interrupt: number,
    /** The resample eventfd (intp->unmask), automasked IRQs only. */
    readonly unmask: number | undefined,
  ) {}

  get automasked(): boolean {
    return (this.flags & VFIO_IRQ_INFO_AUTOMASKED) !== 0;
  }

  snapshot(): IntpSnapshot {
    return { pin: this.pin, flags: this.flags, state: this.state, interrupt: this.interrupt, unmask: this.unmask ?? null, kvmAccel: this.kvmAccel, line: this.line ?? null };
  }

  static restore(s: IntpSnapshot): VfioIntp {
    const i = new VfioIntp(s.pin, s.flags, s.interrupt, s.unmask ?? undefined);
    i.state = s.state;
    i.kvmAccel = s.kvmAccel;
    i.line = s.line ?? undefined;
    return i;
  }
}
