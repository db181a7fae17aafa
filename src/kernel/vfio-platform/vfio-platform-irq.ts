// One IRQ of a vfio-platform device (drivers/vfio/platform/vfio_platform_irq.c): the
// trigger eventfd the host handler signals, the `masked` flag that guards disable/enable of
// the host line, the virqfds that mask or unmask when user space (or KVM's resampler)
// writes an eventfd, and the two handlers: automasked for level lines, plain for edges.

import { KernelError } from '../../core/errno.js';
import { VFIO_IRQ_INFO_AUTOMASKED, VFIO_IRQ_INFO_EVENTFD, VFIO_IRQ_INFO_MASKABLE } from '../../core/vfio-uapi.js';
import type { IrqLine } from '../platform/irq-line.js';
import { EventFd, EventFdFile } from '../vfs/eventfd.js';
import type { CheckpointRefs, Task } from '../vfs/node.js';

/** models vfio_virqfd: an eventfd whose signal runs a handler (the counter is consumed, as 6.x virqfd_wakeup does). */
export class Virqfd {
  private readonly listener = (): void => {
    if (this.eventfd.count === 0n) return;
    this.eventfd.count = 0n;
    this.handler();
  };

  constructor(
    readonly eventfd: EventFd,
    private readonly handler: () => void,
  ) {
    eventfd.addListener(this.listener);
    // models vfio_virqfd_enable: an eventfd already signalled runs the handler at once
    if (eventfd.count > 0n) this.listener();
  }

  disable(): void {
    this.eventfd.removeListener(this.listener);
  }
}

/** models eventfd_ctx_fdget: EBADF for a closed fd, EINVAL for a file that is not an eventfd. */
export function eventfdOf(task: Task | undefined, fd: number): EventFd {
  if (!task) throw new KernelError('EBADF');
  const file = task.fileAt(fd);
  if (!(file instanceof EventFdFile)) throw new KernelError('EINVAL');
  return file.ctx;
}

export interface VfioPlatformIrqSnapshot {
  masked: boolean;
  trigger: number | null;
  mask: number | null;
  unmask: number | null;
}

export class VfioPlatformIrq {
  readonly flags: number;
  readonly count = 1;
  masked = false;
  trigger: EventFd | undefined;
  mask: Virqfd | undefined;
  unmask: Virqfd | undefined;

  constructor(
    readonly line: IrqLine,
    /** "vfio-irq[<hwirq>](<device>)", the name request_irq gets. */
    readonly name: string,
    /** The kernel trace (observation only). */
    private readonly sink: (event: string, detail: string) => void = () => undefined,
  ) {
    this.flags = VFIO_IRQ_INFO_EVENTFD | (line.trigger === 'level' ? VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED : 0);
  }

  get automasked(): boolean {
    return (this.flags & VFIO_IRQ_INFO_AUTOMASKED) !== 0;
  }

  /** models vfio_platform_mask: disable the host line once. */
  doMask(): void {
    if (this.masked) return;
    this.line.disable();
    this.masked = true;
    this.sink('vfio_platform_mask', `${this.name}: host line disabled`);
  }

  /** models vfio_platform_unmask: enable the host line once (a level line still high fires again). */
  doUnmask(): void {
    if (!this.masked) return;
    this.masked = false;
    this.sink('vfio_platform_unmask', `${this.name}: host line enabled${this.line.trigger === 'level' && this.line.line ? ' (still asserted: it fires again)' : ''}`);
    this.line.enable();
  }

  /** models vfio_automasked_irq_handler and vfio_irq_handler. */
  handler(): void {
    if (this.automasked) {
      if (this.masked) return;
      this.line.disable();
      this.masked = true;
    }
    this.sink('vfio_platform_irq_handler', `${this.name}: ${this.automasked ? 'line masked, ' : ''}${this.trigger ? 'trigger eventfd signalled' : 'no trigger eventfd'}`);
    this.trigger?.signal();
  }

  /** models vfio_set_trigger: tear down, then (fd >= 0) take the eventfd and request the line. */
  setTrigger(fd: number, task: Task | undefined): void {
    if (this.trigger) {
      this.line.free();
      this.trigger = undefined;
    }
    if (fd < 0) return;
    // the old trigger is gone even when the new fd is refused, as in the kernel
    this.trigger = eventfdOf(task, fd);
    this.line.request(() => this.handler());
    if (!this.masked) this.line.enable();
  }

  /** models vfio_virqfd_enable/disable for the MASK or UNMASK action. */
  setVirqfd(which: 'mask' | 'unmask', fd: number, task: Task | undefined): void {
    if (fd < 0) {
      this[which]?.disable();
      this[which] = undefined;
      return;
    }
    const eventfd = eventfdOf(task, fd);
    // models vfio_virqfd_enable: one virqfd per slot (EBUSY)
    if (this[which]) throw new KernelError('EBUSY');
    this[which] = new Virqfd(eventfd, which === 'mask' ? () => this.doMask() : () => this.doUnmask());
  }

  /** models vfio_platform_irq_cleanup for this IRQ: no trigger, no virqfds. */
  cleanup(): void {
    this.mask?.disable();
    this.unmask?.disable();
    this.mask = this.unmask = undefined;
    if (this.trigger) this.line.free();
    this.trigger = undefined;
  }

  snapshot(refs: CheckpointRefs): VfioPlatformIrqSnapshot {
    return {
      masked: this.masked,
      trigger: this.trigger ? refs.idOf(this.trigger) : null,
      mask: this.mask ? refs.idOf(this.mask.eventfd) : null,
      unmask: this.unmask ? refs.idOf(this.unmask.eventfd) : null,
    };
  }

  /** Relinks a checkpoint's eventfds without signalling anything. */
  restore(s: VfioPlatformIrqSnapshot, eventfd: (id: number) => EventFd | undefined): void {
    this.masked = s.masked;
    const trigger = s.trigger === null ? undefined : eventfd(s.trigger);
    if (trigger) {
      this.trigger = trigger;
      const saved = this.line.snapshot();
      this.line.request(() => this.handler());
      this.line.restore(saved);
    }
    const relink = (id: number | null, fn: () => void): Virqfd | undefined => {
      const e = id === null ? undefined : eventfd(id);
      if (!e) return undefined;
      const count = e.count;
      e.count = 0n;
      const v = new Virqfd(e, fn);
      e.count = count;
      return v;
    };
    this.mask = relink(s.mask, () => this.doMask());
    this.unmask = relink(s.unmask, () => this.doUnmask());
  }
}
