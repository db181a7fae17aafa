// VFIO_DEVICE_SET_IRQS on a vfio-platform device: the common validation
// (vfio_set_irqs_validate_and_prepare with the number of IRQ indexes as both limits), then
// vfio_platform_set_irqs_ioctl's MASK / UNMASK / TRIGGER rules (spec vfio-core §1.10).

import { KernelError } from '../../core/errno.js';
import {
  VFIO_IRQ_INFO_MASKABLE,
  VFIO_IRQ_SET_ACTION_MASK,
  VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_TYPE_MASK,
  VFIO_IRQ_SET_ACTION_UNMASK,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  VFIO_IRQ_SET_HEADER_SIZE,
  decodeIrqSet,
  getS32,
  type VfioIrqSet,
} from '../../core/vfio-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { structArg } from '../vfio/vfio-iommu-type1.js';
import { validateIrqSet } from '../vfio/vfio-irq-set.js';
import type { Task } from '../vfs/node.js';
import type { VfioPlatformIrq } from './vfio-platform-irq.js';

/** The common validation with the number of IRQ indexes as both limits, then memdup_user of the payload. */
function validate(arg: IoctlArg, numIrqs: number): { buf: Uint8Array; h: VfioIrqSet } {
  const buf = structArg(arg, VFIO_IRQ_SET_HEADER_SIZE);
  const h = decodeIrqSet(buf);
  const dataSize = validateIrqSet(h, numIrqs, numIrqs);
  // the caller's buffer must hold the payload
  if (buf.length < VFIO_IRQ_SET_HEADER_SIZE + dataSize) throw new KernelError('EFAULT');
  return { buf, h };
}

/** models vfio_platform_set_irqs_ioctl after the validation. */
export function vfioPlatformSetIrqs(irqs: readonly VfioPlatformIrq[], arg: IoctlArg, task: Task | undefined): number {
  const { buf, h } = validate(arg, irqs.length);
  const irq = irqs[h.index]!;
  const dataType = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
  const bool = (): boolean => buf[VFIO_IRQ_SET_HEADER_SIZE] !== 0;
  const fd = (): number => getS32(buf, VFIO_IRQ_SET_HEADER_SIZE);
  switch (h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
    case VFIO_IRQ_SET_ACTION_MASK:
    case VFIO_IRQ_SET_ACTION_UNMASK: {
      const which = (h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) === VFIO_IRQ_SET_ACTION_MASK ? 'mask' : 'unmask';
      // models vfio_platform_set_irq_mask / _unmask
      if (h.start !== 0 || h.count !== 1 || !(irq.flags & VFIO_IRQ_INFO_MASKABLE)) throw new KernelError('EINVAL');
      if (dataType === VFIO_IRQ_SET_DATA_EVENTFD) irq.setVirqfd(which, fd(), task);
      else if (dataType === VFIO_IRQ_SET_DATA_NONE || bool()) {
        if (which === 'mask') irq.doMask();
        else irq.doUnmask();
      }
      return 0;
    }
    case VFIO_IRQ_SET_ACTION_TRIGGER: {
      // models vfio_platform_set_irq_trigger
      if (h.count === 0 && dataType === VFIO_IRQ_SET_DATA_NONE) {
        irq.setTrigger(-1, task);
        return 0;
      }
      if (h.start !== 0 || h.count !== 1) throw new KernelError('EINVAL');
      if (dataType === VFIO_IRQ_SET_DATA_EVENTFD) irq.setTrigger(fd(), task);
      else if (dataType === VFIO_IRQ_SET_DATA_NONE || bool()) irq.handler();
      return 0;
    }
    default:
      throw new KernelError('ENOTTY');
  }
}
