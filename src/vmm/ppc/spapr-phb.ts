// The pseries PCI host bridge (hw/ppc/spapr_pci.c, spapr_pci_vfio.c in 7.2): an index, the
// BUID RTAS calls name it by, a root PCI bus, and its own DMA address space (the vfio-pci
// functions below it get their containers there). Reset re-enables the TCE table and,
// when EEH is available, EEH itself (which thaws a frozen PE).

import { VFIO_EEH_PE_ENABLE } from '../../core/vfio-spapr-uapi.js';
import { BusState, DeviceState, walkDevices, type DeviceClass, type PropertyInfo } from '../qdev/qdev.js';
import { QemuError } from '../qemu-error.js';
import { vfioEehAsOk, vfioEehAsOp } from '../vfio/vfio-eeh.js';
import { VfioPciDevice, type PciBusSlots, type PciHostContext } from '../vfio/vfio-pci.js';
import { SpaprAddressSpace } from '../vfio/vfio-spapr.js';
import type { VmContext } from '../vm-context.js';

export const TYPE_SPAPR_PCI_HOST_BRIDGE = 'spapr-pci-host-bridge';
/** SPAPR_PCI_BASE_BUID and the PHB limit of the 2.x+ placement (SPAPR_MAX_PHBS - 1). */
export const SPAPR_PCI_BASE_BUID = 0x800000020000000n;
export const SPAPR_MAX_PHB_INDEX = 30;
/** The default 32-bit DMA window (dma_win_addr, dma_win_size) with SPAPR_TCE_PAGE_SHIFT. */
const DMA_WIN_SIZE = 0x4000_0000n;

/** The PHB's root bus: PCI slots and the PHB's DMA context. */
export class SpaprPciBus extends BusState implements PciBusSlots {
  readonly devices = new Map<number, DeviceState>();

  constructor(
    name: string,
    readonly phb: SpaprPhb,
  ) {
    super('PCI', name, phb);
  }

  get host(): PciHostContext {
    return this.phb;
  }
}

export class SpaprPhb extends DeviceState implements PciHostContext {
  index = 0xffff_ffff;
  bus: SpaprPciBus | undefined;
  as!: SpaprAddressSpace;

  get buid(): bigint {
    return SPAPR_PCI_BASE_BUID + BigInt(this.index);
  }

  /** The PHBs of the machine (the spapr->phbs list), for the duplicate check. */
  private siblings(vm: VmContext): SpaprPhb[] {
    return [...walkDevices(vm.sysbus)].filter((d): d is SpaprPhb => d instanceof SpaprPhb && d !== this && d.realized);
  }

  /** models spapr_phb_realize's checks, then the root bus and the IOMMU address space. */
  override realize(vm: VmContext): void {
    if (this.index === 0xffff_ffff) throw new QemuError('"index" for PAPR PHB is mandatory');
    if (this.index > SPAPR_MAX_PHB_INDEX) throw new QemuError(`"index" for PAPR PHB is too large (max ${SPAPR_MAX_PHB_INDEX})`);
    if (this.siblings(vm).some((p) => p.index === this.index)) throw new QemuError(`PHB ${this.index} already attached`);
    this.attachBus(vm);
  }

  /** The root bus ("pci.N" by the PCI bus type's counter, or "<id>.0") and the DMA space. */
  attachBus(vm: VmContext, name?: string): void {
    const auto = (): string => `pci.${[...walkDevices(vm.sysbus)].flatMap((d) => d.childBuses).filter((b) => b.typeName === 'PCI' && /^pci\.\d+$/.test(b.name)).length}`;
    this.bus = new SpaprPciBus(name ?? (this.id !== undefined ? `${this.id}.0` : auto()), this);
    this.as = new SpaprAddressSpace(`${TYPE_SPAPR_PCI_HOST_BRIDGE}.${this.index}-iommu-as`, { start: 0n, size: DMA_WIN_SIZE, pageShift: 12 });
  }

  /** The vfio-pci function at a devfn of the root bus (pci_find_device). */
  function(devfn: number): VfioPciDevice | undefined {
    const d = this.bus?.devices.get(devfn);
    return d instanceof VfioPciDevice ? d : undefined;
  }

  hasFunctions(): boolean {
    for (const d of this.bus?.devices.values() ?? []) if (d instanceof VfioPciDevice) return true;
    return false;
  }

  /** The vfio-pci functions on the root bus by devfn. */
  functions(): Map<number, VfioPciDevice> {
    const out = new Map<number, VfioPciDevice>();
    for (const [devfn, d] of this.bus?.devices ?? []) if (d instanceof VfioPciDevice) out.set(devfn, d);
    return out;
  }

  /** models spapr_phb_eeh_available. */
  eehAvailable(): boolean {
    return vfioEehAsOk(this.as);
  }

  /** models spapr_phb_reset: the DMA window comes back, then EEH is re-enabled where available. */
  override reset(vm: VmContext): void {
    this.as.resetTable(vm);
    if (this.eehAvailable()) {
      // models spapr_phb_vfio_reset: ENABLE clears a frozen PE
      vfioEehAsOp(vm, this.as, VFIO_EEH_PE_ENABLE);
    }
  }
}

/** The spapr-pci-host-bridge class: a sysbus device with `index` and the properties help lists. */
export function spaprPhbClass(helpProps: DeviceClass['helpProps']): DeviceClass {
  const index: PropertyInfo<SpaprPhb> = {
    name: 'index',
    type: 'uint32',
    set: (dev, v) => {
      dev.index = Number(v);
    },
    get: (dev) => dev.index,
  };
  const ignored = (helpProps ?? []).filter((p) => p.name !== 'index');
  return {
    typeName: TYPE_SPAPR_PCI_HOST_BRIDGE,
    abstract: false,
    userCreatable: true,
    hotpluggable: false,
    busType: 'System',
    categories: ['bridge'],
    props: [index, ...ignored.map((p): PropertyInfo => ({ name: p.name, type: 'str', set: () => undefined, get: () => undefined }))] as PropertyInfo[],
    helpProps,
    instantiate: (cls) => new SpaprPhb(cls),
  };
}
