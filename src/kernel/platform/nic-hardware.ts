// The hardware behind a platform device's `reg` ranges, chosen by its compatible: the AMD
// XGBE (amd,xgbe-seattle-v1a: a MAC block whose DMA_MR.SWR self-clears after resetting
// the MAC, and an XPCS block reached through an MMD window whose PCS CTRL1 reset bit
// self-clears) and, for everything else, plain registers (the Calxeda XGMAC's are).

import { RegisterFile, type RegisterHooks } from './register-file.js';

/** XGBE MAC registers (drivers/net/ethernet/amd/xgbe/xgbe-common.h). */
export const XGBE_DMA_MR = 0x3000;
/** The XPCS MMD window: the select register at PCS_MMD_SELECT << 2, registers at (reg & 0xff) << 2. */
export const XPCS_MMD_SELECT = 0xff << 2;
export const MDIO_MMD_PCS = 3;
export const MDIO_MMD_AN = 7;
export const MDIO_CTRL1 = 0;
export const MDIO_CTRL1_RESET = 0x8000;

/** The MMD register a window offset reaches with the current select. */
export function xpcsMmdAddress(file: RegisterFile, offset: number): number {
  return ((file.peek(XPCS_MMD_SELECT) << 8) | (offset >> 2)) >>> 0;
}

/** The XPCS window: MMD registers are stored at 0x100000 + their 24-bit address (beyond the window, never mapped). */
const MMD_STORE = 0x10_0000;

function xpcsHooks(): RegisterHooks {
  return {
    read(file, offset) {
      if (offset === XPCS_MMD_SELECT) return undefined;
      return file.peek(MMD_STORE + xpcsMmdAddress(file, offset) * 4);
    },
    write(file, offset, value) {
      if (offset === XPCS_MMD_SELECT) return false;
      const addr = xpcsMmdAddress(file, offset);
      // the PHY finishes its reset at once: CTRL1.RESET reads back clear
      const v = addr === ((MDIO_MMD_PCS << 16) | MDIO_CTRL1) ? value & ~MDIO_CTRL1_RESET : value;
      file.poke(MMD_STORE + addr * 4, v);
      return true;
    },
  };
}

function macHooks(): RegisterHooks {
  return {
    write(file, offset, value) {
      if (offset !== XGBE_DMA_MR || !(value & 1)) return false;
      // DMA_MR.SWR: the MAC and DMA blocks return to their reset values, then SWR clears
      file.clear();
      return true;
    },
  };
}

/** The register files of a device's `reg` ranges. */
export function registerFilesFor(compatible: string, sizes: readonly number[]): RegisterFile[] {
  if (compatible === 'amd,xgbe-seattle-v1a') {
    return sizes.map((size, i) => new RegisterFile(size, i === 0 ? macHooks() : i === 1 ? xpcsHooks() : {}));
  }
  return sizes.map((size) => new RegisterFile(size));
}
