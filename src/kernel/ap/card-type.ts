// Card types as the AP bus and zcrypt show them (ap_bus.h AP_DEVICE_TYPE_*, zcrypt_cex4.c).

import {
  AP_FUNC_ACCEL,
  AP_FUNC_APSC,
  AP_FUNC_APXA,
  AP_FUNC_COPRO,
  AP_FUNC_CRT4K,
  AP_FUNC_EP11,
  AP_FUNC_FULL_NATIVE,
  AP_FUNC_MEX4K,
} from '../../core/ap-functions.js';

/** CEX4..CEX8 followed by A (accelerator), C (CCA coprocessor) or P (EP11 coprocessor). */
export const CARD_TYPE_RE = /^CEX([4-8])([ACP])$/;

export type CardMode = 'CCA' | 'EP11' | 'Accelerator';

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
    // APSC, APXA and the "full native card function" bit, as lszcrypt shows them.
    functions: (AP_FUNC_APSC | modeBit | AP_FUNC_APXA | AP_FUNC_FULL_NATIVE) >>> 0,
    depth: 8,
    maxMsgSize: generation >= 6 ? 12288 : 7680,
  };
}
