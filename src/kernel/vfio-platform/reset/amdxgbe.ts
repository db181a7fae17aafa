// vfio-platform-amdxgbe (drivers/vfio/platform/reset/vfio_platform_amdxgbe.c): the AMD
// XGBE's reset resets the PHY through the XPCS MMD window (region 1), turns
// auto-negotiation and its interrupt off, then soft-resets the MAC (region 0, DMA_MR.SWR).

import { MDIO_CTRL1, MDIO_CTRL1_RESET, MDIO_MMD_AN, MDIO_MMD_PCS, XGBE_DMA_MR, XPCS_MMD_SELECT } from '../../platform/nic-hardware.js';
import type { RegisterFile } from '../../platform/register-file.js';

const MDIO_AN_INT = 0x8002;
const MDIO_AN_INTMASK = 0x8001;
const MDIO_AN_CTRL1_ENABLE = 0x1000;

/** models xmdio_read: select the MMD page, then read the register's slot of the window. */
function xmdioRead(xpcs: RegisterFile, mmd: number, reg: number): number {
  const addr = (mmd << 16) | (reg & 0xffff);
  xpcs.write32(XPCS_MMD_SELECT, addr >>> 8);
  return xpcs.read32((addr & 0xff) << 2);
}

function xmdioWrite(xpcs: RegisterFile, mmd: number, reg: number, value: number): void {
  const addr = (mmd << 16) | (reg & 0xffff);
  xpcs.write32(XPCS_MMD_SELECT, addr >>> 8);
  xpcs.write32((addr & 0xff) << 2, value);
}

/** models vfio_platform_amdxgbe_reset; warn gets its dev_warn texts. */
export function amdxgbeReset(regions: readonly RegisterFile[], warn: (text: string) => void): void {
  const mac = regions[0]!;
  const xpcs = regions[1]!;
  xmdioWrite(xpcs, MDIO_MMD_PCS, MDIO_CTRL1, xmdioRead(xpcs, MDIO_MMD_PCS, MDIO_CTRL1) | MDIO_CTRL1_RESET);
  // the driver polls 50 times, 20 ms apart
  let pcs = 0;
  for (let count = 50; count > 0; count--) {
    pcs = xmdioRead(xpcs, MDIO_MMD_PCS, MDIO_CTRL1);
    if (!(pcs & MDIO_CTRL1_RESET)) break;
  }
  if (pcs & MDIO_CTRL1_RESET) warn('vfio_platform_amdxgbe_reset: XGBE PHY reset timeout');
  xmdioWrite(xpcs, MDIO_MMD_AN, MDIO_CTRL1, xmdioRead(xpcs, MDIO_MMD_AN, MDIO_CTRL1) & ~MDIO_AN_CTRL1_ENABLE);
  xmdioWrite(xpcs, MDIO_MMD_AN, MDIO_AN_INTMASK, 0);
  xmdioWrite(xpcs, MDIO_MMD_AN, MDIO_AN_INT, 0);
  mac.write32(XGBE_DMA_MR, mac.read32(XGBE_DMA_MR) | 1);
  let count = 2000;
  while (--count && mac.read32(XGBE_DMA_MR) & 1);
  if (!count) warn('vfio_platform_amdxgbe_reset: MAC SW reset failed');
}
