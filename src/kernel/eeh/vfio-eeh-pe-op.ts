// VFIO_EEH_PE_OP on an sPAPR container (vfio_spapr_ioctl_eeh_pe_op, formerly
// drivers/vfio/vfio_spapr_eeh.c; spec vfio-core §5): the op is checked, then handed to
// the EEH core for the group's PE.

import { KernelError } from '../../core/errno.js';
import {
  EEH_PE_OP_MINSZ,
  EEH_PE_OP_SIZE,
  VFIO_EEH_PE_CONFIGURE,
  VFIO_EEH_PE_DISABLE,
  VFIO_EEH_PE_ENABLE,
  VFIO_EEH_PE_GET_STATE,
  VFIO_EEH_PE_INJECT_ERR,
  VFIO_EEH_PE_RESET_DEACTIVATE,
  VFIO_EEH_PE_RESET_FUNDAMENTAL,
  VFIO_EEH_PE_RESET_HOT,
  VFIO_EEH_PE_UNFREEZE_DMA,
  VFIO_EEH_PE_UNFREEZE_IO,
  decodeEehPeOp,
  decodeEehPeOpHeader,
} from '../../core/vfio-spapr-uapi.js';
import type { IoctlArg } from '../syscall-surface.js';
import { structArg } from '../vfio/vfio-iommu-type1.js';
import {
  EEH_OPT_DISABLE,
  EEH_OPT_ENABLE,
  EEH_OPT_THAW_DMA,
  EEH_OPT_THAW_MMIO,
  EEH_RESET_DEACTIVATE,
  EEH_RESET_FUNDAMENTAL,
  EEH_RESET_HOT,
  type EehPe,
} from './eeh-pe.js';

/** models vfio_spapr_ioctl_eeh_pe_op: ENODEV without a PE, EINVAL for a short argsz, flags or an unknown op. */
export function vfioEehPeOp(pe: EehPe | undefined, arg: IoctlArg): number {
  if (!pe) throw new KernelError('ENODEV');
  const buf = structArg(arg);
  if (buf.length < EEH_PE_OP_MINSZ) throw new KernelError('EFAULT');
  const op = decodeEehPeOpHeader(buf);
  if (op.argsz < EEH_PE_OP_MINSZ || op.flags !== 0) throw new KernelError('EINVAL');
  switch (op.op) {
    case VFIO_EEH_PE_DISABLE:
      return pe.setOption(EEH_OPT_DISABLE);
    case VFIO_EEH_PE_ENABLE:
      return pe.setOption(EEH_OPT_ENABLE);
    case VFIO_EEH_PE_UNFREEZE_IO:
      return pe.setOption(EEH_OPT_THAW_MMIO);
    case VFIO_EEH_PE_UNFREEZE_DMA:
      return pe.setOption(EEH_OPT_THAW_DMA);
    case VFIO_EEH_PE_GET_STATE:
      return pe.getState();
    case VFIO_EEH_PE_RESET_DEACTIVATE:
      return pe.reset(EEH_RESET_DEACTIVATE);
    case VFIO_EEH_PE_RESET_HOT:
      return pe.reset(EEH_RESET_HOT);
    case VFIO_EEH_PE_RESET_FUNDAMENTAL:
      return pe.reset(EEH_RESET_FUNDAMENTAL);
    case VFIO_EEH_PE_CONFIGURE:
      // models eeh_pe_configure: nothing to do on PowerNV
      return 0;
    case VFIO_EEH_PE_INJECT_ERR: {
      if (op.argsz < EEH_PE_OP_SIZE) throw new KernelError('EINVAL');
      if (buf.length < EEH_PE_OP_SIZE) throw new KernelError('EFAULT');
      const { err } = decodeEehPeOp(buf);
      return pe.injectError(err.type, err.func);
    }
    default:
      throw new KernelError('EINVAL');
  }
}
