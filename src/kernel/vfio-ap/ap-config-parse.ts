// The ap_config write syntax (vfio_ap_ops.c ap_config_store/parse_bitmap).

import { parseHexMask } from '../../core/ap-mask-parse.js';
import { KernelError } from '../../core/errno.js';
import { cString } from '../../core/kstrtoul.js';
import type { MatrixMasks } from './ap-matrix.js';

/** The store copies at most AP_DUMPSTR_LEN bytes: three 66-char masks, two commas, a newline. */
export const AP_CONFIG_MAX_INPUT = 201;

/** models strsep(&rest, ",\n"): undefined once the rest pointer is NULL. */
function strsep(state: { rest: string | undefined }): string | undefined {
  if (state.rest === undefined) return undefined;
  const at = state.rest.search(/[,\n]/);
  if (at < 0) {
    const token = state.rest;
    state.rest = undefined;
    return token;
  }
  const token = state.rest.slice(0, at);
  state.rest = state.rest.slice(at + 1);
  return token;
}

/** Parses `<apm>,<aqm>,<adm>`; a missing token or a bad mask is EINVAL. */
export function parseApConfig(buf: string): MatrixMasks {
  const state = { rest: cString(buf).slice(0, AP_CONFIG_MAX_INPUT) as string | undefined };
  const next = () => {
    const token = strsep(state);
    if (token === undefined) throw new KernelError('EINVAL');
    return parseHexMask(token);
  };
  const apm = next();
  const aqm = next();
  const adm = next();
  return { apm, aqm, adm };
}
