// eventfd (fs/eventfd.c): a 64-bit counter that the kernel signals and user space reads.
// VFIO drivers keep a reference to the context (eventfd_ctx_fdget) and signal it
// (eventfd_signal); the context outlives the fd that named it. Lives next to the open-file
// table because eventfd2(2) is a syscall, not a driver.
//
// Twin deviations: nothing ever blocks, so a read of a zero counter (or a write that would
// overflow it) returns EAGAIN even without EFD_NONBLOCK. "Readable" listeners model poll:
// they run synchronously inside eventfd_signal, which is how a VMM in the same process
// reacts at once to the VFIO request IRQ.

import { KernelError } from '../../core/errno.js';
import { EFD_SEMAPHORE } from '../syscall-surface.js';
import type { CheckpointRefs, DeviceFile, FileCheckpoint } from './node.js';

const ULLONG_MAX = 0xffff_ffff_ffff_ffffn;

/** struct eventfd_ctx. */
export class EventFd {
  count: bigint;
  private readonly listeners = new Set<() => void>();

  constructor(
    initval: number | bigint,
    readonly flags: number,
  ) {
    this.count = BigInt(initval);
  }

  /** models eventfd_signal(ctx, 1): add one (saturating) and wake the pollers. */
  signal(): void {
    if (this.count < ULLONG_MAX) this.count += 1n;
    this.wake();
  }

  private wake(): void {
    for (const l of [...this.listeners]) l();
  }

  /** models eventfd_read: the counter (or 1 in semaphore mode), reset (or decremented). */
  read(count: number): Uint8Array {
    if (count < 8) throw new KernelError('EINVAL');
    if (this.count === 0n) throw new KernelError('EAGAIN');
    const value = this.flags & EFD_SEMAPHORE ? 1n : this.count;
    this.count -= value;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, value, true);
    return out;
  }

  /** models eventfd_write: add an 8-byte value; ULLONG_MAX is refused. */
  write(data: Uint8Array): number {
    if (data.length < 8) throw new KernelError('EINVAL');
    const value = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (value === ULLONG_MAX) throw new KernelError('EINVAL');
    if (ULLONG_MAX - this.count <= value) throw new KernelError('EAGAIN');
    this.count += value;
    if (this.count > 0n) this.wake();
    return 8;
  }

  /** A new open file on this context (eventfd2 or a restored fd). */
  file(): EventFdFile {
    return new EventFdFile(this);
  }

  addListener(l: () => void): void {
    this.listeners.add(l);
  }

  removeListener(l: () => void): void {
    this.listeners.delete(l);
  }
}

export const EVENTFD_CHECKPOINT_KIND = 'eventfd';

/** The anon-inode "[eventfd]" file. */
export class EventFdFile implements DeviceFile {
  private listener: (() => void) | undefined;

  constructor(readonly ctx: EventFd) {}

  read(count: number): Uint8Array {
    return this.ctx.read(count);
  }

  write(data: Uint8Array): number {
    return this.ctx.write(data);
  }

  setReadListener(listener: (() => void) | undefined): void {
    if (this.listener) this.ctx.removeListener(this.listener);
    this.listener = listener;
    if (listener) {
      this.ctx.addListener(listener);
      // poll reports a file that is already readable at once
      if (this.ctx.count > 0n) listener();
    }
  }

  checkpoint(refs: CheckpointRefs): FileCheckpoint {
    return { kind: EVENTFD_CHECKPOINT_KIND, id: refs.idOf(this.ctx) };
  }

  release(): void {
    this.setReadListener(undefined);
  }
}
