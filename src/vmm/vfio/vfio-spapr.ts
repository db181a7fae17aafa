// QEMU's sPAPR side of the VFIO common layer (hw/vfio/common.c and spapr.c in 7.2; spec
// vfio-core §3.4): a pseries PHB's DMA address space, whose containers use the sPAPR TCE
// IOMMU — v2 first, v1 as the fallback — with RAM pre-registered (v2) or the container
// enabled (v1), the kernel's default window removed, and the PHB's 32-bit DMA window
// created when the PHB's TCE table is enabled (machine reset).

import { strerror } from '../../core/errno.js';
import {
  VFIO_IOMMU_ENABLE,
  VFIO_IOMMU_SPAPR_REGISTER_MEMORY,
  VFIO_IOMMU_SPAPR_TCE_CREATE,
  VFIO_IOMMU_SPAPR_TCE_GET_INFO,
  VFIO_IOMMU_SPAPR_TCE_REMOVE,
  VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY,
  decodeSpaprTceInfo,
  encodeRegisterMemory,
  encodeSpaprTceInfo,
  encodeTceCreate,
  encodeTceRemove,
} from '../../core/vfio-spapr-uapi.js';
import {
  VFIO_CHECK_EXTENSION,
  VFIO_GROUP_SET_CONTAINER,
  VFIO_GROUP_UNSET_CONTAINER,
  VFIO_SET_IOMMU,
  VFIO_SPAPR_TCE_IOMMU,
  VFIO_SPAPR_TCE_v2_IOMMU,
  VFIO_TYPE1_IOMMU,
  VFIO_TYPE1v2_IOMMU,
  encodeS32,
} from '../../core/vfio-uapi.js';
import { kvmVfioGroupAdd } from '../accel/kvm-all.js';
import { errnoOf, errorWithErrno, QemuError } from '../qemu-error.js';
import type { VmContext } from '../vm-context.js';
import { closeQuietly, setupFailed, VfioContainer, vfioJoinContainer, vfioOpenContainer, type VfioAddressSpace, type VfioGroup } from './vfio-common.js';

/** The PHB's default 32-bit DMA window (dma_win_addr, dma_win_size) with SPAPR_TCE_PAGE_SHIFT pages. */
export interface SpaprDmaWindow {
  start: bigint;
  size: bigint;
  pageShift: number;
}

/** What a container of a PHB's space keeps besides the common container. */
interface SpaprContainerState {
  /** The DMA window created in the kernel for the PHB's TCE table, if any. */
  window: bigint | undefined;
}

/** models vfio_spapr_create_window's levels: enough 64K pages of TCEs, six bits a level. */
function tceLevels(windowSize: bigint, pageShift: number): number {
  const entries = windowSize >> BigInt(pageShift);
  let pages = (entries * 8n) / 0x10000n;
  if (pages < 1n) pages = 1n;
  let p = 1n;
  while (p < pages) p <<= 1n;
  let ctz = 0;
  while ((p & 1n) === 0n) {
    p >>= 1n;
    ctz++;
  }
  return Math.floor(ctz / 6) + 1;
}

const IOMMU_NAMES: Record<number, string> = {
  [VFIO_SPAPR_TCE_IOMMU]: 'VFIO_SPAPR_TCE_IOMMU',
  [VFIO_SPAPR_TCE_v2_IOMMU]: 'VFIO_SPAPR_TCE_v2_IOMMU',
};

/** A pseries PHB's IOMMU address space ("<phb>-iommu-as"). */
export class SpaprAddressSpace implements VfioAddressSpace {
  readonly containers = new Map<VfioContainer, SpaprContainerState>();
  /** The containers in creation order, kept beside the map (EEH asks on every RTAS call). */
  private readonly order: VfioContainer[] = [];
  /** The TCE table is enabled (after the PHB's reset): its window exists in each container. */
  tableEnabled = false;

  constructor(
    readonly name: string,
    readonly window: SpaprDmaWindow,
  ) {}

  owns(container: VfioContainer): boolean {
    return this.containers.has(container);
  }

  /** The VFIO containers of this space, in creation order. */
  list(): VfioContainer[] {
    return this.order;
  }

  /** models vfio_connect_container for a sPAPR space (7.2 texts; 3.1 spells a few in lower case). */
  connect(vm: VmContext, group: VfioGroup): void {
    const { sys } = vm;
    if (vfioJoinContainer(vm, group, this.containers.keys(), this.name)) return;
    const fd = vfioOpenContainer(vm, this.name);
    try {
      // models vfio_get_iommu_type: the first extension the kernel offers, Type1 before sPAPR
      let type = [VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU, VFIO_SPAPR_TCE_IOMMU].find((t) => sys.ioctl(fd, VFIO_CHECK_EXTENSION, t) > 0);
      if (type === undefined) throw new QemuError('No available IOMMU models');
      try {
        sys.ioctl(group.fd, VFIO_GROUP_SET_CONTAINER, encodeS32(fd));
      } catch (e) {
        throw errorWithErrno(setupFailed(vm, 'set group container'), errnoOf(e));
      }
      // models vfio_init_container: v2 may be refused by the platform; v1 is the fallback
      for (;;) {
        try {
          sys.ioctl(fd, VFIO_SET_IOMMU, type);
          break;
        } catch (e) {
          const code = errnoOf(e);
          if (type === VFIO_SPAPR_TCE_v2_IOMMU) {
            vm.trace('vfio_connect_container', `VFIO_SET_IOMMU VFIO_SPAPR_TCE_v2_IOMMU failed: ${code}, trying v1`);
            type = VFIO_SPAPR_TCE_IOMMU;
            continue;
          }
          sys.ioctl(group.fd, VFIO_GROUP_UNSET_CONTAINER);
          throw errorWithErrno(setupFailed(vm, 'set iommu for container'), code);
        }
      }
      vm.trace('vfio_connect_container', `VFIO_SET_IOMMU ${IOMMU_NAMES[type] ?? type}`);
      const container = new VfioContainer(fd, type);
      try {
        this.setupSpapr(vm, container);
      } catch (e) {
        sys.ioctl(group.fd, VFIO_GROUP_UNSET_CONTAINER);
        throw e;
      }
      group.container = container;
      container.groups.push(group);
      vm.vfio.containers.push(container);
      this.containers.set(container, { window: undefined });
      this.order.push(container);
      kvmVfioGroupAdd(vm, group);
      if (this.tableEnabled) this.createWindow(vm, container);
    } catch (e) {
      closeQuietly(vm, fd);
      throw e;
    }
  }

  /** The sPAPR case of vfio_connect_container: enable (v1) or pre-register RAM (v2), GET_INFO, drop the default window (v2). */
  private setupSpapr(vm: VmContext, container: VfioContainer): void {
    const { sys } = vm;
    const v2 = container.iommuType === VFIO_SPAPR_TCE_v2_IOMMU;
    const { ram } = vm.vfio;
    if (!v2) {
      try {
        sys.ioctl(container.fd, VFIO_IOMMU_ENABLE);
      } catch (e) {
        throw errorWithErrno('failed to enable container', errnoOf(e));
      }
      vm.trace('vfio_connect_container', 'VFIO_IOMMU_ENABLE');
    } else {
      // models the prereg listener's replay: every RAM section is registered
      try {
        sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, encodeRegisterMemory(ram.vaddr, ram.size));
        vm.trace('vfio_prereg_listener_region_add', `VFIO_IOMMU_SPAPR_REGISTER_MEMORY vaddr 0x${ram.vaddr.toString(16)} size 0x${ram.size.toString(16)}`);
      } catch (e) {
        if (vm.profile === 'legacy') throw new QemuError('RAM memory listener initialization failed for container');
        throw new QemuError(`RAM memory listener initialization failed: Memory registering failed: ${strerror(errnoOf(e))}`);
      }
    }
    const info = encodeSpaprTceInfo();
    try {
      sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info);
    } catch (e) {
      throw errorWithErrno('VFIO_IOMMU_SPAPR_TCE_GET_INFO failed', errnoOf(e));
    }
    const i = decodeSpaprTceInfo(info);
    vm.trace('vfio_connect_container', `VFIO_IOMMU_SPAPR_TCE_GET_INFO dma32 0x${i.dma32WindowStart.toString(16)}+0x${i.dma32WindowSize.toString(16)} flags 0x${i.flags.toString(16)}`);
    if (v2) {
      try {
        sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(BigInt(i.dma32WindowStart)));
      } catch (e) {
        throw errorWithErrno('failed to remove existing window', errnoOf(e));
      }
      vm.trace('vfio_spapr_remove_window', `VFIO_IOMMU_SPAPR_TCE_REMOVE 0x${i.dma32WindowStart.toString(16)}`);
    }
  }

  /** models vfio_listener_region_add for the PHB's TCE IOMMU region: v2 creates the window in the kernel. */
  private createWindow(vm: VmContext, container: VfioContainer): void {
    const state = this.containers.get(container)!;
    if (container.iommuType !== VFIO_SPAPR_TCE_v2_IOMMU || state.window !== undefined) return;
    const w = this.window;
    const create = encodeTceCreate(w.pageShift, w.size, tceLevels(w.size, w.pageShift));
    try {
      vm.sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_TCE_CREATE, create);
    } catch (e) {
      // at run time QEMU reports it and then aborts (hw_error); the twin reports and goes on
      vm.error(`Failed to create SPAPR window: ${strerror(errnoOf(e))}`);
      return;
    }
    state.window = w.start;
    vm.trace('vfio_spapr_create_window', `VFIO_IOMMU_SPAPR_TCE_CREATE page_shift ${w.pageShift} window 0x${w.size.toString(16)} at 0x${w.start.toString(16)}`);
  }

  /** models vfio_listener_region_del for the TCE region: v2 removes the window. */
  private removeWindow(vm: VmContext, container: VfioContainer): void {
    const state = this.containers.get(container)!;
    if (state.window === undefined) return;
    try {
      vm.sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, encodeTceRemove(state.window));
      vm.trace('vfio_spapr_remove_window', `VFIO_IOMMU_SPAPR_TCE_REMOVE 0x${state.window.toString(16)}`);
    } catch (e) {
      // models vfio_spapr_remove_window's error_report, which names no errno
      if (errnoOf(e)) vm.error(`Failed to remove window at ${state.window.toString(16)}`);
    }
    state.window = undefined;
  }

  /** models spapr_phb_dma_reset: the TCE table is disabled and enabled again (the window follows). */
  resetTable(vm: VmContext): void {
    for (const c of this.containers.keys()) this.removeWindow(vm, c);
    this.tableEnabled = true;
    for (const c of this.containers.keys()) this.createWindow(vm, c);
  }

  /** The last group leaves: the listeners unregister (window removed, RAM unregistered). */
  release(vm: VmContext, container: VfioContainer): void {
    this.removeWindow(vm, container);
    if (container.iommuType === VFIO_SPAPR_TCE_v2_IOMMU) {
      const { ram } = vm.vfio;
      try {
        vm.sys.ioctl(container.fd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, encodeRegisterMemory(ram.vaddr, ram.size));
        vm.trace('vfio_prereg_listener_region_del', `VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY vaddr 0x${ram.vaddr.toString(16)}`);
      } catch (e) {
        vm.error(`vfio_prereg_listener_region_del: cannot unregister memory: ${strerror(errnoOf(e))}`);
      }
    }
  }

  forget(container: VfioContainer): void {
    this.containers.delete(container);
    this.order.splice(this.order.indexOf(container), 1);
  }

  /** A container rebuilt from a snapshot joins the space again. */
  adopt(container: VfioContainer, window: bigint | undefined): void {
    this.containers.set(container, { window });
    this.order.push(container);
  }

  windowOf(container: VfioContainer): bigint | undefined {
    return this.containers.get(container)?.window;
  }
}
