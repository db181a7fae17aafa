// struct iommu_table_group of a PowerNV IODA2 PE (pnv_pci_ioda2_setup_dma_pe): the 32-bit
// default window, what dynamic DMA windows may be (page sizes, levels, two tables), and
// where each table's window starts on the bus.

/** The PE's IOMMU data, as iommu_group_get_iommudata returns it. */
export interface SpaprTableGroup {
  /** tce32_start / tce32_size: the default 32-bit window. */
  readonly tce32Start: number;
  readonly tce32Size: number;
  readonly pgsizes: bigint;
  readonly maxDynamicWindowsSupported: number;
  readonly maxLevels: number;
}

/** POWERNV_IOMMU_MAX_LEVELS, IOMMU_TABLE_GROUP_MAX_TABLES, and the bus offset of the second window (tce_bypass_base). */
export const POWERNV_IOMMU_MAX_LEVELS = 5;
export const IOMMU_TABLE_GROUP_MAX_TABLES = 2;
export const TCE64_BUS_OFFSET = 1n << 59n;

/** A POWER9 PHB4 PE: 2 GiB at 0, 4K/64K/2M/1G TCE pages ("ibm,supported-tce-sizes"). */
export function phb4TableGroup(): SpaprTableGroup {
  return {
    tce32Start: 0,
    tce32Size: 0x8000_0000,
    pgsizes: (1n << 12n) | (1n << 16n) | (1n << 21n) | (1n << 30n),
    maxDynamicWindowsSupported: IOMMU_TABLE_GROUP_MAX_TABLES,
    maxLevels: POWERNV_IOMMU_MAX_LEVELS,
  };
}
