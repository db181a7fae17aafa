// What zcrypt knows about the RSA work a card can take (zcrypt_api.c, zcrypt_cex4.c,
// zcrypt_msgtype50.c): function codes by key size, the normalized speed ratings per card
// type that weight the dispatch, the modulus limits per mode, and which message family a
// mode speaks. Shared by the host's zcrypt and the guest's.

import { AP_FUNC_ACCEL, AP_FUNC_COPRO, AP_FUNC_CRT4K, AP_FUNC_EP11, AP_FUNC_MEX4K } from './ap-functions.js';
import { convertType50Reply, encodeType50Crt, encodeType50Me, type RsaCrtParts, type RsaMeParts } from './ap-msg-type50.js';
import { convertType6IcaReply, encodeType6Crt, encodeType6Me } from './ap-msg-type6.js';
import type { ReplyOutcome } from './zcrypt-error.js';

export type RsaRequest = ({ op: 'me' } & RsaMeParts) | ({ op: 'crt' } & RsaCrtParts);

/** zcrypt_api.h enum zcrypt_ops: the index into a card's speed ratings. */
export const MEX_1K = 0;
export const MEX_2K = 1;
export const MEX_4K = 2;
export const CRT_1K = 3;
export const CRT_2K = 4;
export const CRT_4K = 5;
export const HWRNG = 6;
export const SECKEY = 7;

/** models get_rsa_modex_fc / get_rsa_crt_fc; undefined for a zero length (EINVAL). */
export function rsaFuncCode(op: 'me' | 'crt', length: number): number | undefined {
  if (length === 0) return undefined;
  const size = length <= 128 ? 0 : length <= 256 ? 1 : 2;
  return (op === 'me' ? MEX_1K : CRT_1K) + size;
}

export type ZcryptMode = 'accel' | 'cca' | 'ep11';

/** The mode the card's facility bits name (hwinfo.accel / cca / ep11 in zcrypt_cex4_card_probe order). */
export function zcryptMode(functions: number): ZcryptMode | undefined {
  if (functions & AP_FUNC_ACCEL) return 'accel';
  if (functions & AP_FUNC_COPRO) return 'cca';
  if (functions & AP_FUNC_EP11) return 'ep11';
  return undefined;
}

// zcrypt_cex4_card_probe: MEX_1k, MEX_2k, MEX_4k, CRT_1k, CRT_2k, CRT_4k, RNG, SECKEY per generation
const SPEED: Record<ZcryptMode, Record<number, readonly number[]>> = {
  accel: {
    4: [14, 19, 249, 42, 228, 1458, 0, 0],
    5: [8, 9, 20, 18, 66, 458, 0, 0],
    6: [6, 9, 20, 17, 65, 438, 0, 0],
    7: [6, 8, 17, 15, 54, 362, 0, 0],
    8: [6, 8, 17, 15, 54, 362, 0, 0],
  },
  cca: {
    4: [59, 69, 308, 83, 278, 2204, 209, 40],
    5: [24, 31, 50, 37, 90, 479, 27, 10],
    6: [16, 20, 32, 27, 77, 455, 24, 9],
    7: [14, 16, 26, 23, 64, 376, 23, 8],
    8: [14, 16, 26, 23, 64, 376, 23, 8],
  },
  ep11: {
    4: [0, 0, 0, 0, 0, 0, 0, 50],
    5: [0, 0, 0, 0, 0, 0, 0, 10],
    6: [0, 0, 0, 0, 0, 0, 0, 9],
    7: [0, 0, 0, 0, 0, 0, 0, 8],
    8: [0, 0, 0, 0, 0, 0, 0, 8],
  },
};

/** The speed rating of a card (hwtype 10 = CEX4 ... 14 = CEX8) for a function code. */
export function speedRating(mode: ZcryptMode, hwtype: number, funcCode: number): number {
  const gen = Math.min(Math.max(hwtype - 6, 4), 8);
  return SPEED[mode][gen]![funcCode] ?? 0;
}

/** zc->min_mod_size / max_mod_size: accelerators 1 byte up to 256 (512 with 4K functions), coprocessors 16..512. */
export function modulusLimits(mode: ZcryptMode, functions: number): { min: number; max: number } {
  if (mode === 'accel') return { min: 1, max: functions & AP_FUNC_MEX4K && functions & AP_FUNC_CRT4K ? 512 : 256 };
  return { min: 16, max: 512 };
}

/** The card serves ICARSAMODEXPO/ICARSACRT (accelerator or CCA, not EP11). */
export function servesRsa(mode: ZcryptMode | undefined): mode is 'accel' | 'cca' {
  return mode === 'accel' || mode === 'cca';
}

/** The request message the queue's ops build (msgtype50 for CEXxA, msgtype6 for CEXxC); undefined means EINVAL. */
export function buildRsaMessage(mode: 'accel' | 'cca', req: RsaRequest, domain: number, maxModSize: number): Uint8Array | undefined {
  if (mode === 'accel') return req.op === 'me' ? encodeType50Me(req) : encodeType50Crt(req, maxModSize);
  return req.op === 'me' ? encodeType6Me(req, domain) : encodeType6Crt(req, domain);
}

/** The result bytes of a reply, or the errno the queue's ops make of it. */
export function convertRsaReply(mode: 'accel' | 'cca', reply: Uint8Array, outputLength: number): ReplyOutcome {
  return mode === 'accel' ? convertType50Reply(reply, outputLength) : convertType6IcaReply(reply, outputLength);
}
