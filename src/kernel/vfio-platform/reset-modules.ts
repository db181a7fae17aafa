// The reset modules vfio-platform looks up by compatible (vfio_platform_lookup_reset, after
// request_module("vfio-reset:<compat>")): module_vfio_reset_handler registrations of
// drivers/vfio/platform/reset/. Devices of any other compatible have no reset function.

import type { RegisterFile } from '../platform/register-file.js';
import { amdxgbeReset } from './reset/amdxgbe.js';
import { calxedaxgmacReset } from './reset/calxedaxgmac.js';

export type ResetFunction = (regions: readonly RegisterFile[], warn: (text: string) => void) => void;

export interface ResetModule {
  readonly compat: string;
  readonly module: string;
  readonly reset: ResetFunction;
}

export const RESET_MODULES: readonly ResetModule[] = [
  { compat: 'calxeda,hb-xgmac', module: 'vfio_platform_calxedaxgmac', reset: calxedaxgmacReset },
  { compat: 'amd,xgbe-seattle-v1a', module: 'vfio_platform_amdxgbe', reset: amdxgbeReset },
];

export function lookupReset(compat: string): ResetModule | undefined {
  return RESET_MODULES.find((m) => m.compat === compat);
}
