// Card types as the AP bus and zcrypt show them (ap_bus.h AP_DEVICE_TYPE_*, zcrypt_cex4.c).

import { CARD_TYPE_RE } from '../host-spec.js';

export type CardMode = 'CCA' | 'EP11' | 'Accelerator';

// TAPQ facility bits of ap_functions (ap_bus.h AP_FUNC_*): what lszcrypt decodes.
export const AP_FUNC_APSC = 0x8000_0000;
export const AP_FUNC_MEX4K = 0x4000_0000;
export const AP_FUNC_CRT4K = 0x2000_0000;
export const AP_FUNC_COPRO = 0x1000_0000;
export const AP_FUNC_ACCEL = 0x0800_0000;
export const AP_FUNC_EP11 = 0x0400_0000;
export const AP_FUNC_APXA = 0x0200_0000;

export interface CardModel {
  /** The spec spelling, e.g. CEX7C (also zcrypt's `type` attribute). */
  type: string;
  generation: number;
  /** AP_DEVICE_TYPE_CEXn: CEX4 = 10 ... CEX8 = 14. */
  hwtype: number;
  mode: CardMode;
  functions: number;
  depth: number;
  maxMsgSize: number;
}

export function cardModel(type: string): CardModel {
  const m = CARD_TYPE_RE.exec(type);
  if (!m) throw new Error(`unknown card type ${type}`);
  const generation = Number(m[1]);
  const mode: CardMode = m[2] === 'C' ? 'CCA' : m[2] === 'P' ? 'EP11' : 'Accelerator';
  const modeBit = mode === 'CCA' ? AP_FUNC_COPRO : mode === 'EP11' ? AP_FUNC_EP11 : AP_FUNC_ACCEL | AP_FUNC_MEX4K | AP_FUNC_CRT4K;
  return {
    type,
    generation,
    hwtype: generation + 6,
    mode,
    // APSC, APXA and the "full native card function" bit (0x00800000) as lszcrypt shows them.
    functions: (AP_FUNC_APSC | modeBit | AP_FUNC_APXA | 0x0080_0000) >>> 0,
    depth: 8,
    maxMsgSize: generation >= 6 ? 12288 : 7680,
  };
}
