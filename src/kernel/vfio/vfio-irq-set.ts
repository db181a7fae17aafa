// The SET_IRQS validation every VFIO bus driver shares ([L] vfio.c
// vfio_set_irqs_validate_and_prepare): the header's index, range and flags, the data type,
// and a payload the argsz holds.

import { KernelError } from '../../core/errno.js';
import {
  VFIO_IRQ_SET_ACTION_TYPE_MASK,
  VFIO_IRQ_SET_DATA_BOOL,
  VFIO_IRQ_SET_DATA_EVENTFD,
  VFIO_IRQ_SET_DATA_NONE,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  VFIO_IRQ_SET_HEADER_SIZE,
  type VfioIrqSet,
} from '../../core/vfio-uapi.js';

const U32_MAX = 0xffff_ffff;

/**
 * models vfio_set_irqs_validate_and_prepare(hdr, num_irqs, max_irq_type, &data_size):
 * EINVAL for a bad header, else the payload's size.
 */
export function validateIrqSet(hdr: VfioIrqSet, numIrqs: number, maxIrqType: number): number {
  if (
    hdr.argsz < VFIO_IRQ_SET_HEADER_SIZE ||
    hdr.index >= maxIrqType ||
    hdr.count >= U32_MAX - hdr.start ||
    (hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)) !== 0
  )
    throw new KernelError('EINVAL');
  if (hdr.start >= numIrqs || hdr.start + hdr.count > numIrqs) throw new KernelError('EINVAL');
  const type = hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
  const size = type === VFIO_IRQ_SET_DATA_NONE ? 0 : type === VFIO_IRQ_SET_DATA_BOOL ? 1 : type === VFIO_IRQ_SET_DATA_EVENTFD ? 4 : -1;
  if (size < 0) throw new KernelError('EINVAL');
  if (size > 0 && hdr.argsz - VFIO_IRQ_SET_HEADER_SIZE < hdr.count * size) throw new KernelError('EINVAL');
  return size * hdr.count;
}
