// irqfds (virt/kvm/eventfd.c): an eventfd whose signal injects a GSI into the VM. A plain
// irqfd pulses the line; with KVM_IRQFD_FLAG_RESAMPLE the line stays asserted until the
// guest EOIs it, and then KVM deasserts it and signals the resample eventfd (which VFIO
// uses to unmask the host interrupt).

import { KernelError } from '../../core/errno.js';
import { KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_RESAMPLE, KVM_IRQFD_SIZE, decodeIrqfd } from '../../core/kvm-irq-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { EventFd, EventFdFile } from '../vfs/eventfd.js';
import type { CheckpointRefs, Task } from '../vfs/node.js';
import type { Kvm } from './kvm.js';

export interface IrqfdSnapshot {
  eventfd: number;
  gsi: number;
  resample: number | null;
}

interface Irqfd {
  readonly eventfd: EventFd;
  readonly gsi: number;
  readonly resample: EventFd | undefined;
  readonly listener: () => void;
}

/** models eventfd_ctx_fdget: EBADF for a closed fd, EINVAL for a file that is not an eventfd. */
function eventfdOf(task: Task, fd: number): EventFd {
  const file = task.fileAt(fd);
  if (!(file instanceof EventFdFile)) throw new KernelError('EINVAL');
  return file.ctx;
}

/** The irqfds of one VM (kvm->irqfds) and the resamplers per GSI (kvm->irqfds.resampler_list). */
export class KvmIrqfds {
  private readonly list: Irqfd[] = [];
  private readonly resamplers = new Map<number, { fds: Set<EventFd>; unlisten: () => void }>();

  constructor(private readonly kvm: Kvm) {}

  /** models kvm_irqfd. */
  ioctl(arg: IoctlArg, task: Task): number {
    if (!(arg instanceof Uint8Array) || arg.length < KVM_IRQFD_SIZE) throw new KernelError('EFAULT');
    const a = decodeIrqfd(arg);
    if (a.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE)) throw new KernelError('EINVAL');
    if (a.flags & KVM_IRQFD_FLAG_DEASSIGN) return this.deassign(eventfdOf(task, a.fd), a.gsi);
    const eventfd = eventfdOf(task, a.fd);
    const resample = a.flags & KVM_IRQFD_FLAG_RESAMPLE ? eventfdOf(task, a.resamplefd) : undefined;
    this.assign(eventfd, a.gsi, resample);
    return 0;
  }

  /** models kvm_irqfd_assign: one irqfd per eventfd (EBUSY); an eventfd already signalled injects at once. */
  assign(eventfd: EventFd, gsi: number, resample: EventFd | undefined, replay = true): void {
    if (this.list.some((i) => i.eventfd === eventfd)) throw new KernelError('EBUSY');
    const listener = (): void => this.wakeup(irqfd);
    const irqfd: Irqfd = { eventfd, gsi, resample, listener };
    this.list.push(irqfd);
    if (resample) this.addResampler(gsi, resample);
    eventfd.addListener(listener);
    this.kvm.sink?.('irqfd-assign', this.kvm.id, `gsi ${gsi}${resample ? ' with resample' : ''}`);
    if (replay && eventfd.count > 0n) listener();
  }

  /** models irqfd_wakeup + irqfd_inject: consume the count, then assert (resample) or pulse the line. */
  private wakeup(irqfd: Irqfd): void {
    if (irqfd.eventfd.count === 0n) return;
    irqfd.eventfd.count = 0n;
    const arch = this.kvm.arch;
    this.kvm.sink?.('irqfd-inject', this.kvm.id, `gsi ${irqfd.gsi}`);
    arch.setIrq?.(irqfd.gsi, true);
    if (!irqfd.resample) arch.setIrq?.(irqfd.gsi, false);
  }

  /** models irqfd_resampler_ack: at the guest's EOI the line drops and every resample eventfd is signalled. */
  private addResampler(gsi: number, fd: EventFd): void {
    let r = this.resamplers.get(gsi);
    if (!r) {
      const fds = new Set<EventFd>();
      const unlisten =
        this.kvm.arch.onAck?.(gsi, () => {
          this.kvm.arch.setIrq?.(gsi, false);
          this.kvm.sink?.('irqfd-resample', this.kvm.id, `gsi ${gsi}`);
          for (const f of [...fds]) f.signal();
        }) ?? (() => undefined);
      this.resamplers.set(gsi, (r = { fds, unlisten }));
    }
    r.fds.add(fd);
  }

  /** models kvm_irqfd_deassign: every irqfd of this eventfd and gsi goes; none is not an error. */
  private deassign(eventfd: EventFd, gsi: number): number {
    for (const i of this.list.filter((x) => x.eventfd === eventfd && x.gsi === gsi)) this.shutdown(i);
    return 0;
  }

  private shutdown(i: Irqfd): void {
    this.list.splice(this.list.indexOf(i), 1);
    i.eventfd.removeListener(i.listener);
    if (i.resample) {
      const r = this.resamplers.get(i.gsi);
      if (r) {
        r.fds.delete(i.resample);
        if (r.fds.size === 0) {
          r.unlisten();
          this.resamplers.delete(i.gsi);
          // models irqfd_resampler_shutdown: the line is deasserted with the last resampler
          this.kvm.arch.setIrq?.(i.gsi, false);
        }
      }
    }
    this.kvm.sink?.('irqfd-deassign', this.kvm.id, `gsi ${i.gsi}`);
  }

  /** models kvm_irqfd_release at VM destruction. */
  releaseAll(): void {
    for (const i of [...this.list]) this.shutdown(i);
  }

  get size(): number {
    return this.list.length;
  }

  snapshot(refs: CheckpointRefs): IrqfdSnapshot[] {
    return this.list.map((i) => ({ eventfd: refs.idOf(i.eventfd), gsi: i.gsi, resample: i.resample ? refs.idOf(i.resample) : null }));
  }

  restore(saved: readonly IrqfdSnapshot[], eventfd: (id: number) => EventFd | undefined): void {
    for (const s of saved) {
      const e = eventfd(s.eventfd);
      if (!e) continue;
      this.assign(e, s.gsi, s.resample === null ? undefined : eventfd(s.resample), false);
    }
  }
}
