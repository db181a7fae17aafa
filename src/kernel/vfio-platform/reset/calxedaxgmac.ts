// vfio-platform-calxedaxgmac (drivers/vfio/platform/reset/vfio_platform_calxedaxgmac.c):
// the Calxeda XGMAC's reset disables its DMA interrupts, stops DMA and the MAC core.

import type { RegisterFile } from '../../platform/register-file.js';

export const XGMAC_CONTROL = 0x0;
export const XGMAC_DMA_CONTROL = 0xf18;
export const XGMAC_DMA_INTR_ENA = 0xf1c;
const DMA_CONTROL_ST = 0x2000;
const DMA_CONTROL_SR = 0x2;
const MAC_ENABLE_TX = 0x8;
const MAC_ENABLE_RX = 0x4;

/** models vfio_platform_calxedaxgmac_reset on region 0. */
export function calxedaxgmacReset(regions: readonly RegisterFile[]): void {
  const reg = regions[0]!;
  reg.write32(XGMAC_DMA_INTR_ENA, 0);
  // models xgmac_mac_disable
  reg.write32(XGMAC_DMA_CONTROL, reg.read32(XGMAC_DMA_CONTROL) & ~(DMA_CONTROL_ST | DMA_CONTROL_SR));
  reg.write32(XGMAC_CONTROL, reg.read32(XGMAC_CONTROL) & ~(MAC_ENABLE_TX | MAC_ENABLE_RX));
}
