// How a vfio-platform IRQ reaches the guest (hw/vfio/platform.c): the KVM irqfd path with
// a resample fd (vfio_start_irqfd_injection, spec vfio-core §4.6) when KVM offers irqfds
// and x-irqfd allows them, else the userspace path (vfio_start_eventfd_injection §4.5):
// vfio_intp_interrupt raises the line and turns the region mmaps off, the EOI of any
// trapped access lowers it and unmasks, the mmap timer turns the fast path back on.

import { KVM_IRQFD, KVM_IRQFD_FLAG_RESAMPLE, encodeIrqfd } from '../../core/kvm-irq-uapi.js';
import {
  VFIO_DEVICE_SET_IRQS,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_NONE,
  encodeIrqSet,
  encodeIrqSetEventfds,
  VFIO_IRQ_SET_DATA_EVENTFD,
  encodeS32s,
} from '../../core/vfio-uapi.js';
import { strerror } from '../../core/errno.js';
import { kvmIrqfdsEnabled } from '../accel/kvm-all.js';
import { errnoOf } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import type { VfioIntp } from './vfio-platform-intp.js';
import type { VfioPlatformDevice } from './vfio-platform.js';

/** QEMU_CLOCK_VIRTUAL in ms (the mmap timer's clock). */
export interface PlatformClock {
  now(): number;
}

/** A QEMU abort(): the process dies (vfio_start_eventfd_injection's failure path). */
export class QemuAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QemuAbort';
  }
}

/** models vfio_start_irq_injection: irqfd when possible, else the eventfd path. */
export function startIrqInjection(vm: VmContext, dev: VfioPlatformDevice, intp: VfioIntp): void {
  const vmFd = vm.vmFd;
  if (vmFd === undefined || !dev.irqfdAllowed || !kvmIrqfdsEnabled(vm.sys, vmFd)) return startEventfdInjection(vm, dev, intp);
  const irq = intp.irq!;
  // models kvm_irqchip_add_irqfd_notifier: an irqfd on the line's GSI, resampled for automasked IRQs
  try {
    vm.sys.ioctl(
      vmFd,
      KVM_IRQFD,
      encodeIrqfd({ fd: intp.interrupt, gsi: irq.gsi, flags: intp.unmask !== undefined ? KVM_IRQFD_FLAG_RESAMPLE : 0, resamplefd: intp.unmask ?? 0 }),
    );
  } catch {
    return startEventfdInjection(vm, dev, intp);
  }
  try {
    vm.sys.ioctl(dev.vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(intp.pin, [intp.interrupt]));
    if (intp.unmask !== undefined) {
      vm.sys.ioctl(dev.vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, index: intp.pin, start: 0, count: 1, data: encodeS32s([intp.unmask]) }));
    }
  } catch (e) {
    throw new QemuAbort(`vfio: failed to start eventfd signaling for IRQ ${intp.pin}: ${strerror(errnoOf(e))}`);
  }
  intp.kvmAccel = true;
  vm.trace(
    'vfio_platform_start_irqfd_injection',
    `${dev.vdev.name} pin ${intp.pin}: KVM irqfd on GSI ${irq.gsi} (GIC ${irq.intid}), trigger fd ${intp.interrupt}${intp.unmask !== undefined ? `, resample fd ${intp.unmask} (level)` : ' (edge)'}`,
  );
}

/** models vfio_start_eventfd_injection → vfio_set_trigger_eventfd(intp, vfio_intp_interrupt). */
function startEventfdInjection(vm: VmContext, dev: VfioPlatformDevice, intp: VfioIntp): void {
  armTrigger(vm, dev, intp);
  try {
    vm.sys.ioctl(dev.vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSetEventfds(intp.pin, [intp.interrupt]));
  } catch (e) {
    const err = strerror(errnoOf(e));
    vm.error(`vfio: Failed to set trigger eventfd: ${err}`);
    vm.sys.setReadHandler(intp.interrupt, undefined);
    throw new QemuAbort(`vfio: failed to start eventfd signaling for IRQ ${intp.pin}: ${err}`);
  }
  vm.trace('vfio_platform_start_eventfd_injection', `${dev.vdev.name} pin ${intp.pin}: QEMU handles trigger fd ${intp.interrupt} (GIC ${intp.irq!.intid})`);
}

/** qemu_set_fd_handler(intp->interrupt, vfio_intp_interrupt) (also after a restore). */
export function armTrigger(vm: VmContext, dev: VfioPlatformDevice, intp: VfioIntp): void {
  vm.sys.setReadHandler(intp.interrupt, () => intpInterrupt(vm, dev, intp));
}

/** event_notifier_test_and_clear: whether the eventfd had a count. */
function testAndClear(vm: VmContext, fd: number): boolean {
  try {
    vm.sys.read(fd, 8);
    return true;
  } catch {
    return false;
  }
}

/** models vfio_intp_interrupt. */
function intpInterrupt(vm: VmContext, dev: VfioPlatformDevice, intp: VfioIntp): void {
  pollMmapTimer(vm, dev);
  if (intp.state === 'inactive' && dev.intps.some((i) => i.state === 'active' || i.state === 'pending')) {
    intp.state = 'pending';
    dev.pending.push(intp);
    testAndClear(vm, intp.interrupt);
    vm.trace('vfio_intp_interrupt_set_pending', `${dev.vdev.name} pin ${intp.pin}: another IRQ is active, queued`);
    return;
  }
  vm.trace('vfio_platform_intp_interrupt', `${dev.vdev.name} pin ${intp.pin} fd ${intp.interrupt}: mmaps off, GIC ${intp.irq?.intid} raised`);
  if (!testAndClear(vm, intp.interrupt)) vm.error(`Error when clearing fd=${intp.interrupt} (ret = 0)`);
  intp.state = 'active';
  setMmapsEnabled(dev, false);
  intp.irq?.set(true);
  if (dev.mmapTimeout) dev.timerDeadline = dev.clock.now() + dev.mmapTimeout;
}

/** models vfio_platform_eoi: the first ACTIVE intp (intp_list order) completes, then the head of the queue is injected. */
export function vfioPlatformEoi(vm: VmContext, dev: VfioPlatformDevice): void {
  pollMmapTimer(vm, dev);
  const active = dev.intps.find((i) => i.state === 'active');
  if (active) {
    vm.trace('vfio_platform_eoi', `${dev.vdev.name} pin ${active.pin}: GIC ${active.irq?.intid} lowered${active.automasked ? ', host IRQ unmasked' : ''}`);
    active.state = 'inactive';
    active.irq?.set(false);
    if (active.automasked) {
      // models vfio_unmask_single_irqindex (errors ignored)
      try {
        vm.sys.ioctl(dev.vdev.fd, VFIO_DEVICE_SET_IRQS, encodeIrqSet({ flags: VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index: active.pin, start: 0, count: 1 }));
      } catch {
        /* ignored, as QEMU does */
      }
    }
  }
  const next = dev.pending.shift();
  if (next) {
    // models vfio_intp_inject_pending_lockheld
    vm.trace('vfio_platform_intp_inject_pending_lockheld', `${dev.vdev.name} pin ${next.pin}: GIC ${next.irq?.intid} raised`);
    next.state = 'active';
    next.irq?.set(true);
  }
}

/** models vfio_mmap_set_enabled: the regions' mmap subregions on or off. */
function setMmapsEnabled(dev: VfioPlatformDevice, on: boolean): void {
  dev.mmapsEnabled = on;
}

/**
 * models vfio_intp_mmap_enable when the virtual clock passed the mmap timer: re-armed while
 * an IRQ is active, else the fast path is back. Twin: timers run when the VM is next touched.
 */
export function pollMmapTimer(vm: VmContext, dev: VfioPlatformDevice): void {
  const now = dev.clock.now();
  if (dev.timerDeadline === undefined || now < dev.timerDeadline) return;
  if (dev.intps.some((i) => i.state === 'active')) {
    // re-armed for another timeout from when it fired, as often as it would have fired by now
    dev.timerDeadline += Math.floor((now - dev.timerDeadline) / dev.mmapTimeout + 1) * dev.mmapTimeout;
    return;
  }
  dev.timerDeadline = undefined;
  setMmapsEnabled(dev, true);
  vm.trace('vfio_intp_mmap_enable', `${dev.vdev.name}: mmaps back on (fast path)`);
}
