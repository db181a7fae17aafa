// An EEH partitionable endpoint as a POWER9 (PowerNV, PHB4) host drives it
// (arch/powerpc/kernel/eeh.c, platforms/powernv/eeh-powernv.c): the PHB freezes a PE's
// MMIO and DMA on an error; the EEH core thaws, resets and reports its state. The
// freeze bits are what OPAL's freeze status reports; the PE state VFIO returns is
// eeh_pe_get_state's mapping of them.

import { KernelError } from '../../core/errno.js';
import type { PciDevice } from '../pci/pci-device.js';

/** pnv_eeh_get_state's flags (asm/eeh.h EEH_STATE_*). */
export const EEH_STATE_NOT_SUPPORT = 1 << 1;
export const EEH_STATE_RESET_ACTIVE = 1 << 2;
export const EEH_STATE_MMIO_ACTIVE = 1 << 3;
export const EEH_STATE_DMA_ACTIVE = 1 << 4;
export const EEH_STATE_MMIO_ENABLED = 1 << 5;
export const EEH_STATE_DMA_ENABLED = 1 << 6;

/** eeh_pe_get_state's results (EEH_PE_STATE_*, = VFIO's). */
export const EEH_PE_STATE_NORMAL = 0;
export const EEH_PE_STATE_RESET = 1;
export const EEH_PE_STATE_STOPPED_IO_DMA = 2;
export const EEH_PE_STATE_STOPPED_DMA = 4;
export const EEH_PE_STATE_UNAVAIL = 5;

/** EEH_OPT_* of eeh_pe_set_option. */
export const EEH_OPT_DISABLE = 0;
export const EEH_OPT_ENABLE = 1;
export const EEH_OPT_THAW_MMIO = 2;
export const EEH_OPT_THAW_DMA = 3;

/** EEH_RESET_* of eeh_pe_reset. */
export const EEH_RESET_DEACTIVATE = 0;
export const EEH_RESET_HOT = 1;
export const EEH_RESET_FUNDAMENTAL = 3;

/** eeh_pe_inject_err's bounds: EEH_ERR_TYPE_32/64, EEH_ERR_FUNC_MIN..MAX. */
export const EEH_ERR_TYPE_32 = 0;
export const EEH_ERR_TYPE_64 = 1;
export const EEH_ERR_FUNC_MAX = 19;

export interface EehPeSnapshot {
  mmioFrozen: boolean;
  dmaFrozen: boolean;
  resetActive: boolean;
  cfgBlocked: boolean;
  passDevCnt: number;
}

export class EehPe {
  mmioFrozen = false;
  dmaFrozen = false;
  /** The PE's secondary bus reset is asserted (HOT/FUNDAMENTAL until DEACTIVATE). */
  resetActive = false;
  /** EEH_PE_CFG_BLOCKED: config accesses fail while a reset is in progress. */
  cfgBlocked = false;
  /** pass_dev_cnt: functions user space (VFIO) owns; the host leaves their errors to it. */
  passDevCnt = 0;
  readonly devices: PciDevice[] = [];

  constructor(
    /** The PHB's global number (its PCI domain). */
    readonly phb: number,
    /** The PE number on the PHB. */
    readonly addr: number,
    /** eeh_enabled(). */
    private readonly enabled: () => boolean,
  ) {}

  get label(): string {
    return `PHB#${this.phb.toString(16)}-PE#${this.addr.toString(16)}`;
  }

  cfgUnreachable(): boolean {
    return this.mmioFrozen || this.cfgBlocked;
  }

  /** models pnv_eeh_get_pe_state: OPAL's freeze status as EEH_STATE_* flags. */
  hwState(): number {
    if (!this.enabled()) return EEH_STATE_NOT_SUPPORT;
    let s = 0;
    if (!this.mmioFrozen) s |= EEH_STATE_MMIO_ACTIVE | EEH_STATE_MMIO_ENABLED;
    if (!this.dmaFrozen) s |= EEH_STATE_DMA_ACTIVE | EEH_STATE_DMA_ENABLED;
    return s;
  }

  /** models eeh_pe_get_state. */
  getState(): number {
    const r = this.hwState();
    const rst = (r & EEH_STATE_RESET_ACTIVE) !== 0;
    const dma = (r & EEH_STATE_DMA_ENABLED) !== 0;
    const mmio = (r & EEH_STATE_MMIO_ENABLED) !== 0;
    if (rst) return EEH_PE_STATE_RESET;
    if (dma && mmio) return EEH_PE_STATE_NORMAL;
    if (!dma && !mmio) return EEH_PE_STATE_STOPPED_IO_DMA;
    if (!dma && mmio) return EEH_PE_STATE_STOPPED_DMA;
    return EEH_PE_STATE_UNAVAIL;
  }

  /** The PHB detected an error in the PE (or OPAL injected one): MMIO and DMA freeze. */
  freeze(): void {
    this.mmioFrozen = true;
    this.dmaFrozen = true;
  }

  /** models eeh_pci_enable for THAW_MMIO/THAW_DMA: nothing to do when already active; else clear and re-check. */
  private thaw(option: number): void {
    const flag = option === EEH_OPT_THAW_MMIO ? EEH_STATE_MMIO_ACTIVE : EEH_STATE_DMA_ACTIVE;
    const r = this.hwState();
    if (r === EEH_STATE_NOT_SUPPORT || r & flag) return;
    if (option === EEH_OPT_THAW_MMIO) this.mmioFrozen = false;
    else this.dmaFrozen = false;
  }

  /** models eeh_pe_change_owner: a frozen PE changing hands is thawed (eeh_unfreeze_pe). */
  changeOwner(): void {
    const r = this.hwState();
    if (r === EEH_STATE_NOT_SUPPORT) return;
    if ((r & (EEH_STATE_MMIO_ACTIVE | EEH_STATE_DMA_ACTIVE)) === (EEH_STATE_MMIO_ACTIVE | EEH_STATE_DMA_ACTIVE)) return;
    this.thaw(EEH_OPT_THAW_MMIO);
    this.thaw(EEH_OPT_THAW_DMA);
  }

  /** models eeh_pe_set_option: ENABLE (EIO with EEH off) re-owns the PE, DISABLE is a no-op, THAW_* thaw. */
  setOption(option: number): number {
    switch (option) {
      case EEH_OPT_ENABLE:
        if (!this.enabled()) throw new KernelError('EIO');
        this.changeOwner();
        return 0;
      case EEH_OPT_DISABLE:
        return 0;
      case EEH_OPT_THAW_MMIO:
      case EEH_OPT_THAW_DMA:
        this.thaw(option);
        return 0;
      default:
        throw new KernelError('EINVAL');
    }
  }

  /**
   * models eeh_pe_reset (include_passed): HOT and FUNDAMENTAL freeze the PE first, block
   * config and assert the reset (every function loses its BARs); DEACTIVATE releases it,
   * restores the saved BARs and thaws the PE.
   */
  reset(option: number): number {
    switch (option) {
      case EEH_RESET_DEACTIVATE:
        this.resetActive = false;
        this.cfgBlocked = false;
        for (const d of this.devices) d.restoreBars();
        if (this.hwState() !== EEH_STATE_NOT_SUPPORT) {
          this.thaw(EEH_OPT_THAW_MMIO);
          this.thaw(EEH_OPT_THAW_DMA);
        }
        return 0;
      case EEH_RESET_HOT:
      case EEH_RESET_FUNDAMENTAL:
        this.freeze();
        this.cfgBlocked = true;
        this.resetActive = true;
        for (const d of this.devices) d.hardwareReset();
        return 0;
      default:
        throw new KernelError('EINVAL');
    }
  }

  /** models eeh_pe_inject_err + pnv_eeh_err_inject: the error reaches the PHB, which freezes the PE. */
  injectError(type: number, func: number): number {
    if (type !== EEH_ERR_TYPE_32 && type !== EEH_ERR_TYPE_64) throw new KernelError('EINVAL');
    if (func < 0 || func > EEH_ERR_FUNC_MAX) throw new KernelError('EINVAL');
    if (this.enabled()) this.freeze();
    return 0;
  }

  snapshot(): EehPeSnapshot {
    const { mmioFrozen, dmaFrozen, resetActive, cfgBlocked, passDevCnt } = this;
    return { mmioFrozen, dmaFrozen, resetActive, cfgBlocked, passDevCnt };
  }

  restore(s: EehPeSnapshot): void {
    Object.assign(this, s);
  }
}
