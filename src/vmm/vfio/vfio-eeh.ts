// include/hw/vfio/vfio.h's EEH helpers (hw/vfio/common.c in 7.2, spapr_pci_vfio.c later;
// spec vfio-core §5): EEH works per PE, so an address space qualifies only with exactly
// one container holding exactly one group; the op goes to that container's fd.

import { strerror, errnoNumber, type ErrnoName } from '../../core/errno.js';
import { VFIO_EEH_PE_OP, encodeEehPeOp } from '../../core/vfio-spapr-uapi.js';
import { errnoOf } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import type { VfioContainer } from './vfio-common.js';

/** The containers of one address space (vfio_get_address_space + its list). */
export interface EehAddressSpace {
  list(): VfioContainer[];
}

/** models vfio_eeh_as_container: the one container of the space, or none when there are zero or several. */
function eehContainer(as: EehAddressSpace): VfioContainer | undefined {
  const cs = as.list();
  return cs.length === 1 ? cs[0] : undefined;
}

/** models vfio_eeh_container_ok: exactly one group. */
function containerOk(c: VfioContainer): boolean {
  return c.groups.length === 1;
}

/** models vfio_eeh_as_ok (spapr_phb_eeh_available). */
export function vfioEehAsOk(as: EehAddressSpace): boolean {
  const c = eehContainer(as);
  return c !== undefined && containerOk(c);
}

/** models vfio_eeh_as_op: -ENODEV, -EPERM (reported), -errno (reported) or the ioctl's result. */
export function vfioEehAsOp(vm: VmContext, as: EehAddressSpace, op: number): number {
  const c = eehContainer(as);
  const neg = (code: ErrnoName): number => -errnoNumber(code);
  if (!c) return neg('ENODEV');
  const hex = op.toString(16);
  if (!containerOk(c)) {
    vm.error(`vfio/eeh: EEH_PE_OP 0x${hex}: kernel requires a container with exactly one group`);
    return neg('EPERM');
  }
  try {
    const r = vm.sys.ioctl(c.fd, VFIO_EEH_PE_OP, encodeEehPeOp(op));
    vm.trace('vfio_eeh_as_op', `VFIO_EEH_PE_OP 0x${hex} on container fd ${c.fd} = ${r}`);
    return r;
  } catch (e) {
    const code = errnoOf(e);
    vm.trace('vfio_eeh_as_op', `VFIO_EEH_PE_OP 0x${hex} on container fd ${c.fd} failed: ${code}`);
    vm.error(`vfio/eeh: EEH_PE_OP 0x${hex} failed: ${strerror(code)}`);
    return neg(code);
  }
}
